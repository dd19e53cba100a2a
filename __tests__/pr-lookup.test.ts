// shell/pr-lookup.ts against a real HTTP server on 127.0.0.1 as the API
// (__tests__/fake-pulls-api.ts, bodies as GitHub's reference shows them): what
// it finds, and that every failure is one line and the usual fallbacks.
import { afterEach, describe, expect, test } from '@jest/globals';
import type { EventContext } from '../src/core/github-event.js';
import { lookUpLeads, withLeads } from '../src/shell/pr-lookup.js';
import { fakePullsApi, PULLS_TOKEN, type FakePullsApi, type PullSpec } from './fake-pulls-api.js';

const REPO = 'acme/app';
const MERGE = '1'.repeat(40);
const T1 = '2026-03-01T10:00:00Z';
const T2 = '2026-03-01T11:00:00Z';
const QUEUE = `gh-readonly-queue/main/pr-12-${'9'.repeat(40)}`;
const apis: FakePullsApi[] = [];

afterEach(async () => {
  await Promise.all(apis.splice(0).map((a) => a.close()));
});

async function api(commits: Record<string, PullSpec[]>, pulls: PullSpec[] = [], opts = {}): Promise<FakePullsApi> {
  const a = await fakePullsApi(commits, pulls, opts);
  apis.push(a);
  return a;
}

function push(branch: string, after: string, commits: string[] = [after]): EventContext {
  return {
    eventName: 'push',
    ref: `refs/heads/${branch}`,
    payload: {
      ref: `refs/heads/${branch}`,
      before: '0'.repeat(40),
      after,
      commits: commits.map((id) => ({ id, message: 'x' })),
      head_commit: { id: after },
      repository: { full_name: REPO, default_branch: 'main' },
    },
  };
}

function lookUp(ctx: EventContext, a: FakePullsApi | undefined, token = PULLS_TOKEN, timeoutMs?: number) {
  return lookUpLeads(ctx, { token, env: { GITHUB_API_URL: a?.url ?? 'http://127.0.0.1:9' }, timeoutMs });
}

describe('after a merge: GET /repos/{owner}/{repo}/commits/{sha}/pulls', () => {
  test('a merge commit: its pull request’s head, asked with the token at GITHUB_API_URL', async () => {
    const a = await api({ [`${REPO}@${MERGE}`]: [{ number: 12, head: 'feature/x', base: 'main', mergedAt: T1 }] });
    const r = await lookUp(push('main', MERGE), a);
    expect(r).toEqual({
      leads: { merged: [{ number: 12, head: 'feature/x' }] },
      lines: ['pull requests merged by this push (111111111111 into main): #12 from feature/x'],
    });
    expect(a.requests).toEqual([
      {
        method: 'GET',
        url: `/repos/${REPO}/commits/${MERGE}/pulls?per_page=100`,
        authorization: `Bearer ${PULLS_TOKEN}`,
      },
    ]);
  });

  test('a squash merge: the one new commit names the pull request', async () => {
    const squash = '2'.repeat(40);
    const a = await api({ [`${REPO}@${squash}`]: [{ number: 3, head: 'fix/y', base: 'main', mergedAt: T1 }] });
    expect((await lookUp(push('main', squash), a)).leads).toEqual({ merged: [{ number: 3, head: 'fix/y' }] });
  });

  test('a rebase merge: several commits pushed, the pull request found by the last one (the push’s head)', async () => {
    const [c1, c2, c3] = ['3'.repeat(40), '4'.repeat(40), '5'.repeat(40)];
    const a = await api({ [`${REPO}@${c3}`]: [{ number: 8, head: 'feature/r', base: 'main', mergedAt: T1 }] });
    expect((await lookUp(push('main', c3, [c1, c2, c3]), a)).leads).toEqual({
      merged: [{ number: 8, head: 'feature/r' }],
    });
    expect(a.requests.map((q) => q.url)).toEqual([`/repos/${REPO}/commits/${c3}/pulls?per_page=100`]);
  });

  test('several pull requests in one push: all of them, the latest merge first', async () => {
    const a = await api({
      [`${REPO}@${MERGE}`]: [
        { number: 4, head: 'feature/a', base: 'main', mergedAt: T1 },
        { number: 5, head: 'feature/b', base: 'main', mergedAt: T2 },
      ],
    });
    expect((await lookUp(push('main', MERGE), a)).leads.merged).toEqual([
      { number: 5, head: 'feature/b' },
      { number: 4, head: 'feature/a' },
    ]);
  });

  test('a fork’s pull request merged, and one merged into another branch: none, each said', async () => {
    const a = await api({
      [`${REPO}@${MERGE}`]: [
        { number: 7, head: 'feature/x', base: 'main', mergedAt: T1, headRepo: 'mallory/app' },
        { number: 9, head: 'feature/z', base: 'develop', mergedAt: T1 },
      ],
    });
    expect(await lookUp(push('main', MERGE), a)).toEqual({
      leads: { merged: [] },
      lines: [
        'pull requests merged by this push (111111111111 into main): none of this repository',
        '  #7: from the fork mallory/app, whose branches have no cache here, left out',
        '  #9: merged into develop, not main, left out',
      ],
    });
  });
});

