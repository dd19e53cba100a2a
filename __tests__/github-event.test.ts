// What a GitHub Actions event says (src/core/github-event.ts), as the whole
// facts before any decision: the branch, the fallbacks in order, whether the
// event may write, the reason lines, the fork and the warnings.
import { describe, expect, test } from '@jest/globals';
import {
  defaultBranchOf,
  githubFacts,
  mergeQueueBase,
  pullRequestHead,
  resolveRefs,
  type EventContext,
} from '../src/core/github-event.js';
import { thrown } from './helpers.js';

const REPOSITORY = { full_name: 'acme/app', default_branch: 'main' };
const SHA = '0123456789abcdef0123456789abcdef01234567';

function on(eventName: string, ref: string, payload: Record<string, unknown> = { repository: REPOSITORY }) {
  return { eventName, ref, payload };
}

function pullRequest(eventName: string, head: string, headRepo: string | null, base = 'develop'): EventContext {
  return on(eventName, 'refs/pull/7/merge', {
    repository: REPOSITORY,
    pull_request: {
      head: { ref: head, repo: headRepo === null ? null : { full_name: headRepo } },
      base: { ref: base, repo: { full_name: 'acme/app' } },
    },
  });
}

describe('defaultBranchOf', () => {
  test("the payload's repository.default_branch, trimmed", () => {
    expect(defaultBranchOf(on('push', 'refs/heads/x', { repository: { default_branch: ' trunk ' } }))).toBe('trunk');
  });

  test("without it: GITHUB_REF's branch for schedule and delete, which run on the default branch; else unknown", () => {
    expect(
      ['schedule', 'delete', 'push', 'workflow_dispatch'].map((e) => defaultBranchOf(on(e, 'refs/heads/trunk', {}))),
    ).toEqual(['trunk', 'trunk', undefined, undefined]);
    expect(defaultBranchOf(on('schedule', 'refs/tags/v1', {}))).toBeUndefined();
  });
});

describe('pullRequestHead', () => {
  test('head and base from the payload; the same repository is no fork', () => {
    expect(pullRequestHead(pullRequest('pull_request', 'feature/x', 'acme/app'))).toEqual({
      head: 'feature/x',
      base: 'develop',
      fork: undefined,
    });
  });

  test('another repository is a fork; a deleted one (no head repo) is a fork too', () => {
    expect(pullRequestHead(pullRequest('pull_request', 'x', 'mallory/app')).fork).toBe('mallory/app');
    expect(pullRequestHead(pullRequest('pull_request', 'x', null)).fork).toBe('(deleted repository)');
  });

  test('the base repository may come from payload.repository; with neither, a head repository counts as a fork', () => {
    const payload = (repository: unknown) => ({
      repository,
      pull_request: { head: { ref: 'x', repo: { full_name: 'acme/app' } }, base: { ref: 'main' } },
    });
    expect(pullRequestHead(on('pull_request', '', payload({ full_name: 'acme/app' }))).fork).toBeUndefined();
    expect(pullRequestHead(on('pull_request', '', payload({ full_name: 'other/app' }))).fork).toBe('acme/app');
    expect(pullRequestHead(on('pull_request', '', payload(undefined))).fork).toBe('acme/app');
  });

  test("the pull request's base repository wins over payload.repository", () => {
    const ctx = on('pull_request', '', {
      repository: { full_name: 'other/app' },
      pull_request: {
        head: { ref: 'x', repo: { full_name: 'acme/app' } },
        base: { ref: 'main', repo: { full_name: 'acme/app' } },
      },
    });
    expect(pullRequestHead(ctx).fork).toBeUndefined();
  });

  test('head and base fall back to GITHUB_HEAD_REF and GITHUB_BASE_REF', () => {
    const ctx = { eventName: 'pull_request', ref: '', headRef: ' feature/y ', baseRef: 'release', payload: {} };
    expect(pullRequestHead(ctx)).toEqual({ head: 'feature/y', base: 'release', fork: '(deleted repository)' });
  });
});

describe('mergeQueueBase', () => {
  test("a merge queue's branch names its base; any other branch none", () => {
    expect(mergeQueueBase(`gh-readonly-queue/release/1.x/pr-12-${SHA}`)).toBe('release/1.x');
    expect([mergeQueueBase('feature/x'), mergeQueueBase(undefined)]).toEqual([undefined, undefined]);
  });
});

