// Issue 7: delete a branch's cache when the branch is gone. The article's
// pipeline runs on main and feature/x through the action; then the action in
// cleanup mode, on the events GitHub sends, against the real local registries
// (deletion enabled; once behind htpasswd after a `docker login`). What is left
// is read from the registry's own tags list.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runAction, type RunnerEvent, type RunResult } from '../scripts/action-harness.mjs';
import { cacheName } from '../src/core/plan.js';
import { docker, engine, registryDigest, registryTags, uniqueRepo } from './lib.js';
import { actionJob, pipelineContext, pullRequestEvent, pushEvent } from './pipeline.js';
import { removeTempDirs, tempDir } from '../__tests__/temp-dirs.js';

const E = engine();
// What the file made in os.tmpdir() (fixture(), tempDir()), removed after its tests.
afterAll(removeTempDirs);

function ok(r: { code: number; stdout: string; stderr: string }): void {
  if (r.code !== 0) throw new Error(`action failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}

/** GitHub's `delete` event: GITHUB_REF is the default branch, the payload names what was deleted. */
function deleteEvent(branch: string): RunnerEvent {
  return {
    name: 'delete',
    ref: 'refs/heads/main',
    payload: { ref: branch, ref_type: 'branch', repository: { default_branch: 'main', full_name: 'acme/app' } },
  };
}

function closedPullRequest(head: string): RunnerEvent {
  const e = pullRequestEvent(head, 'main');
  return { ...e, payload: { ...e.payload, action: 'closed' } };
}

/** Both pipeline jobs (dependencies, then the final image) for one branch. */
async function pipeline(opts: {
  context: string;
  repo: string;
  branch: string;
  registry?: string;
  env?: Record<string, string>;
}): Promise<void> {
  for (const job of ['dependencies', 'final'] as const) {
    const r = await actionJob({
      context: opts.context,
      repo: opts.repo,
      event: pushEvent(opts.branch),
      job,
      registry: opts.registry,
      env: opts.env,
    });
    ok(r.result);
  }
}

async function cleanup(opts: {
  context: string;
  image: string;
  event: RunnerEvent;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
}): Promise<RunResult> {
  return runAction({
    cwd: opts.context,
    event: opts.event,
    env: { ...E.env, ...opts.env },
    inputs: { image: opts.image, cleanup: 'true', ...opts.inputs },
  });
}

/** A branch's cache tags, as the action names them (cacheName), build then dependencies. */
const cacheTags = (branch: string) => ['build', 'dependencies'].map((stage) => cacheName('cache', stage, branch));
const imageTags = (branch: string) => [`deps-${branch}`, branch];

/** One `::error::` line and nothing else wrong. */
function oneError(r: RunResult): string {
  const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

describe('cleanup on the open registry', () => {
  const repo = uniqueRepo('cleanup');
  const image = `${E.registry}/${repo}`;
  const context = pipelineContext({ sleep: 0 });
  // A branch's own change, so its caches are its own (an unchanged branch may share main's manifests).
  const changed = pipelineContext({ sleep: 0, source: 'console.log("feature")\n' });
  const pr = pipelineContext({ sleep: 0, source: 'console.log("pr")\n' });
  let before: string[] = [];

  beforeAll(async () => {
    await pipeline({ context, repo, branch: 'main' });
    await pipeline({ context: changed, repo, branch: 'feature/x' });
    await pipeline({ context: pr, repo, branch: 'feature/pr' });
    before = await registryTags(E.registry, repo);
    expect(before).toEqual(
      [
        ...cacheTags('main'),
        ...imageTags('main'),
        ...cacheTags('feature/x'),
        ...imageTags('feature-x'),
        ...cacheTags('feature/pr'),
        ...imageTags('feature-pr'),
      ].sort(),
    );
  });

  test('a dry run lists the branch’s cache refs and deletes nothing', async () => {
    const r = await cleanup({ context, image, event: deleteEvent('feature/x'), inputs: { 'dry-run': 'true' } });
    ok(r);
    expect(r.outputs['deleted-refs']!.split('\n')).toEqual([
      `${image}:cache.dependencies.feature_x`,
      `${image}:cache.build.feature_x`,
    ]);
    expect(r.stdout).toMatch(new RegExp(`would delete: ${image}:cache.build.feature_x \\(sha256:[0-9a-f]{64}\\)`));
    expect(r.summary).toContain('(dry run)');
    expect(await registryTags(E.registry, repo)).toEqual(before);
  });

  test('cleanup of the default branch is refused: exit 1, one line, nothing deleted', async () => {
    const r = await cleanup({ context, image, event: deleteEvent('main') });
    expect(r.code).toBe(1);
    expect(oneError(r)).toBe('::error::cleanup: refusing to delete the caches of main: it is the default branch');
    const p = await cleanup({
      context,
      image,
      event: deleteEvent('feature/pr'),
      inputs: { 'protected-branches': 'feature/*' },
    });
    expect(p.code).toBe(1);
    expect(oneError(p)).toBe(
      '::error::cleanup: refusing to delete the caches of feature/pr: it matches "feature/*" in protected-branches',
    );
    expect(await registryTags(E.registry, repo)).toEqual(before);
  });

  test('item 5: protected-branches with refs/heads/ protects the branch: exit 1, one line, nothing deleted', async () => {
    const r = await cleanup({
      context,
      image,
      event: deleteEvent('feature/pr'),
      inputs: { 'protected-branches': 'develop, refs/heads/feature/*' },
    });
    expect(r.code).toBe(1);
    expect(oneError(r)).toBe(
      '::error::cleanup: refusing to delete the caches of feature/pr: it matches "refs/heads/feature/*" in protected-branches',
    );
    expect(await registryTags(E.registry, repo)).toEqual(before);
  });

  test('item 15: the registry host in upper case (LOCALHOST:<port>) is the same registry: a dry run finds the branch’s caches', async () => {
    const port = E.registry.split(':').pop()!;
    const upper = `LOCALHOST:${port}/${repo}`;
    const r = await cleanup({ context, image: upper, event: deleteEvent('feature/x'), inputs: { 'dry-run': 'true' } });
    ok(r);
    const dry = await cleanup({ context, image, event: deleteEvent('feature/x'), inputs: { 'dry-run': 'true' } });
    ok(dry);
    expect(r.outputs['deleted-refs']!.split('\n')).toHaveLength(dry.outputs['deleted-refs']!.split('\n').length);
    expect(r.outputs['deleted-refs']).toBe(dry.outputs['deleted-refs']!.split(image).join(upper));
    expect(r.summary).toContain('through the registry API (http://localhost:');
    expect(await registryTags(E.registry, repo)).toEqual(before);
  });

  test('item 7: a branch name with HTML and Markdown in it is text in the cleanup summary', async () => {
    // A git-valid name: < > | and _ are allowed in branch names.
    const branch = 'feature/<h1>x</h1>|_y_';
    const r = await cleanup({ context, image, event: deleteEvent(branch), inputs: { 'dry-run': 'true' } });
    ok(r);
    expect(r.summary).toContain('### buildx-branch-cache cleanup: `feature/<h1>x</h1>|_y_` (dry run)\n');
    expect(r.summary).toContain('\ndelete of branch feature/&lt;h1&gt;x&lt;/h1&gt;\\|\\_y\\_.\n');
    expect(await registryTags(E.registry, repo)).toEqual(before);
  });

  test('a deleted branch: every one of its cache tags goes; main’s and the image tags stay', async () => {
    const digests = await Promise.all(cacheTags('main').map((t) => registryDigest(E.registry, repo, t)));
    const r = await cleanup({ context, image, event: deleteEvent('feature/x') });
    ok(r);
    expect(r.outputs['deleted-refs']!.split('\n')).toEqual([
      `${image}:cache.dependencies.feature_x`,
      `${image}:cache.build.feature_x`,
    ]);
    expect(r.summary).toContain('### buildx-branch-cache cleanup: `feature/x`');
    // The 0.1 scheme's tags of the branch are looked for too (and not found here).
    expect(r.summary).toMatch(/\*\*2 deleted, \d+ not found, 0 kept, 0 failed\.\*\*/);
    expect(await registryTags(E.registry, repo)).toEqual(before.filter((t) => !cacheTags('feature/x').includes(t)));
    // main's caches are the very same manifests as before.
    expect(await Promise.all(cacheTags('main').map((t) => registryDigest(E.registry, repo, t)))).toEqual(digests);
  });

  test('again (the pull request closes after the branch was deleted): nothing left, not an error', async () => {
    const r = await cleanup({ context, image, event: closedPullRequest('feature/x') });
    ok(r);
    expect(r.outputs['deleted-refs']).toBe('');
    expect(r.stdout).toContain(`not found: ${image}:cache.build.feature_x`);
  });

  test('a closed pull request deletes its head branch’s caches', async () => {
    const r = await cleanup({ context, image, event: closedPullRequest('feature/pr') });
    ok(r);
    expect(r.outputs['deleted-refs']!.split('\n')).toEqual([
      `${image}:cache.dependencies.feature_pr`,
      `${image}:cache.build.feature_pr`,
    ]);
    expect(await registryTags(E.registry, repo)).toEqual(
      [...cacheTags('main'), ...imageTags('main'), ...imageTags('feature-x'), ...imageTags('feature-pr')].sort(),
    );
  });

  test('a cache tag on the same manifest as another tag (a copied tag): that tag goes, the other keeps the manifest', async () => {
    // A manifest DELETE removes every tag on that digest: copy main's build cache to a feature/copy tag.
    const manifest = await fetch(`http://${E.registry}/v2/${repo}/manifests/cache.build.main`, {
      headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(manifest.status).toBe(200);
    const put = await fetch(`http://${E.registry}/v2/${repo}/manifests/cache.build.feature_copy`, {
      method: 'PUT',
      headers: { 'Content-Type': manifest.headers.get('content-type')! },
      body: Buffer.from(await manifest.arrayBuffer()),
    });
    expect(put.status).toBe(201);
    const digest = await registryDigest(E.registry, repo, 'cache.build.main');
    expect(await registryDigest(E.registry, repo, 'cache.build.feature_copy')).toBe(digest);
    const tags = await registryTags(E.registry, repo);

    const r = await cleanup({ context, image, event: deleteEvent('feature/copy') });
    ok(r);
    expect(r.stdout).toContain(`deleted: ${image}:cache.build.feature_copy (${digest})`);
    expect(r.stdout).toContain(`not found: ${image}:cache.dependencies.feature_copy`);
    expect(r.outputs['deleted-refs']).toBe(`${image}:cache.build.feature_copy`);
    expect(r.summary).toMatch(/\*\*1 deleted, \d+ not found, 0 kept, 0 failed\.\*\*/);
    expect(await registryTags(E.registry, repo)).toEqual(tags.filter((t) => t !== 'cache.build.feature_copy'));
    expect(await registryDigest(E.registry, repo, 'cache.build.main')).toBe(digest);
  });
});

