// The bundled action (dist/index.js), run as the GitHub runner runs it, in
// flags-only mode (build: false needs no Docker), under Node 20 and Node 24;
// and the README's example steps run through it. The in-process checks of
// action.yml and the README: __tests__/action.test.ts.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ONE_STAGE, PIPELINE } from '../../e2e/fixtures.mjs';
import { pullRequestEvent, pushEvent, runAction } from '../../scripts/action-harness.mjs';
import { actionSteps, stepInputs } from '../readme.js';
import { errorLines, NODE24, ROOT, workdir } from './harness.js';

const NODES: [string, string | undefined][] = [
  [`node ${process.versions.node.split('.')[0]} (this process)`, process.execPath],
  ['node 24', NODE24],
];

describe.each(NODES)('dist/index.js under %s', (_label, node) => {
  const it = node ? test : test.skip; // skipped, and so reported, when setup.ts could not install Node 24

  it('a push to a feature branch: outputs of the whole plan', async () => {
    const r = await runAction({
      node,
      cwd: workdir(),
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

  it('a fork pull request imports base then default branch and exports nothing', async () => {
    const r = await runAction({
      node,
      cwd: workdir(),
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

  it('a bad input fails with one line naming it, exit code 1, no stack trace', async () => {
    const r = await runAction({ node, cwd: workdir(), inputs: { image: 'ghcr.io/acme/app:v1', build: 'false' } });
    expect(r.code).toBe(1);
    const errors = errorLines(r);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error::image: .*has a tag/);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown target lists the stages', async () => {
    const r = await runAction({
      node,
      cwd: workdir(),
      inputs: { image: 'ghcr.io/acme/app', build: 'false', target: 'tests' },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error::target: "tests" is not a stage of Dockerfile: use one of dependencies, build');
  });

  it('a missing Dockerfile names the file input', async () => {
    const r = await runAction({
      node,
      cwd: workdir(),
      inputs: { image: 'ghcr.io/acme/app', build: 'false', file: 'nope/Dockerfile' },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error::file: nope/Dockerfile does not exist');
  });
});

describe('action.yml', () => {
  test('runs on node24 from dist/index.js', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { runs: unknown };
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  test('dist/index.js is at most 600,000 bytes, without the HTTP client only OIDC tokens need', () => {
    const bundle = readFileSync(join(ROOT, 'dist', 'index.js'));
    expect(bundle.length).toBeLessThanOrEqual(600_000);
    expect(bundle.includes('undici')).toBe(false);
  });
});

describe('README workflow examples', () => {
  const expressions: Record<string, string> = {
    'github.repository': 'acme/app',
    'github.sha': '0123456789abcdef',
    'github.actor': 'octocat',
    'matrix.platform': 'linux/arm64',
  };

  test('each example step runs (flags only) on a pull request', async () => {
    const cwd = workdir({ Dockerfile: PIPELINE, 'single-stage.Dockerfile': ONE_STAGE });
    // Cleanup steps delete instead of building: bundle/ghcr.test.ts runs the README's against a fake Packages API.
    // Merge steps join pushed images: e2e/multiplatform.test.ts runs that path on the engine.
    // Sweep steps: bundle/sweep.test.ts runs the README's against a GitHub API server; bake needs an engine (e2e/bake.test.ts).
    const building = actionSteps.filter((s) => !s.with?.cleanup && !s.with?.merge && !s.with?.sweep && !s.with?.bake);
    expect(building.length).toBeGreaterThanOrEqual(3);
    for (const step of building) {
      // probe-cache off: no cache exists here, and a local directory would be skipped.
      const r = await runAction({
        cwd,
        event: pullRequestEvent('feature/login', 'main'),
        inputs: { ...stepInputs(step, expressions), build: 'false', 'probe-cache': 'false' },
      });
      expect([step.with, r.code, r.stdout.match(/::error::.*/)?.[0]]).toEqual([step.with, 0, undefined]);
      expect(r.outputs['cache-from']).toMatch(/cache\.(build|dependencies|app)\.(linux_arm64\.)?feature_login/);
    }
  });
});
