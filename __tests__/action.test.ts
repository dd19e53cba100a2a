// The bundled action, run as the GitHub runner runs it, in flags-only mode
// (build: false needs no Docker). Also keeps action.yml, the code's defaults
// and the README's tables in agreement.
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { actionDefaults, pullRequestEvent, pushEvent, runAction } from '../scripts/action-harness.mjs';
import { INPUT_DEFAULTS } from '../src/core/inputs.js';

const root = join(import.meta.dirname, '..');
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
};

function workdir(dockerfile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bbc-action-'));
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

const PIPELINE = 'FROM scratch AS dependencies\nRUN echo deps\n\nFROM dependencies AS build\nRUN echo build\n';

// Node 24 is what `runs.using: node24` means on the runner; scripts/node24.sh installs it.
const node24 = (() => {
  try {
    return execFileSync('bash', [join(root, 'scripts/node24.sh')], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
})();
const nodes: [string, string][] = [['node 20 (this process)', process.execPath]];
if (node24 && existsSync(node24)) nodes.push(['node 24', node24]);

describe.each(nodes)('dist/index.js under %s', (_label, node) => {
  test('a push to a feature branch: outputs of the whole plan', async () => {
    const cwd = workdir(PIPELINE);
    const r = await runAction({
      node,
      cwd,
      event: pushEvent('feature/Login-FORM'),
      inputs: { image: 'ghcr.io/acme/app', build: 'false' },
    });
    expect(r.code).toBe(0);
    expect(r.outputs['branch']).toBe('feature/Login-FORM');
    expect(r.outputs['branch-slug']).toBe('feature_Login-FORM');
    expect(r.outputs['cache-from']!.split('\n')).toEqual([
      'type=registry,ref=ghcr.io/acme/app:cache.build.feature_Login-FORM',
      'type=registry,ref=ghcr.io/acme/app:cache.dependencies.feature_Login-FORM',
      'type=registry,ref=ghcr.io/acme/app:cache.build.main',
      'type=registry,ref=ghcr.io/acme/app:cache.dependencies.main',
    ]);
    expect(r.outputs['cache-to']).toBe(
      'type=registry,ref=ghcr.io/acme/app:cache.build.feature_Login-FORM,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true',
    );
    expect(r.outputs['cache-ref']).toBe('ghcr.io/acme/app:cache.build.feature_Login-FORM');
    const args = JSON.parse(r.outputs['args']!) as string[];
    expect(args.slice(0, 2)).toEqual(['buildx', 'build']);
    expect(args.filter((a) => a === '--cache-from')).toHaveLength(4);
    expect(args[args.length - 1]).toBe('.');
    // The log group names the choice and the reason.
    expect(r.stdout).toContain('::group::buildx-branch-cache: feature/Login-FORM (fallbacks: main)');
    expect(r.stdout).toContain('why: push on branch feature/Login-FORM');
    expect(r.summary).toContain('- **Branch:** `feature/Login-FORM` (tag slug `feature_Login-FORM`)');
    // No build ran, so no build outputs.
    expect(r.outputs['digest']).toBeUndefined();
  });

  test('a fork pull request imports base then default branch and exports nothing', async () => {
    const cwd = workdir(PIPELINE);
    const r = await runAction({
      node,
      cwd,
      event: pullRequestEvent('patch-1', 'release/2.x', { fork: true }),
      inputs: { image: 'ghcr.io/acme/app', build: 'false', target: 'dependencies' },
    });
    expect(r.code).toBe(0);
    expect(r.outputs['cache-from']!.split('\n')).toEqual([
      'type=registry,ref=ghcr.io/acme/app:cache.dependencies.patch-1',
      'type=registry,ref=ghcr.io/acme/app:cache.dependencies.release_2__2e_x',
      'type=registry,ref=ghcr.io/acme/app:cache.dependencies.main',
    ]);
    expect(r.outputs['cache-to']).toBe('');
    expect(r.outputs['cache-ref']).toBe('');
    expect(r.stdout).toContain('from fork mallory/app');
  });

  test('a bad input fails with one line naming it, exit code 1, no stack trace', async () => {
    const cwd = workdir(PIPELINE);
    const r = await runAction({ node, cwd, inputs: { image: 'ghcr.io/acme/app:v1', build: 'false' } });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error::image: .*has a tag/);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  test('an unknown target lists the stages', async () => {
    const cwd = workdir(PIPELINE);
    const r = await runAction({ node, cwd, inputs: { image: 'ghcr.io/acme/app', build: 'false', target: 'tests' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error::target: "tests" is not a stage of Dockerfile: use one of dependencies, build');
  });

  test('a missing Dockerfile names the file input', async () => {
    const cwd = workdir(PIPELINE);
    const r = await runAction({
      node,
      cwd,
      inputs: { image: 'ghcr.io/acme/app', build: 'false', file: 'nope/Dockerfile' },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error::file: nope/Dockerfile does not exist');
  });
});

describe('action.yml', () => {
  test('runs on node24 from dist/index.js', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  test('declares exactly the inputs the code reads, with the same defaults', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(INPUT_DEFAULTS).sort());
    const defaults = actionDefaults();
    for (const [name, value] of Object.entries(INPUT_DEFAULTS)) expect([name, defaults[name]]).toEqual([name, value]);
  });

  test('no expression syntax in descriptions (the runner would evaluate it when it loads the action)', () => {
    const text = readFileSync(join(root, 'action.yml'), 'utf8');
    expect(text).not.toContain('${{');
  });

  test('the outputs the code sets are declared', () => {
    const src = ['src/shell/pipeline.ts', 'src/shell/cleanup.ts']
      .map((f) => readFileSync(join(root, f), 'utf8'))
      .join('\n');
    const set = [...src.matchAll(/setOutput\('([a-z-]+)'/g)].map((m) => m[1]!);
    expect(set.length).toBeGreaterThan(5);
    for (const name of set) expect(Object.keys(action.outputs)).toContain(name);
  });
});

describe('README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  function table(heading: string): Map<string, string> {
    const start = readme.indexOf(heading);
    expect(start).toBeGreaterThanOrEqual(0);
    const rows = new Map<string, string>();
    for (const line of readme.slice(start).split('\n').slice(1)) {
      if (line.startsWith('#')) break;
      const m = /^\| `([a-z0-9-]+)` \|(.*)$/.exec(line);
      if (m) rows.set(m[1]!, m[2]!);
    }
    return rows;
  }

  test('the inputs table lists every input of action.yml with its default', () => {
    const rows = table('## Inputs');
    expect([...rows.keys()].sort()).toEqual(Object.keys(action.inputs).sort());
    for (const [name, spec] of Object.entries(action.inputs)) {
      const shown = spec.default ? `\`${spec.default}\`` : '';
      expect([name, rows.get(name)!.split('|')[0]!.trim()]).toEqual([name, spec.required ? '(required)' : shown]);
    }
  });

  test('the outputs table lists every output of action.yml', () => {
    expect([...table('## Outputs').keys()].sort()).toEqual(Object.keys(action.outputs).sort());
  });
});

describe('README workflow examples', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const steps = blocks.flatMap((block) => {
    const doc = parse(block) as unknown;
    // A block is a whole workflow, or a fragment of steps.
    const list: unknown[] = Array.isArray(doc)
      ? doc
      : Object.values((doc as { jobs?: Record<string, { steps?: unknown[] }> }).jobs ?? {}).flatMap(
          (j) => j.steps ?? [],
        );
    return list as { uses?: string; with?: Record<string, unknown>; id?: string }[];
  });
  const ours = steps.filter((s) => s.uses?.startsWith('buildx-branch-cache/buildx-branch-cache@'));
  const expressions: Record<string, string> = {
    'github.repository': 'acme/app',
    'github.sha': '0123456789abcdef',
    'github.actor': 'octocat',
    'matrix.platform': 'linux/arm64',
  };
  const substitute = (v: unknown) =>
    String(v).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => expressions[expr] ?? 'x');

  test('there are examples, and each uses only declared inputs', () => {
    expect(ours.length).toBeGreaterThanOrEqual(3);
    for (const step of ours)
      for (const key of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
  });

  test('each example step runs (flags only) on a pull request', async () => {
    const cwd = workdir(PIPELINE);
    writeFileSync(join(cwd, 'single-stage.Dockerfile'), 'FROM scratch AS app\nRUN echo app\n');
    // Cleanup steps delete instead of building: ghcr.test.ts runs the README's against a fake Packages API.
    for (const step of ours.filter((s) => !s.with?.cleanup)) {
      const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, substitute(v)]));
      // probe-cache off: no cache exists here, and a local directory would be skipped.
      const r = await runAction({
        cwd,
        event: pullRequestEvent('feature/login', 'main'),
        inputs: { ...inputs, build: 'false', 'probe-cache': 'false' },
      });
      expect([step.with, r.code, r.stdout.match(/::error::.*/)?.[0]]).toEqual([step.with, 0, undefined]);
      expect(r.outputs['cache-from']).toMatch(/cache\.(build|dependencies|app)\.(linux_arm64\.)?feature_login/);
    }
  });

  test('outputs referenced by later steps exist', () => {
    const refs = blocks.flatMap((b) => [...b.matchAll(/steps\.[\w-]+\.outputs\.([\w-]+)/g)].map((m) => m[1]!));
    expect(refs.length).toBeGreaterThan(0);
    for (const name of refs) expect(Object.keys(action.outputs)).toContain(name);
  });
});
