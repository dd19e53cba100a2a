// Issue 18: sweep the caches of branches that no longer exist. The pipeline's
// final job builds through the action on main, a live branch, two gone ones and
// a protected one, against the real engine and local registry (deletion
// enabled); then a sweep, once through the action with a GitHub API (a real
// HTTP server the test starts) listing the live branches, once through the
// command line against a git remote. What is left is read from the registry.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type RunnerEvent } from '../scripts/action-harness.mjs';
import { cacheName } from '../src/core/plan.js';
import { engine, registryTags, uniqueRepo } from './lib.js';
import { actionJob, pipelineContext, pushEvent } from './pipeline.js';
import { removeTempDirs, tempDir } from '../__tests__/temp-dirs.js';

const E = engine();
// What the file made in os.tmpdir() (fixture(), tempDir()), removed after its tests.
afterAll(removeTempDirs);
const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const BRANCHES = ['main', 'feature/live', 'feature/gone', 'feature/also-gone', 'release/1'];
const cacheTag = (branch: string) => cacheName('cache', 'build', branch);

/** The GitHub API's two answers a sweep asks for: the repository, and its branches (two pages). */
async function githubApi(live: string[]): Promise<{ url: string; server: Server; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    asked.push(req.url ?? '');
    const json = (body: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(200, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
    const url = new URL(req.url ?? '/', 'http://api');
    if (url.pathname === '/repos/acme/app') return json({ full_name: 'acme/app', default_branch: 'main' });
    if (url.pathname === '/repos/acme/app/branches') {
      const page = Number(url.searchParams.get('page') ?? '1');
      const half = Math.ceil(live.length / 2);
      const next = `<http://${req.headers.host}/repos/acme/app/branches?per_page=100&page=2>; rel="next"`;
      const names = page === 1 ? live.slice(0, half) : live.slice(half);
      return json(
        names.map((name) => ({ name, protected: false })),
        page === 1 ? { Link: next } : {},
      );
    }
    if (url.pathname === '/repos/acme/app/pulls') return json([]);
    res.writeHead(404).end('{"message":"Not Found"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, asked };
}

const schedule: RunnerEvent = { name: 'schedule', ref: 'refs/heads/main', payload: { schedule: '17 3 * * *' } };

describe('sweep', () => {
  let context: string;
  let repo: string;
  // Each branch changed a source file of its own: caches that are the same manifest share a digest, and a
  // registry deletes a digest with every tag on it, so a sweep keeps those (the unit tests show it).
  const contextOf = (branch: string) => pipelineContext({ source: `console.log(${JSON.stringify(branch)})\n` });
  beforeAll(async () => {
    context = pipelineContext();
    repo = uniqueRepo('sweep');
    for (const branch of BRANCHES) {
      const r = await actionJob({ context: contextOf(branch), repo, event: pushEvent(branch), job: 'final' });
      if (r.result.code !== 0) throw new Error(`${branch}: ${r.result.stdout}`);
    }
  }, 300_000);

  test('the action: young caches stay within keep-for; with keep-for 0 the gone branches go, nothing else', async () => {
    const api = await githubApi(['main', 'feature/live', 'feature/unbuilt']);
    try {
      const sweep = (inputs: Record<string, string>) =>
        runAction({
          cwd: context,
          event: schedule,
          env: { ...E.env, GITHUB_API_URL: api.url, GITHUB_REPOSITORY: 'acme/app' },
          inputs: {
            image: `${E.registry}/${repo}`,
            sweep: 'true',
            'github-token': 'ghs_test',
            'protected-branches': 'release/*',
            ...inputs,
          },
        });
      const before = await registryTags(E.registry, repo);
      for (const b of BRANCHES) expect(before).toContain(cacheTag(b));

      // Just built: every gone branch's newest layer is minutes old, within the default 7d.
      const young = await sweep({});
      expect([young.code, young.stdout.match(/::error::.*/)?.[0]]).toEqual([0, undefined]);
      expect(await registryTags(E.registry, repo)).toEqual(before);
      expect(young.stdout).toMatch(/keep: feature\/gone: 1 cache tag\(s\), up to [\d.]+ [KM]iB \(gone, but last used/);
      expect(young.stdout).toMatch(/keep: release\/1: 1 cache tag\(s\) .*protected-branches/);

      const swept = await sweep({ 'keep-for': '0' });
      expect([swept.code, swept.stdout.match(/::error::.*/)?.[0]]).toEqual([0, undefined]);
      const after = await registryTags(E.registry, repo);
      expect(after.filter((t) => t.startsWith('cache.')).sort()).toEqual(
        ['main', 'feature/live', 'release/1'].map(cacheTag).sort(),
      );
      // The images' own tags are not cache tags: untouched.
      expect(after.length).toBe(before.length - 2);
      expect(swept.outputs['deleted-refs']!.split('\n').sort()).toEqual(
        ['feature/gone', 'feature/also-gone'].map((b) => `${E.registry}/${repo}:${cacheTag(b)}`).sort(),
      );
      expect(swept.summary).toContain('**2 deleted, 0 kept, 0 failed;');
      // Both pages of branches were read.
      expect(api.asked.filter((u) => u.startsWith('/repos/acme/app/branches'))).toHaveLength(4);
    } finally {
      api.server.close();
    }
  });

  test('the command line: the branches of a git remote; a dry run first, then the sweep', async () => {
    // A bare remote whose branches are main and feature/live (HEAD main); release/1's caches are protected.
    const remote = tempDir('bbc-sweep-remote-');
    const work = tempDir('bbc-sweep-work-');
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, stdio: 'pipe' });
    git(remote, 'init', '-q', '--bare', '-b', 'main');
    git(work, 'init', '-q', '-b', 'main');
    git(work, 'commit', '-q', '--allow-empty', '-m', 'init');
    git(work, 'branch', 'feature/live');
    git(work, 'remote', 'add', 'origin', remote);
    git(work, 'push', '-q', 'origin', 'main', 'feature/live');
    // What the action's sweep left: main, feature/live, release/1. Build feature/gone again to have one to sweep.
    const r = await actionJob({
      context: contextOf('feature/gone'),
      repo,
      event: pushEvent('feature/gone'),
      job: 'final',
    });
    expect(r.result.code).toBe(0);

    const cli = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [
          CLI,
          'sweep',
          '--image',
          `${E.registry}/${repo}`,
          '--keep-for',
          '0',
          '--protected-branches',
          'release/*',
          ...args,
        ],
        { cwd: work, env: { ...process.env, ...E.env, GITHUB_ACTIONS: '' }, encoding: 'utf8' },
      );
    const dry = cli('--dry-run');
    expect([dry.status, dry.stderr]).toEqual([0, expect.stringContaining('git ls-remote origin')]);
    expect(dry.stderr).toContain(`would delete: ${E.registry}/${repo}:${cacheTag('feature/gone')}`);
    expect(await registryTags(E.registry, repo)).toContain(cacheTag('feature/gone'));

    const real = cli();
    expect([real.status, real.stderr]).toEqual([0, expect.stringContaining(`deleted: ${E.registry}/${repo}:`)]);
    const left = (await registryTags(E.registry, repo)).filter((t) => t.startsWith('cache.'));
    expect(left.sort()).toEqual(['main', 'feature/live', 'release/1'].map(cacheTag).sort());

    // A remote that cannot be read: exit 1, one line, nothing deleted.
    const broken = cli('--remote', join(tmpdir(), 'no-such-remote'));
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/buildx-branch-cache: git ls-remote .*no-such-remote failed: /);
    expect((await registryTags(E.registry, repo)).filter((t) => t.startsWith('cache.')).sort()).toEqual(left.sort());
  });

  afterAll(() => undefined);
});