describe('no answer: the usual fallbacks, and one line on why', () => {
  const usual = 'the build imports the usual fallbacks';

  test('no token: nothing is asked', async () => {
    const a = await api({});
    expect(await lookUp(push('main', MERGE), a, '')).toEqual({
      leads: {},
      lines: [`pull requests merged by this push: not looked up: no github-token; ${usual}`],
    });
    expect(a.requests).toEqual([]);
  });

  test('pull-request-fallbacks false: nothing is asked, with a token and an API that would answer', async () => {
    const a = await api({ [`${REPO}@${MERGE}`]: [{ number: 12, head: 'feature/x', base: 'main', mergedAt: T1 }] });
    const env = { GITHUB_API_URL: a.url };
    expect(await lookUpLeads(push('main', MERGE), { token: PULLS_TOKEN, env, off: true })).toEqual({
      leads: {},
      lines: [`pull requests merged by this push: not looked up: pull-request-fallbacks is false; ${usual}`],
    });
    const queued = { eventName: 'push', ref: `refs/heads/${QUEUE}`, payload: { repository: { full_name: REPO } } };
    expect((await lookUpLeads(queued, { token: PULLS_TOKEN, env, off: true })).lines).toEqual([
      `queued pull request #12: not looked up: pull-request-fallbacks is false; ${usual}`,
    ]);
    expect(a.requests).toEqual([]);
  });

  test.each([
    [403, 'HTTP 403 Resource not accessible by integration (github-token needs contents: read'],
    [404, 'HTTP 404 Not Found (github-token needs contents: read, and pull-requests: read in a private repository)'],
  ])('HTTP %i', async (status, said) => {
    const r = await lookUp(push('main', MERGE), await api({}, [], { status }));
    expect(r.leads).toEqual({});
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain(`pull requests merged by this push: not looked up: GET /repos/${REPO}/commits/`);
    expect(r.lines[0]).toContain(said);
    expect(r.lines[0]).toMatch(new RegExp(`; ${usual}$`));
  });

  test('the rate limit: said as the limit, not as a permission', async () => {
    const r = await lookUp(push('main', MERGE), await api({}, [], { rateLimited: true }));
    expect(r.leads).toEqual({});
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(
      /HTTP 403 API rate limit exceeded for installation ID 1\.: rate limited: the limit resets at /,
    );
    expect(r.lines[0]).not.toContain('pull-requests: read');
  });

  test('a silent API: given up after the limit, never thrown', async () => {
    const start = Date.now();
    const r = await lookUp(push('main', MERGE), await api({}, [], { silent: true }), PULLS_TOKEN, 300);
    expect(Date.now() - start).toBeLessThan(5000);
    expect(r.leads).toEqual({});
    expect(r.lines).toEqual([
      expect.stringMatching(/not looked up: .*no answer.*; the build imports the usual fallbacks$/),
    ]);
  });

  test('no API at all (a refused connection), and a GITHUB_API_URL that is no URL', async () => {
    expect((await lookUp(push('main', MERGE), undefined)).lines).toEqual([expect.stringContaining('not looked up: ')]);
    const bad = await lookUpLeads(push('main', MERGE), { token: PULLS_TOKEN, env: { GITHUB_API_URL: 'ftp://x' } });
    expect(bad).toEqual({ leads: {}, lines: [expect.stringContaining('is not an http(s) URL')] });
  });
});