describe('cleanup on the registry behind htpasswd, after docker login', () => {
  const repo = uniqueRepo('cleanup-auth');
  const image = `${E.authRegistry}/${repo}`;
  const context = pipelineContext({ sleep: 0 });
  const changed = pipelineContext({ sleep: 0, source: 'console.log("feature")\n' });
  const auth = { user: E.authUser, password: E.authPassword };

  /**
   * A Docker config of this test's own (with the engine's buildx plugin): other
   * tests running on the same engine count on the shared one having no login.
   */
  function dockerConfig(): string {
    const dir = tempDir('bbc-docker-config-');
    mkdirSync(join(dir, 'cli-plugins'));
    symlinkSync(join(E.env.DOCKER_CONFIG!, 'cli-plugins', 'docker-buildx'), join(dir, 'cli-plugins', 'docker-buildx'));
    writeFileSync(join(dir, 'config.json'), '{}');
    return dir;
  }
  const loggedIn = { DOCKER_CONFIG: dockerConfig() };
  const anonymous = { DOCKER_CONFIG: dockerConfig() };

  beforeAll(async () => {
    const login = await docker(['login', E.authRegistry, '--username', E.authUser, '--password-stdin'], {
      env: loggedIn,
      input: E.authPassword,
    });
    if (login.code !== 0) throw new Error(`docker login failed: ${login.stderr}`);
    await pipeline({ context, repo, branch: 'main', registry: E.authRegistry, env: loggedIn });
    await pipeline({ context: changed, repo, branch: 'feature/x', registry: E.authRegistry, env: loggedIn });
    expect(await registryTags(E.authRegistry, repo, auth)).toEqual(
      [...cacheTags('main'), ...imageTags('main'), ...cacheTags('feature/x'), ...imageTags('feature-x')].sort(),
    );
  });

  test('without a login: the step fails, says to log in, and deletes nothing', async () => {
    const r = await cleanup({ context, image, event: deleteEvent('feature/x'), env: anonymous });
    expect(r.code).toBe(1);
    expect(oneError(r)).toMatch(
      new RegExp(
        `^::error::could not delete (\\d+) of \\1 cache tag\\(s\\) of ${image}: .*HTTP 401.*: log in to ${E.authRegistry} first`,
      ),
    );
    expect(await registryTags(E.authRegistry, repo, auth)).toContain('cache.build.feature_x');
  });

  test('with the login’s credentials from the Docker config: feature/x’s cache tags go, the rest stays', async () => {
    const r = await cleanup({ context, image, event: deleteEvent('feature/x'), env: loggedIn });
    ok(r);
    expect(r.stdout).toContain(`${E.authRegistry}: credentials from ${join(loggedIn.DOCKER_CONFIG, 'config.json')}`);
    expect(r.outputs['deleted-refs']!.split('\n')).toEqual([
      `${image}:cache.dependencies.feature_x`,
      `${image}:cache.build.feature_x`,
    ]);
    expect(await registryTags(E.authRegistry, repo, auth)).toEqual(
      [...cacheTags('main'), ...imageTags('main'), ...imageTags('feature-x')].sort(),
    );
  });
});

