// Issue: beyond one registry ref. The local backend on a persistent disk, and
// matrix jobs whose platform-scoped refs do not overwrite each other.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pushEvent, runAction } from '../scripts/action-harness.mjs';
import { busyboxStage } from './fixtures.mjs';
import { countRunSteps, emptyBuilder, engine, fixture, registryTags, uniqueRepo } from './lib.js';
import { actionJob, pipelineContext } from './pipeline.js';
import { removeTempDirs, tempDir } from '../__tests__/temp-dirs.js';

const E = engine();
// What the file made in os.tmpdir() (fixture(), tempDir()), removed after its tests.
afterAll(removeTempDirs);

function ok(r: { code: number; stdout: string; stderr: string }): void {
  if (r.code !== 0) throw new Error(`action failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}

describe('cache-type local: a persistent runner disk', () => {
  test('a new branch runs zero RUN steps from the main branch directory, after the builder was emptied', async () => {
    const cacheDir = tempDir('bbc-local-cache-');
    const context = pipelineContext({ sleep: 0 });
    const repo = uniqueRepo('local');
    const inputs = { 'cache-type': 'local', 'cache-dir': cacheDir, image: '' };
    for (const job of ['dependencies', 'final'] as const) {
      const r = await actionJob({
        context,
        repo,
        event: pushEvent('main'),
        job,
        inputs: { ...inputs, push: 'false', tags: '' },
      });
      ok(r.result);
    }
    expect(existsSync(join(cacheDir, 'cache.dependencies.main', 'index.json'))).toBe(true);
    expect(existsSync(join(cacheDir, 'cache.build.main', 'index.json'))).toBe(true);

    // actionJob empties the builder first: only the directory carries the cache over.
    const deps = await actionJob({
      context,
      repo,
      event: pushEvent('feature/x'),
      job: 'dependencies',
      inputs: { ...inputs, push: 'false', tags: '' },
    });
    ok(deps.result);
    expect(deps.steps).toMatchObject({ total: 3, ran: 0 });
    const final = await actionJob({
      context,
      repo,
      event: pushEvent('feature/x'),
      job: 'final',
      inputs: { ...inputs, push: 'false', tags: '' },
    });
    ok(final.result);
    expect(final.steps).toMatchObject({ total: 5, ran: 0 });
    // The branch's build directory did not exist yet, so it was not passed to buildx;
    // main's build directory holds every record of both dependencies directories, so it alone was.
    expect(final.result.outputs['cache-from']).toBe(`type=local,src=${cacheDir}/cache.build.main`);
    expect(final.result.stdout).toContain(
      `${cacheDir}/cache.dependencies.feature_x: left out: contained in ${cacheDir}/cache.build.main`,
    );
    expect(existsSync(join(cacheDir, 'cache.build.feature_x', 'index.json'))).toBe(true);
  });
});

describe('matrix jobs: one stage, one branch, two platforms', () => {
  const DOCKERFILE = [
    ...busyboxStage('app'),
    'ARG TARGETPLATFORM',
    'RUN echo "$TARGETPLATFORM" > /platform',
    'RUN uname -m > /arch',
    '',
  ].join('\n');

  async function build(context: string, repo: string, platform: string) {
    await emptyBuilder();
    const image = `${E.registry}/${repo}`;
    const r = await runAction({
      cwd: context,
      event: pushEvent('main'),
      env: E.env,
      inputs: {
        image,
        platforms: platform,
        network: 'none',
        push: 'true',
        tags: `${image}:${platform.replace(/\//g, '-')}`,
      },
    });
    ok(r);
    return { r, steps: countRunSteps(r.stdout) };
  }

  test('each platform gets its own cache ref, and each is then a full hit for its own platform', async () => {
    const context = fixture({ Dockerfile: DOCKERFILE });
    const repo = uniqueRepo('matrix');
    const a = await build(context, repo, 'linux/amd64');
    const b = await build(context, repo, 'linux/amd64/v2');
    expect(a.r.outputs['cache-ref']).toBe(`${E.registry}/${repo}:cache.app.linux_amd64.main`);
    expect(b.r.outputs['cache-ref']).toBe(`${E.registry}/${repo}:cache.app.linux_amd64_v2.main`);
    expect(await registryTags(E.registry, repo)).toEqual(
      expect.arrayContaining(['cache.app.linux_amd64.main', 'cache.app.linux_amd64_v2.main']),
    );
    // The second job did not overwrite the first one's cache: both are full hits.
    for (const platform of ['linux/amd64', 'linux/amd64/v2']) {
      const again = await build(context, repo, platform);
      expect([platform, again.steps.total, again.steps.ran]).toEqual([platform, 3, 0]);
      expect(again.r.outputs['cache-hit']).toBe('true');
    }
  });
});
