// Issue 19: bake mode on the real engine. A bake file with two targets that
// share a base stage (and a matrix target, and a --set override) is built
// through the action on main, then on a new branch, each job on an emptied
// builder: the new branch's build runs no RUN step of any target, and the
// report names each target. Skipped, visibly, where bake drops the `network`
// attribute (buildx 0.13): the test engine has no bridge network.
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAction, type RunResult } from '../scripts/action-harness.mjs';
import { busyboxStage } from './fixtures.mjs';
import { countRunSteps, emptyBuilder, engine, fixture, registryTags, uniqueRepo } from './lib.js';
import { pushEvent } from './pipeline.js';
import { removeTempDirs, tempDir } from '../__tests__/temp-dirs.js';

const E = engine();
// What the file made in os.tmpdir() (fixture(), tempDir()), removed after its tests.
afterAll(removeTempDirs);

/**
 * Does this buildx's bake keep the `network` attribute? The test engine has no bridge network, so every RUN step
 * needs `network = "none"`; buildx 0.13's bake drops the attribute it does not know (its --print leaves it out).
 */
function bakeKeepsNetwork(): boolean {
  const dir = tempDir('bbc-bake-probe-');
  writeFileSync(join(dir, 'docker-bake.json'), '{"target":{"t":{"network":"none"}}}');
  const r = spawnSync('docker', ['buildx', 'bake', '--print', 't'], {
    cwd: dir,
    env: { ...process.env, ...E.env },
    encoding: 'utf8',
  });
  return r.status === 0 && r.stdout.includes('"network"');
}
const bakeTest = bakeKeepsNetwork() ? test : test.skip;
if (bakeTest === test.skip) {
  process.stderr.write(
    `e2e/bake.test.ts: the build test is skipped on buildx ${E.buildxVersion}: its bake drops network\n`,
  );
}

const DOCKERFILE = [
  ...busyboxStage('base'),
  'RUN echo base > /base',
  'FROM base AS api',
  'ARG FLAVOUR',
  'RUN echo "api $FLAVOUR" > /api',
  'FROM base AS worker',
  'RUN echo worker > /worker',
  '',
].join('\n');

const BAKE_FILE = `
group "default" { targets = ["api", "worker", "variants"] }
target "_common" {
  network = "none"
}
target "api" {
  inherits = ["_common"]
  target = "api"
}
target "worker" {
  inherits = ["_common"]
  target = "worker"
}
target "variants" {
  name = "variant-\${v}"
  matrix = { v = ["a", "b"] }
  inherits = ["_common"]
  target = "api"
  args = { FLAVOUR = v }
}
`;

async function bakeJob(context: string, repo: string, branch: string): Promise<RunResult> {
  await emptyBuilder();
  return runAction({
    cwd: context,
    event: pushEvent(branch),
    env: E.env,
    inputs: {
      image: `${E.registry}/${repo}`,
      bake: 'true',
      files: 'docker-bake.hcl',
      // The override is applied before the plan: the api target builds with it (its step differs from the variants').
      set: 'api.args.FLAVOUR=from-set',
    },
  });
}

describe('bake', () => {
  bakeTest('two targets sharing a base, a matrix, a --set: a new branch runs no RUN step of any target', async () => {
    const context = fixture({ Dockerfile: DOCKERFILE, 'docker-bake.hcl': BAKE_FILE });
    const repo = uniqueRepo('bake');
    const main = await bakeJob(context, repo, 'main');
    expect([main.code, main.stdout.match(/::error::.*/)?.[0]]).toEqual([0, undefined]);
    const first = countRunSteps(main.stdout);
    // base (2 RUN), api, worker, two variants: every RUN step ran once (the shared base once for all).
    expect(first.ran).toBeGreaterThanOrEqual(5);
    const planned = JSON.parse(main.outputs['bake-targets']!) as Record<string, { 'cache-to': string[] }>;
    expect(Object.keys(planned).sort()).toEqual(['api', 'variant-a', 'variant-b', 'worker']);
    // The target's name is in its tags: four targets, four exports, none overwriting another.
    const tags = (await registryTags(E.registry, repo)).filter((t) => t.startsWith('cache.')).sort();
    expect(tags).toEqual([
      'cache.api.api..main',
      'cache.variant-a.api..main',
      'cache.variant-b.api..main',
      'cache.worker.worker..main',
    ]);

    const branch = await bakeJob(context, repo, 'feature/x');
    expect([branch.code, branch.stdout.match(/::error::.*/)?.[0]]).toEqual([0, undefined]);
    const again = countRunSteps(branch.stdout);
    expect({ ran: again.ranNames, total: again.total > 0 }).toEqual({ ran: [], total: true });
    expect(branch.outputs['cache-hit']).toBe('true');
    // The report and the summary name each target.
    for (const t of ['api', 'worker', 'variant-a', 'variant-b']) {
      expect(branch.stdout).toContain(`buildx-branch-cache bake target ${t}: what the cache did`);
      expect(branch.summary).toContain(`### buildx-branch-cache bake target \`${t}\`: \`feature/x\``);
    }
    // The --set reached the build: api's step ran with it on main.
    expect(main.stdout).toContain('RUN echo "api from-set" > /api');
    expect(main.stdout).toContain('RUN echo "api b" > /api');
    expect(JSON.parse(branch.outputs['metadata']!)).toHaveProperty('api');
  });

  test('bad input: an unknown target, a missing Dockerfile, a bake file that does not parse: one line each', async () => {
    const context = fixture({
      Dockerfile: DOCKERFILE,
      'docker-bake.hcl': BAKE_FILE,
      'broken.hcl': 'target "x" {\n',
      'missing.hcl':
        'target "gone" {\n  dockerfile = "missing.Dockerfile"\n}\ngroup "default" { targets = ["gone"] }\n',
    });
    const run = (inputs: Record<string, string>) =>
      runAction({
        cwd: context,
        event: pushEvent('main'),
        env: E.env,
        inputs: { image: `${E.registry}/r`, bake: 'true', ...inputs },
      });
    const unknown = await run({ targets: 'nope' });
    const errors = (r: RunResult) => r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(unknown.code).toBe(1);
    expect(errors(unknown)).toHaveLength(1);
    expect(errors(unknown)[0]).toMatch(/docker buildx bake --print failed: .*nope/);
    const missing = await run({ files: 'missing.hcl' });
    expect(missing.code).toBe(1);
    expect(errors(missing)).toEqual([
      expect.stringMatching(
        /^::error::file: \S*missing\.Dockerfile does not exist: target gone names it: fix its dockerfile/,
      ),
    ]);
    const broken = await run({ files: 'broken.hcl' });
    expect(broken.code).toBe(1);
    expect(errors(broken)).toHaveLength(1);
    expect(errors(broken)[0]).toMatch(/docker buildx bake --print failed: /);
  });
});
