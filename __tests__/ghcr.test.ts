// The GHCR path against a local HTTP server that answers like the GitHub
// Packages REST API (fake-github.ts), which records every request. Also
// runCleanup as the action runs it, with a GHCR image, through the same server.
import { afterEach, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { chooseMode } from '../src/core/modes.js';
import { CLEANUP_INPUTS } from '../src/core/inputs-cleanup.js';
import { runCleanup } from '../src/shell/cleanup.js';
import type { CleanupHost } from '../src/shell/deleting.js';
import { deleteGhcrTags, GhcrClient, ghcrPackage } from '../src/registry/ghcr.js';
import {
  acmeVersions,
  closeFakeGitHubs,
  deletePayload,
  fakeGitHub,
  OURS,
  TOKEN,
  version,
  workspace,
  type FakeGitHub,
} from './fake-github.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

afterEach(async () => {
  await closeFakeGitHubs();
  removeTempDirs();
});

describe('ghcrPackage', () => {
  test('item 15: the host in any case', () => {
    expect(ghcrPackage('GHCR.IO/acme/app')).toEqual({ owner: 'acme', name: 'app' });
    expect(ghcrPackage('Ghcr.Io/acme/tools/app')).toEqual({ owner: 'acme', name: 'tools/app' });
  });

  test('owner and package name (nested names keep their slashes)', () => {
    expect(ghcrPackage('ghcr.io/acme/app')).toEqual({ owner: 'acme', name: 'app' });
    expect(ghcrPackage('ghcr.io/acme/tools/app')).toEqual({ owner: 'acme', name: 'tools/app' });
    expect(() => ghcrPackage('ghcr.io/app')).toThrow(/not a GHCR repository/);
  });
});

describe('deleteGhcrTags', () => {
  test('an org package: every page read, the versions carrying our tags deleted, a shared version kept', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() }, { per: 3 });
    const results = await deleteGhcrTags(new GhcrClient({ token: TOKEN, apiUrl: gh.url }), 'ghcr.io/acme/app', OURS, {
      dryRun: false,
    });
    expect(results).toEqual([
      { tag: 'cache.dependencies.feature_x', state: 'deleted', detail: `version 21 (${version(21, []).name})` },
      { tag: 'cache.build.feature_x', state: 'deleted', detail: `version 22 (${version(22, []).name})` },
      {
        tag: 'cache.test.feature_x',
        state: 'kept',
        detail: `version 23 (${version(23, []).name}) is also tagged cache.test.main: deleting it would delete those too`,
      },
      { tag: 'cache.lint.feature_x', state: 'not found', detail: undefined },
    ]);
    expect(gh.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /orgs/acme/packages/container/app/versions?per_page=100',
      'GET /orgs/acme/packages/container/app/versions?per_page=3&page=2',
      'GET /orgs/acme/packages/container/app/versions?per_page=3&page=3',
      'DELETE /orgs/acme/packages/container/app/versions/21',
      'DELETE /orgs/acme/packages/container/app/versions/22',
    ]);
    for (const r of gh.requests) {
      expect(r.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.accept).toBe('application/vnd.github+json');
      expect(r.apiVersion).toBe('2022-11-28');
    }
    expect(gh.packages.get('orgs/acme/app')!.map((v) => v.id)).toEqual([11, 12, 13, 23, 24, 25]);
  });

  test('a user package: /orgs answers 404, so /users, for the list and the delete', async () => {
    const gh = await fakeGitHub({ 'users/octocat/tools/app': [version(5, ['cache.build.feature_x'])] });
    const results = await deleteGhcrTags(
      new GhcrClient({ token: TOKEN, apiUrl: gh.url }),
      'ghcr.io/octocat/tools/app',
      ['cache.build.feature_x'],
      {
        dryRun: false,
      },
    );
    expect(results.map((r) => r.state)).toEqual(['deleted']);
    expect(gh.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /orgs/octocat/packages/container/tools%2Fapp/versions?per_page=100',
      'GET /users/octocat/packages/container/tools%2Fapp/versions?per_page=100',
      'DELETE /users/octocat/packages/container/tools%2Fapp/versions/5',
    ]);
  });

  test('a dry run lists and deletes nothing', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() });
    const results = await deleteGhcrTags(new GhcrClient({ token: TOKEN, apiUrl: gh.url }), 'ghcr.io/acme/app', OURS, {
      dryRun: true,
    });
    expect(results.map((r) => r.state)).toEqual(['would delete', 'would delete', 'kept', 'not found']);
    expect(gh.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  test('no such package: every tag not found, and why', async () => {
    const gh = await fakeGitHub({});
    const results = await deleteGhcrTags(new GhcrClient({ token: TOKEN, apiUrl: gh.url }), 'ghcr.io/acme/gone', ['t'], {
      dryRun: false,
    });
    expect(results).toEqual([
      { tag: 't', state: 'not found', detail: 'no container package gone owned by acme that this token can see' },
    ]);
  });

  test('a token without packages: write: the delete fails and says what permission is missing', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() }, { deleteStatus: 403 });
    const results = await deleteGhcrTags(
      new GhcrClient({ token: TOKEN, apiUrl: gh.url }),
      'ghcr.io/acme/app',
      ['cache.build.feature_x'],
      { dryRun: false },
    );
    expect(results[0]!.state).toBe('failed');
    expect(results[0]!.detail).toMatch(
      /^deleting version 22 of ghcr\.io\/acme\/app: HTTP 403 Must have admin rights to Repository\.: the token needs packages: write/,
    );
  });

  test('a refused token: failed, for every tag', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() });
    const results = await deleteGhcrTags(new GhcrClient({ token: 'wrong', apiUrl: gh.url }), 'ghcr.io/acme/app', OURS, {
      dryRun: false,
    });
    expect(new Set(results.map((r) => r.state))).toEqual(new Set(['failed']));
    expect(results[0]!.detail).toMatch(/HTTP 401 Bad credentials: github-token was refused$/);
  });
});