describe('githubFacts: pull requests', () => {
  test('from this repository: writes the head, then the base and the default branch', () => {
    expect(githubFacts(pullRequest('pull_request', 'feature/x', 'acme/app'))).toEqual({
      branch: 'feature/x',
      fallbacks: ['develop', 'main'],
      exportAllowed: true,
      defaultBranch: 'main',
      reasons: ['pull_request feature/x -> develop'],
      fork: undefined,
      warnings: undefined,
      forcedExportWarning: undefined,
    });
  });

  test('a head or base nobody names is a ? in the reason', () => {
    const ctx = on('pull_request', 'refs/pull/7/merge', {
      repository: REPOSITORY,
      pull_request: { head: { repo: { full_name: 'acme/app' } }, base: { repo: { full_name: 'acme/app' } } },
    });
    expect(githubFacts(ctx).reasons).toEqual(['pull_request ? -> ?']);
  });

  test('from the default branch: imports only, since only its own builds write its cache', () => {
    expect(githubFacts(pullRequest('pull_request', 'main', 'acme/app', 'release/1'))).toMatchObject({
      branch: 'main',
      exportAllowed: false,
      reasons: [
        'pull_request main -> release/1: the head is the default branch, whose cache only its own builds write, ' +
          'so imports only',
      ],
    });
    const noBase = pullRequest('pull_request', 'main', 'acme/app');
    delete (noBase.payload.pull_request as { base: { ref?: string } }).base.ref;
    expect(githubFacts(noBase).reasons[0]).toMatch(/^pull_request main -> \?: the head is the default branch/);
  });

  test("a fork's branch named like the default branch is still a fork", () => {
    expect(githubFacts(pullRequest('pull_request', 'main', 'mallory/app'))).toEqual({
      branch: 'main',
      fallbacks: ['develop', 'main'],
      exportAllowed: false,
      defaultBranch: 'main',
      reasons: ['pull_request from fork mallory/app: imports only, a fork never writes the cache'],
      fork: 'mallory/app',
      warnings: undefined,
      forcedExportWarning: undefined,
    });
  });

  test("pull_request_target from a fork warns that the job holds the base repository's secrets", () => {
    const facts = githubFacts(pullRequest('pull_request_target', 'feature/x', 'mallory/app'));
    expect([facts.exportAllowed, facts.reasons, facts.warnings]).toEqual([
      false,
      ['pull_request_target from fork mallory/app: imports only, a fork never writes the cache'],
      [
        "pull_request_target from the fork mallory/app: this job has the base repository's secrets and a write " +
          "token, so building the fork's code here can leak them; build forks on pull_request",
      ],
    ]);
    expect(githubFacts(pullRequest('pull_request_target', 'feature/x', 'acme/app')).warnings).toBeUndefined();
  });
});

describe('githubFacts: workflow_run', () => {
  const run = (headRepo: string | undefined, head: string | null = 'feature/x') =>
    on('workflow_run', 'refs/heads/main', {
      repository: REPOSITORY,
      workflow_run: {
        head_branch: head,
        head_repository: headRepo === undefined ? undefined : { full_name: headRepo },
      },
    });

  test("the run's head branch, imports only unless asked", () => {
    expect(githubFacts(run('acme/app'))).toEqual({
      branch: 'feature/x',
      fallbacks: ['main'],
      exportAllowed: false,
      defaultBranch: 'main',
      reasons: ['workflow_run for feature/x: imports only unless export-cache is true'],
      fork: undefined,
      warnings: undefined,
      forcedExportWarning: undefined,
    });
  });

  test('from a fork, or an unknown repository: said, and never written', () => {
    expect(githubFacts(run('mallory/app')).reasons).toEqual([
      'workflow_run for feature/x from fork mallory/app: imports only unless export-cache is true (never for a fork)',
    ]);
    expect(githubFacts(run(undefined, null))).toMatchObject({
      branch: undefined,
      fork: '(unknown repository)',
      reasons: [
        'workflow_run for ? from fork (unknown repository): imports only unless export-cache is true (never for a fork)',
      ],
    });
  });
});

describe('githubFacts: merge queues', () => {
  test('merge_group: no branch, the base (bare or as a ref) then the default branch', () => {
    const group = (base: unknown) => on('merge_group', '', { repository: REPOSITORY, merge_group: { base_ref: base } });
    expect(githubFacts(group('refs/heads/release/1'))).toEqual({
      branch: undefined,
      fallbacks: ['release/1', 'main'],
      exportAllowed: false,
      defaultBranch: 'main',
      reasons: ['merge_group into release/1: the queue branch is temporary, so no cache is written'],
      fork: undefined,
      warnings: undefined,
      forcedExportWarning: undefined,
    });
    expect(githubFacts(group(undefined)).reasons).toEqual([
      'merge_group into ?: the queue branch is temporary, so no cache is written',
    ]);
  });

  test("a push to the queue's branch: no branch, the queue's base then the default branch", () => {
    const ref = `refs/heads/gh-readonly-queue/develop/pr-12-${SHA}`;
    expect(githubFacts(on('push', ref))).toMatchObject({
      branch: undefined,
      fallbacks: ['develop', 'main'],
      exportAllowed: false,
      reasons: [
        `push on the merge queue branch gh-readonly-queue/develop/pr-12-${SHA}: temporary, so no cache is written`,
      ],
    });
  });
});