describe('merge queues: GET /repos/{owner}/{repo}/pulls/{N}', () => {
  const pr12: PullSpec = { number: 12, head: 'feature/x', base: 'main' };
  const mergeGroup: EventContext = {
    eventName: 'merge_group',
    ref: `refs/heads/${QUEUE}`,
    payload: {
      merge_group: { head_ref: `refs/heads/${QUEUE}`, base_ref: 'refs/heads/main', head_sha: '9'.repeat(40) },
      repository: { full_name: REPO, default_branch: 'main' },
    },
  };

  test('merge_group: the queued pull request’s head branch', async () => {
    const a = await api({}, [pr12]);
    expect(await lookUp(mergeGroup, a)).toEqual({
      leads: { queued: { number: 12, head: 'feature/x' } },
      lines: ['queued pull request #12 (into main): from feature/x'],
    });
    expect(a.requests.map((q) => q.url)).toEqual([`/repos/${REPO}/pulls/12`]);
  });

  test('a push to the queue branch asks the same; a fork’s head is left out', async () => {
    const a = await api({}, [{ ...pr12, headRepo: 'mallory/app' }]);
    expect(await lookUp(push(QUEUE, '9'.repeat(40)), a)).toEqual({
      leads: {},
      lines: [
        'queued pull request #12 (into main): no head branch of this repository',
        '  #12: from the fork mallory/app, whose branches have no cache here, left out',
      ],
    });
  });

  test('404 for the pull request: one line', async () => {
    const r = await lookUp(mergeGroup, await api({}, []));
    expect(r).toEqual({ leads: {}, lines: [expect.stringMatching(/^queued pull request #12: not looked up: GET/)] });
  });
});

describe('withLeads: when a build asks at all', () => {
  const merged = { [`${REPO}@${MERGE}`]: [{ number: 12, head: 'feature/x', base: 'main', mergedAt: T1 }] };
  test('an event: the leads join the source; fallback-branches given or another CI: nothing is asked', async () => {
    const a = await api(merged);
    // lookUpLeads reads the runner's variables from process.env when not given them.
    const saved = { ...process.env };
    Object.assign(process.env, { GITHUB_API_URL: a.url, GITHUB_SHA: MERGE, GITHUB_REPOSITORY: REPO });
    try {
      const event = push('main', MERGE);
      const config = { fallbackBranches: undefined, githubToken: PULLS_TOKEN, pullRequestFallbacks: true };
      const asked = await withLeads({ event }, config);
      expect(asked.source).toEqual({ event, leads: { merged: [{ number: 12, head: 'feature/x' }] } });
      expect(asked.lines).toHaveLength(1);
      expect(await withLeads({ event }, { ...config, fallbackBranches: ['develop'] })).toEqual({
        source: { event },
        lines: [],
      });
      const facts = {
        facts: { branch: 'main', fallbacks: [], exportAllowed: true, defaultBranch: 'main', reasons: [] },
        where: 'x',
      };
      expect(await withLeads(facts, config)).toEqual({ source: facts, lines: [] });
      expect(a.requests).toHaveLength(1);
    } finally {
      for (const k of ['GITHUB_API_URL', 'GITHUB_SHA', 'GITHUB_REPOSITORY']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});