describe('deleteGhcrTags: pages are read until every tag is seen, no further', () => {
  /** `n` image versions (ids 1000 + i, newest first), with `ours` put on the versions at the given indexes. */
  function versions(n: number, ours: Record<number, string[]> = {}) {
    return Array.from({ length: n }, (_, i) => version(1000 + i, ours[i] ?? [`build-${i}`]));
  }
  const BRANCH = ['cache.build.feature_x', 'cache.test.feature_x'];
  const pagesAsked = (gh: FakeGitHub) =>
    gh.requests
      .filter((r) => r.method === 'GET')
      .map((r) => Number(new URL(r.url, gh.url).searchParams.get('page') ?? 1));
  const deletes = (gh: FakeGitHub) =>
    gh.requests.filter((r) => r.method === 'DELETE').map((r) => r.url.split('/').pop());
  const run = (gh: FakeGitHub, tags = BRANCH, timeoutMs?: number) =>
    deleteGhcrTags(new GhcrClient({ token: TOKEN, apiUrl: gh.url, timeoutMs }), 'ghcr.io/acme/app', tags, {
      dryRun: false,
    });

  test('every tag on the first page: that page alone, then the deletes', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': versions(30, { 0: [BRANCH[0]!], 2: [BRANCH[1]!] }) }, { per: 3 });
    expect((await run(gh)).map((r) => r.state)).toEqual(['deleted', 'deleted']);
    expect(pagesAsked(gh)).toEqual([1]);
    expect(deletes(gh)).toEqual(['1000', '1002']);
  });

  test('the last tag on page 6 of 10: pages 1, 2, 3-4, 5-8 asked, 9 and 10 never', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': versions(30, { 1: [BRANCH[0]!], 16: [BRANCH[1]!] }) }, { per: 3 });
    expect((await run(gh)).map((r) => r.state)).toEqual(['deleted', 'deleted']);
    expect(pagesAsked(gh).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(deletes(gh)).toEqual(['1001', '1016']);
  });

  test('a shared version found is settled: kept, naming the other tag, without reading further', async () => {
    const gh = await fakeGitHub(
      { 'orgs/acme/app': versions(30, { 0: [BRANCH[0]!, 'cache.build.main'], 1: [BRANCH[1]!] }) },
      { per: 3 },
    );
    const results = await run(gh);
    expect(results.map((r) => [r.state, r.detail])).toEqual([
      [
        'kept',
        `version 1000 (${version(1000, []).name}) is also tagged cache.build.main: deleting it would delete those too`,
      ],
      ['deleted', `version 1001 (${version(1001, []).name})`],
    ]);
    expect(pagesAsked(gh)).toEqual([1]);
  });

  test('a tag on no version: every page, each once, at most 4 at a time', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': versions(30, { 4: [BRANCH[0]!] }) }, { per: 3, delayMs: 100 });
    expect((await run(gh)).map((r) => r.state)).toEqual(['deleted', 'not found']);
    expect(pagesAsked(gh).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(gh.maxInFlight()).toBe(4);
  });

  test('no rel="last" in the Link header: one page after another by rel="next", still stopping early', async () => {
    const gh = await fakeGitHub(
      { 'orgs/acme/app': versions(30, { 1: [BRANCH[0]!], 16: [BRANCH[1]!] }) },
      { per: 3, noLast: true },
    );
    expect((await run(gh)).map((r) => r.state)).toEqual(['deleted', 'deleted']);
    expect(pagesAsked(gh)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('a 429 on page 4: nothing deleted, every tag failed, saying when to try again', async () => {
    const gh = await fakeGitHub(
      { 'orgs/acme/app': versions(30, { 1: [BRANCH[0]!] }) },
      {
        per: 3,
        fault: (method, url) =>
          method === 'GET' && url.endsWith('&page=4')
            ? {
                status: 429,
                body: { message: 'You have exceeded a secondary rate limit' },
                headers: { 'retry-after': '60' },
              }
            : undefined,
      },
    );
    const results = await run(gh);
    expect(results.map((r) => r.state)).toEqual(['failed', 'failed']);
    expect(results[0]!.detail).toMatch(
      /^listing the versions of ghcr\.io\/acme\/app: HTTP 429 You have exceeded a secondary rate limit: rate limited: .*60 s/,
    );
    expect(results[0]!.detail).not.toMatch(/packages: write/);
    expect(deletes(gh)).toEqual([]);
  });

  test('a 429 on one DELETE, a DELETE that never answers: those failed, the others deleted, each said', async () => {
    const tags = ['cache.a.feature_x', 'cache.b.feature_x', 'cache.c.feature_x', 'cache.d.feature_x'];
    const gh = await fakeGitHub(
      { 'orgs/acme/app': versions(10, { 0: [tags[0]!], 1: [tags[1]!], 2: [tags[2]!], 3: [tags[3]!] }) },
      {
        fault: (method, url) =>
          method !== 'DELETE'
            ? undefined
            : url.endsWith('/1001')
              ? { status: 429, body: { message: 'slow down' }, headers: { 'retry-after': '30' } }
              : url.endsWith('/1002')
                ? 'silent'
                : undefined,
      },
    );
    const host = new URL(gh.url).host;
    const results = await run(gh, tags, 300);
    expect(results.map((r) => [r.tag, r.state])).toEqual([
      [tags[0], 'deleted'],
      [tags[1], 'failed'],
      [tags[2], 'failed'],
      [tags[3], 'deleted'],
    ]);
    expect(results[1]!.detail).toMatch(
      /^deleting version 1001 of ghcr\.io\/acme\/app: HTTP 429 slow down: rate limited: /,
    );
    expect(results[2]!.detail).toBe(
      `deleting version 1002 of ghcr.io/acme/app: no answer from ${host} within 0.3 s (request-timeout)`,
    );
    expect(gh.packages.get('orgs/acme/app')!.map((v) => v.id)).toEqual([
      1001, 1002, 1004, 1005, 1006, 1007, 1008, 1009,
    ]);
  });
});

describe('item 4: GitHub API requests are bounded in time and say where and why they failed', () => {
  test('item 4: an API that never answers: given up after the timeout; every tag failed, naming the host and the operation', async () => {
    const gh = await fakeGitHub({}, { silent: true });
    const host = new URL(gh.url).host;
    const start = Date.now();
    const results = await deleteGhcrTags(
      new GhcrClient({ token: TOKEN, apiUrl: gh.url, timeoutMs: 300 }),
      'ghcr.io/acme/app',
      ['a', 'b'],
      { dryRun: false },
    );
    expect(Date.now() - start).toBeLessThan(3000);
    expect(results).toEqual(
      ['a', 'b'].map((tag) => ({
        tag,
        state: 'failed',
        detail: `listing the versions of ghcr.io/acme/app: no answer from ${host} within 0.3 s (request-timeout)`,
      })),
    );
  });

  test('item 4: the default timeout is 30 s', () => {
    expect(new GhcrClient({ token: TOKEN }).timeoutMs).toBe(30_000);
  });

  test('item 4: a network error keeps its cause (ECONNREFUSED)', async () => {
    const gh = await fakeGitHub({});
    const host = new URL(gh.url).host;
    await closeFakeGitHubs(); // nothing listens there now
    const [r] = await deleteGhcrTags(new GhcrClient({ token: TOKEN, apiUrl: gh.url }), 'ghcr.io/acme/app', ['a'], {
      dryRun: false,
    });
    expect(r!.detail).toMatch(
      new RegExp(
        `^listing the versions of ghcr\\.io/acme/app: connection to ${host} failed: connect ECONNREFUSED [^ ]+ \\(nothing listens there\\)$`,
      ),
    );
  });
});

describe('item 8: the GitHub token goes only to the API it was given for', () => {
  test('item 8: a next-page link to another server is not followed with the token', async () => {
    const other = await fakeGitHub({ 'orgs/acme/app': acmeVersions() }, { per: 3 });
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() }, { per: 3, linkOrigin: other.url });
    const results = await deleteGhcrTags(new GhcrClient({ token: TOKEN, apiUrl: gh.url }), 'ghcr.io/acme/app', OURS, {
      dryRun: false,
    });
    expect(other.requests.filter((r) => r.authorization !== undefined)).toEqual([]);
    expect(new Set(results.map((r) => r.state))).toEqual(new Set(['failed']));
    expect(results[0]!.detail).toBe(
      `listing the versions of ghcr.io/acme/app: the next page is at ${other.url}, not at the API (${gh.url}): not sending the token there`,
    );
    expect(gh.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });
});

describe('runCleanup with a GHCR image (as the action runs it)', () => {
  function recorder() {
    const log: string[] = [];
    const outputs: Record<string, string> = {};
    const failed: string[] = [];
    const secrets: string[] = [];
    const summaries: string[] = [];
    const io: CleanupHost = {
      info: (m) => log.push(m),
      warn: (m) => log.push(`warning: ${m}`),
      setOutput: (n, v) => (outputs[n] = v),
      fail: (m) => failed.push(m),
      setSecret: (v) => secrets.push(v),
      summary: async (md) => void summaries.push(md),
    };
    return { io, log, outputs, failed, secrets, summaries };
  }

  async function cleanup(
    inputs: Record<string, string>,
    gh: FakeGitHub,
    payload: unknown = deletePayload,
    eventName = 'delete',
    env: Record<string, string> = {},
  ) {
    const { dir, eventPath } = workspace(payload);
    const rec = recorder();
    const read = new Set<string>();
    // keep-for: 0, as these tests are about deleting (keep-for's own: cleanup-keep.test.ts).
    const get = (name: string) => {
      read.add(name);
      return (
        (
          {
            image: 'ghcr.io/acme/app',
            cleanup: 'true',
            'github-token': TOKEN,
            context: dir,
            'keep-for': '0',
            ...inputs,
          } as Record<string, string>
        )[name] ?? ''
      );
    };
    await runCleanup(get, rec.io, {
      GITHUB_EVENT_NAME: eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_API_URL: gh.url,
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
      ...env,
    });
    return { ...rec, read };
  }

  test('a deleted branch: every stage of the Dockerfile (the unnamed last one as final), deleted-refs and the summary', async () => {
    const versions = [...acmeVersions(), version(26, ['cache.final.feature_x'])];
    const gh = await fakeGitHub({ 'orgs/acme/app': versions });
    const rec = await cleanup({}, gh);
    expect(rec.failed).toEqual([]);
    // `cleanup` itself is read by the front door's chooseMode, before runCleanup; `sweep`'s own inputs by sweep.ts.
    const cleanupInputs = CLEANUP_INPUTS.filter((i) => i.modes?.includes('cleanup') ?? true).map((i) => i.name);
    expect(cleanupInputs.filter((name) => name !== 'cleanup' && !rec.read.has(name))).toEqual([]);
    expect(rec.secrets).toEqual([TOKEN]);
    expect(rec.outputs['deleted-refs']!.split('\n')).toEqual([
      'ghcr.io/acme/app:cache.dependencies.feature_x',
      'ghcr.io/acme/app:cache.build.feature_x',
      'ghcr.io/acme/app:cache.final.feature_x',
    ]);
    expect(gh.requests.filter((r) => r.method === 'DELETE').map((r) => r.url.split('/').pop())).toEqual([
      '21',
      '22',
      '26',
    ]);
    expect(rec.log).toContain(
      'kept: ghcr.io/acme/app:cache.test.feature_x (version 23 (sha256:0000000000000000000000000000000000000000000000000000000000000023) is also tagged cache.test.main: deleting it would delete those too)',
    );
    expect(rec.summaries).toHaveLength(1);
    expect(rec.summaries[0]).toContain('### buildx-branch-cache cleanup: `feature/x`');
    expect(rec.summaries[0]).toContain('Registry: ghcr.io, through the GitHub Packages API');
    expect(rec.summaries[0]).toContain('**3 deleted, 4 not found, 1 kept, 0 failed.**');
  });

  test('a closed pull request from a protected branch (develop into main): nothing to do, not a failure', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': [version(32, ['cache.build.develop'])] });
    const payload = {
      action: 'closed',
      pull_request: {
        head: { ref: 'develop', repo: { full_name: 'acme/app' } },
        base: { ref: 'main', repo: { full_name: 'acme/app' } },
      },
      repository: { default_branch: 'main', full_name: 'acme/app' },
    };
    const rec = await cleanup({ 'protected-branches': 'develop' }, gh, payload, 'pull_request');
    expect(rec.failed).toEqual([]);
    expect(rec.outputs['deleted-refs']).toBe('');
    expect(rec.log.join('\n')).toContain('keeping the caches of develop: it matches "develop" in protected-branches');
    expect(gh.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    // Named by the branch input, the same branch is refused: that is a mistake worth failing for.
    const named = await cleanup({ 'protected-branches': 'develop', branch: 'develop' }, gh, payload, 'pull_request');
    expect(named.failed).toEqual([
      'cleanup: refusing to delete the caches of develop: it matches "develop" in protected-branches',
    ]);
  });

  test('a closed pull request, with cache-stages and a platform scope', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': [version(31, ['cache.build.linux_arm64.feature_login'])] });
    const payload = {
      action: 'closed',
      pull_request: {
        head: { ref: 'feature/login', repo: { full_name: 'acme/app' } },
        base: { ref: 'main', repo: { full_name: 'acme/app' } },
      },
      repository: { default_branch: 'main', full_name: 'acme/app' },
    };
    const rec = await cleanup({ 'cache-stages': 'build', platforms: 'linux/arm64' }, gh, payload, 'pull_request');
    expect(rec.failed).toEqual([]);
    expect(rec.outputs['deleted-refs']).toBe('ghcr.io/acme/app:cache.build.linux_arm64.feature_login');
  });

  test('dry-run: lists the refs that would go, deletes nothing', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() });
    const rec = await cleanup({ 'dry-run': 'true' }, gh);
    expect(rec.failed).toEqual([]);
    expect(rec.outputs['deleted-refs']!.split('\n')).toEqual([
      'ghcr.io/acme/app:cache.dependencies.feature_x',
      'ghcr.io/acme/app:cache.build.feature_x',
    ]);
    expect(rec.log).toContain(
      'would delete: ghcr.io/acme/app:cache.build.feature_x (version 22 (sha256:0000000000000000000000000000000000000000000000000000000000000022))',
    );
    expect(gh.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(rec.summaries[0]).toContain('(dry run)');
  });

  test('the default branch and protected branches are refused before anything is asked', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() });
    const main = await cleanup({}, gh, { ...deletePayload, ref: 'main' });
    expect(main.failed).toEqual(['cleanup: refusing to delete the caches of main: it is the default branch']);
    const rel = await cleanup({ 'protected-branches': 'develop, release/*' }, gh, {
      ...deletePayload,
      ref: 'release/2.0',
    });
    expect(rel.failed).toEqual([
      'cleanup: refusing to delete the caches of release/2.0: it matches "release/*" in protected-branches',
    ]);
    expect(gh.requests).toEqual([]);
  });

  test('no github-token for ghcr.io: one line that says what to set', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() });
    const rec = await cleanup({ 'github-token': '' }, gh);
    expect(rec.failed).toHaveLength(1);
    expect(rec.failed[0]).toMatch(/^github-token: is required to delete from ghcr\.io .*permissions: packages: write/);
  });

  test('a failed delete fails the step, after trying every tag', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() }, { deleteStatus: 403 });
    const rec = await cleanup({}, gh);
    expect(rec.failed).toHaveLength(1);
    expect(rec.failed[0]).toMatch(
      /^could not delete 2 of 8 cache tag\(s\) of ghcr\.io\/acme\/app: deleting version 21 .*HTTP 403/,
    );
    expect(rec.outputs['deleted-refs']).toBe('');
    expect(rec.summaries[0]).toContain('❌ failed');
  });

  test('a deleted tag or a fork: nothing to do, no Dockerfile needed', async () => {
    const gh = await fakeGitHub({});
    const rec = await cleanup({ context: '/nonexistent' }, gh, { ...deletePayload, ref: 'v1', ref_type: 'tag' });
    expect(rec.failed).toEqual([]);
    expect(rec.outputs['deleted-refs']).toBe('');
    expect(rec.log).toEqual([
      'buildx-branch-cache cleanup: delete of tag v1: only branches have caches, nothing to clean up',
    ]);
    expect(gh.requests).toEqual([]);
  });

  test('item 4: request-timeout: a positive number of seconds, else one line that says so', async () => {
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() });
    for (const bad of ['abc', '0', '-5', 'Infinity', '30s', '1e9']) {
      const rec = await cleanup({ 'request-timeout': bad }, gh);
      expect([bad, rec.failed]).toEqual([
        bad,
        [`request-timeout: "${bad}" is not a number of seconds (more than 0, at most 3600): e.g. 30`],
      ]);
    }
    expect(gh.requests).toEqual([]);
    expect((await cleanup({ 'request-timeout': '2.5' }, gh)).failed).toEqual([]);
  });

  test('item 4: a registry that never answers ends the step after request-timeout, saying where and why', async () => {
    const gh = await fakeGitHub({}, { silent: true });
    const host = new URL(gh.url).host;
    const start = Date.now();
    const rec = await cleanup(
      { image: `${host}/acme/app`, 'cache-stages': 'build', 'request-timeout': '0.5' },
      gh,
      deletePayload,
      'delete',
      {
        DOCKER_CONFIG: tempDir('bbc-docker-'),
      },
    );
    expect(Date.now() - start).toBeLessThan(4000);
    expect(rec.failed).toHaveLength(1);
    expect(rec.failed[0]).toMatch(
      new RegExp(
        `^could not delete (\\d+) of \\1 cache tag\\(s\\) of ${host}/acme/app: HEAD ${host}/acme/app:[^ ]+: no answer from ${host} within 0\\.5 s \\(request-timeout\\)$`,
      ),
    );
  });

  test('item 4: GHCR too: the GitHub API that never answers ends the step after request-timeout', async () => {
    const gh = await fakeGitHub({}, { silent: true });
    const start = Date.now();
    const rec = await cleanup({ 'request-timeout': '0.5' }, gh);
    expect(Date.now() - start).toBeLessThan(4000);
    expect(rec.failed[0]).toMatch(
      new RegExp(
        `: listing the versions of ghcr\\.io/acme/app: no answer from ${new URL(gh.url).host} within 0\\.5 s \\(request-timeout\\)$`,
      ),
    );
  });

  test('item 15: GHCR.IO/acme/app is GHCR: the GitHub Packages API, never the registry API', async () => {
    // Nothing may leave this machine, whatever the code under test asks for.
    const real = globalThis.fetch;
    const asked: string[] = [];
    globalThis.fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      asked.push(url.host);
      if (url.hostname !== '127.0.0.1') throw new TypeError(`test: no request to ${url.host}`);
      return real(input, init);
    };
    try {
      const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() });
      const rec = await cleanup({ image: 'GHCR.IO/acme/app' }, gh);
      expect(rec.failed).toEqual([]);
      expect(asked.filter((h) => h !== new URL(gh.url).host)).toEqual([]);
      expect(gh.requests.filter((r) => r.method === 'DELETE').map((r) => r.url.split('/').pop())).toEqual(['21', '22']);
      expect(rec.summaries[0]).toContain('Registry: ghcr.io, through the GitHub Packages API');
      expect((await cleanup({ image: 'GHCR.IO/acme/app', 'github-token': '' }, gh)).failed[0]).toMatch(
        /^github-token: is required to delete from ghcr\.io/,
      );
    } finally {
      globalThis.fetch = real;
    }
  });

  test('input errors: a non-boolean, a non-registry cache type, no image, no Dockerfile', async () => {
    const gh = await fakeGitHub({});
    // The front door chooses the mode first: a switch that is not a boolean is an error, not a build.
    expect(() => chooseMode((name) => (name === 'cleanup' ? 'yes' : ''))).toThrow(
      'cleanup: "yes" is not a boolean: use true or false',
    );
    expect((await cleanup({ 'cache-type': 'gha' }, gh)).failed[0]).toMatch(
      /^cache-type: cleanup deletes registry cache tags/,
    );
    expect((await cleanup({ image: '' }, gh)).failed[0]).toMatch(/^image: is required for cleanup/);
    expect((await cleanup({ context: '/nonexistent' }, gh)).failed[0]).toMatch(
      /^file: \/nonexistent\/Dockerfile does not exist: .*check out the repository first or list them in cache-stages$/,
    );
  });
});