describe('githubFacts: events on a ref', () => {
  test.each(['push', 'workflow_dispatch', 'schedule'])("%s builds the branch's own code: it writes", (eventName) => {
    expect(githubFacts(on(eventName, 'refs/heads/feature/x'))).toEqual({
      branch: 'feature/x',
      fallbacks: ['main'],
      exportAllowed: true,
      defaultBranch: 'main',
      reasons: [`${eventName} on branch feature/x`],
      fork: undefined,
      warnings: undefined,
      forcedExportWarning: undefined,
    });
  });

  test('a push that deleted its branch: nothing to build, nothing written', () => {
    const ctx = on('push', 'refs/heads/gone', { repository: REPOSITORY, deleted: true });
    expect(githubFacts(ctx)).toMatchObject({
      branch: 'gone',
      fallbacks: ['main'],
      exportAllowed: false,
      reasons: ['push that deleted branch gone: nothing to build, so no cache is written'],
    });
    // Only a push deletes a branch; `deleted` on a tag, on another event, or not exactly true, changes nothing.
    expect(githubFacts(on('push', 'refs/tags/v1', { repository: REPOSITORY, deleted: true })).reasons).toEqual([
      'push on refs/tags/v1: not a branch, so imports only',
    ]);
    const other = on('workflow_dispatch', 'refs/heads/gone', { repository: REPOSITORY, deleted: true });
    expect(githubFacts(other).exportAllowed).toBe(true);
    expect(githubFacts(on('push', 'refs/heads/x', { repository: REPOSITORY, deleted: 'true' })).exportAllowed).toBe(
      true,
    );
  });

  test('another event on a branch imports only, and warns when export-cache forces a write', () => {
    expect(githubFacts(on('issue_comment', 'refs/heads/feature/x'))).toEqual({
      branch: 'feature/x',
      fallbacks: ['main'],
      exportAllowed: false,
      defaultBranch: 'main',
      reasons: [
        'issue_comment on branch feature/x: imports only (only push, workflow_dispatch and schedule write the ' +
          'cache unless export-cache is true)',
      ],
      fork: undefined,
      warnings: undefined,
      forcedExportWarning:
        "export-cache is true on issue_comment, so this build writes feature/x's cache, which every build of " +
        "feature/x imports: make sure the code checked out is feature/x's",
    });
    expect(githubFacts(on('repository_dispatch', 'refs/heads/main')).forcedExportWarning).toBe(
      "export-cache is true on repository_dispatch, so this build writes main's cache, which every build of main " +
        "and every other branch imports: make sure the code checked out is main's",
    );
  });

  test('a tag, or no ref at all: no branch, imports only', () => {
    expect(githubFacts(on('push', 'refs/tags/v1'))).toMatchObject({
      branch: undefined,
      fallbacks: ['main'],
      exportAllowed: false,
      reasons: ['push on refs/tags/v1: not a branch, so imports only'],
    });
    expect(githubFacts(on('push', '')).reasons).toEqual(['push on no ref: not a branch, so imports only']);
  });

  test('without a default branch in the payload: main, and the first reason says so', () => {
    expect(githubFacts(on('push', 'refs/heads/x', {})).reasons).toEqual([
      'the event payload has no repository.default_branch: assuming "main"',
      'push on branch x',
    ]);
  });
});

describe("githubFacts: the pull requests' leads come first", () => {
  test('the queued head, then the merged heads in order, before the event fallbacks; each with a reason', () => {
    const leads = {
      queued: { number: 9, head: 'feature/q' },
      merged: [
        { number: 4, head: 'feature/a' },
        { number: 3, head: 'feature/b' },
      ],
    };
    const facts = githubFacts(on('push', 'refs/heads/develop'), leads);
    expect([facts.fallbacks, facts.reasons]).toEqual([
      ['feature/q', 'feature/a', 'feature/b', 'main'],
      [
        'push on branch develop',
        "queued #9 from feature/q: its cache comes before the base branch's",
        'merged in #4 from feature/a: its cache holds the merged code, so it comes first',
        'merged in #3 from feature/b: its cache holds the merged code, so it comes first',
      ],
    ]);
  });

  test('merged only, queued only, or none', () => {
    const push = on('push', 'refs/heads/main');
    expect(githubFacts(push, { merged: [{ number: 1, head: 'a' }] }).fallbacks).toEqual(['a', 'main']);
    expect(githubFacts(push, { queued: { number: 2, head: 'q' } }).fallbacks).toEqual(['q', 'main']);
    expect(githubFacts(push, {}).fallbacks).toEqual(['main']);
  });
});

describe('resolveRefs', () => {
  test("names the event and its ref in an error, or 'no ref'", () => {
    expect(thrown(() => resolveRefs(on('push', 'refs/tags/v1'), { exportCache: 'true' })).message).toMatch(
      /^export-cache: is true, but push on refs\/tags\/v1 has no branch to write to/,
    );
    expect(thrown(() => resolveRefs(on('push', ''), { exportCache: 'true' })).message).toMatch(
      /^export-cache: is true, but push on no ref has no branch to write to/,
    );
  });

  test('the leads reach the decision', () => {
    const d = resolveRefs(on('push', 'refs/heads/main'), {}, { merged: [{ number: 1, head: 'feature/a' }] });
    expect(d.fallbacks).toEqual(['feature/a']);
  });
});