describe('cleanup against a registry that never answers', () => {
  // Takes every connection and request and never answers, like a hung registry or proxy.
  const server = createServer(() => undefined);
  let host = '';

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('item 4: the step fails after request-timeout, naming the operation, the host and the cause', async () => {
    const context = pipelineContext({ sleep: 0 });
    const start = Date.now();
    const r = await cleanup({
      context,
      image: `${host}/acme/app`,
      event: deleteEvent('feature/x'),
      inputs: { 'request-timeout': '1', 'cache-stages': 'build' },
      env: { DOCKER_CONFIG: tempDir('bbc-docker-config-') },
    });
    expect(Date.now() - start).toBeLessThan(15_000);
    expect(r.code).toBe(1);
    expect(oneError(r)).toMatch(
      new RegExp(
        `^::error::could not delete (\\d+) of \\1 cache tag\\(s\\) of ${host}/acme/app: HEAD ${host}/acme/app:[^ ]+: no answer from ${host} within 1 s \\(request-timeout\\)$`,
      ),
    );
  });

  test('item 4: a request-timeout that is not a number of seconds is one input error', async () => {
    const r = await cleanup({
      context: pipelineContext({ sleep: 0 }),
      image: `${host}/acme/app`,
      event: deleteEvent('feature/x'),
      inputs: { 'request-timeout': '0' },
    });
    expect(r.code).toBe(1);
    expect(oneError(r)).toBe(
      '::error::request-timeout: "0" is not a number of seconds (more than 0, at most 3600): e.g. 30',
    );
  });
});
