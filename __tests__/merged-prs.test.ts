// The pure half of "cache that follows the code": which pull requests of an API
// answer lend their head branch's cache (core/merged-prs.ts), the merge queue's
// ref (core/queue-ref.ts, against hostile refs), and where their branches go
// among the fallbacks, with why (core/ref.ts, core/decide.ts).
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { decide } from '../src/core/decide.js';
import { parseConfig } from '../src/core/inputs.js';
import { lookupFor, mergedPulls, queuedPull } from '../src/core/merged-prs.js';
import { parseQueueRef, validBranch } from '../src/core/queue-ref.js';
import { selectImports } from '../src/core/probe.js';
import { mergeQueueBase, resolveRefs, type EventContext } from '../src/core/github-event.js';
import { PIPELINE } from '../e2e/fixtures.mjs';
import { pullBody } from './fake-pulls-api.js';
import { gitAllows, HOSTILE_CHARS } from './helpers.js';

const REPO = 'acme/app';
const SHA = 'a'.repeat(40);
const T1 = '2026-03-01T10:00:00Z';
const T2 = '2026-03-01T11:00:00Z';

function push(branch: string, payload: Record<string, unknown> = {}): EventContext {
  return {
    eventName: 'push',
    ref: `refs/heads/${branch}`,
    payload: { after: SHA, repository: { full_name: REPO, default_branch: 'main' }, ...payload },
  };
}

function mergeGroup(headRef: string, base = 'refs/heads/main'): EventContext {
  return {
    eventName: 'merge_group',
    ref: headRef,
    payload: {
      action: 'checks_requested',
      merge_group: { head_sha: SHA, head_ref: headRef, base_sha: 'b'.repeat(40), base_ref: base },
      repository: { full_name: REPO, default_branch: 'main' },
    },
  };
}

describe('mergedPulls: which pull requests of the commit’s list count', () => {
  test('a merge commit: the pull request merged into the branch', () => {
    const answer = [pullBody({ number: 12, head: 'feature/x', base: 'main', mergedAt: T1 })];
    expect(mergedPulls(answer, 'main', REPO)).toEqual({ found: [{ number: 12, head: 'feature/x' }], lines: [] });
  });

  test('a squash merge and a rebase merge read alike: the API names the pull request for the pushed commit', () => {
    // Squash: one new commit; rebase: several, and the push's head (the last) is listed with the pull request.
    const squash = [pullBody({ number: 3, head: 'fix/y', base: 'main', mergedAt: T1 })];
    expect(mergedPulls(squash, 'main', REPO).found).toEqual([{ number: 3, head: 'fix/y' }]);
  });

  test('several pull requests in one push: every one, the latest merge first, each head once', () => {
    const answer = [
      pullBody({ number: 4, head: 'feature/a', base: 'main', mergedAt: T1 }),
      pullBody({ number: 5, head: 'feature/b', base: 'main', mergedAt: T2 }),
      pullBody({ number: 6, head: 'feature/a', base: 'main', mergedAt: T1 }),
    ];
    expect(mergedPulls(answer, 'main', REPO).found).toEqual([
      { number: 5, head: 'feature/b' },
      { number: 4, head: 'feature/a' },
    ]);
  });

  test('left out, each with one line: a fork’s, a deleted fork’s, one merged elsewhere, an open one', () => {
    const answer = [
      pullBody({ number: 7, head: 'feature/x', base: 'main', mergedAt: T1, headRepo: 'mallory/app' }),
      pullBody({ number: 8, head: 'patch-1', base: 'main', mergedAt: T1, headRepo: null }),
      pullBody({ number: 9, head: 'feature/z', base: 'develop', mergedAt: T1 }),
      pullBody({ number: 10, head: 'feature/open', base: 'main' }),
      pullBody({ number: 11, head: 'feature/closed', base: 'main', closed: true }),
    ];
    expect(mergedPulls(answer, 'main', REPO)).toEqual({
      found: [],
      lines: [
        '#7: from the fork mallory/app, whose branches have no cache here, left out',
        '#8: from the fork (deleted repository), whose branches have no cache here, left out',
        '#9: merged into develop, not main, left out',
        '#10: not merged, left out',
        '#11: not merged, left out',
      ],
    });
  });

  test('the repository name compares case-insensitively, as GitHub’s do; odd answers find nothing', () => {
    const answer = [pullBody({ number: 1, head: 'f', base: 'main', mergedAt: T1, headRepo: 'Acme/App' })];
    expect(mergedPulls(answer, 'main', REPO).found).toEqual([{ number: 1, head: 'f' }]);
    expect(mergedPulls({ message: 'x' }, 'main', REPO)).toEqual({
      found: [],
      lines: ['the answer is not a list of pull requests'],
    });
    expect(mergedPulls([null, 1, 'x', { number: 'one' }], 'main', REPO).found).toEqual([]);
  });

  test('a head branch that is no branch name (a line break, a runner command) is left out', () => {
    for (const head of ['a\n::error::x', '::stop-commands::t', '', 'a b'])
      expect(mergedPulls([pullBody({ number: 2, head, base: 'main', mergedAt: T1 })], 'main', REPO).found).toEqual([]);
  });
});

describe('queuedPull', () => {
  test('the queued pull request’s head branch; a fork’s is left out; another number is refused', () => {
    expect(queuedPull(pullBody({ number: 12, head: 'feature/x', base: 'main' }), 12, REPO)).toEqual({
      found: { number: 12, head: 'feature/x' },
      lines: [],
    });
    expect(queuedPull(pullBody({ number: 12, head: 'x', base: 'main', headRepo: 'm/app' }), 12, REPO).found).toBe(
      undefined,
    );
    expect(queuedPull(pullBody({ number: 13, head: 'x', base: 'main' }), 12, REPO).lines).toEqual([
      'the answer is not pull request #12',
    ]);
  });
});

describe('parseQueueRef: one parser for merge_group and a push to the queue branch', () => {
  test('the parts, bare or as refs/heads/...; SHA-256 commits too', () => {
    expect(parseQueueRef(`refs/heads/gh-readonly-queue/main/pr-12-${SHA}`)).toEqual({
      base: 'main',
      number: 12,
      sha: SHA,
    });
    expect(parseQueueRef(`gh-readonly-queue/release/1.x/pr-7-${'c'.repeat(64)}`)).toEqual({
      base: 'release/1.x',
      number: 7,
      sha: 'c'.repeat(64),
    });
    expect(mergeQueueBase(`gh-readonly-queue/main/pr-12-${SHA}`)).toBe('main');
  });

  test.each([
    ['no queue', 'feature/x'],
    ['no base', `gh-readonly-queue/pr-12-${SHA}`],
    ['empty base', `gh-readonly-queue//pr-12-${SHA}`],
    ['pr 0', `gh-readonly-queue/main/pr-0-${SHA}`],
    ['leading zero', `gh-readonly-queue/main/pr-012-${SHA}`],
    ['short sha', `gh-readonly-queue/main/pr-12-${SHA.slice(1)}`],
    ['upper-case sha', `gh-readonly-queue/main/pr-12-${SHA.toUpperCase()}`],
    ['a line break in the base', `gh-readonly-queue/ma\nin/pr-12-${SHA}`],
    ['a line break after', `gh-readonly-queue/main/pr-12-${SHA}\n`],
    ['.. in the base', `gh-readonly-queue/a/../b/pr-12-${SHA}`],
    ['a runner command', `gh-readonly-queue/::error::x/pr-12-${SHA}`],
    ['a huge number', `gh-readonly-queue/main/pr-99999999999999999-${SHA}`],
  ])('%s: not a queue ref', (_why, ref) => {
    expect(parseQueueRef(ref)).toBeUndefined();
  });

  const char = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...'abz09/-._'.split('')) },
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_CHARS, '\n', '\r', '\u0085', '\u2028', ':', '~', ' ') },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  );
  const name = fc.array(char, { minLength: 1, maxLength: 30 }).map((cs) => cs.join(''));
  const sha = fc.constantFrom(SHA, 'f'.repeat(64), '0123456789abcdef0123456789abcdef01234567');

  test('any base git allows round-trips; whatever it returns is a base git allows, on one line', () => {
    fc.assert(
      fc.property(name, fc.integer({ min: 1, max: 2 ** 40 }), sha, (base, n, s) => {
        const got = parseQueueRef(`gh-readonly-queue/${base}/pr-${n}-${s}`);
        if (got !== undefined) {
          expect(gitAllows(got.base)).toBe(true);
          expect(got.base).not.toMatch(/[\n\r\u0085]/);
          expect(`gh-readonly-queue/${got.base}/pr-${got.number}-${got.sha}`).toBe(
            `gh-readonly-queue/${base}/pr-${n}-${s}`,
          );
        } else {
          expect(gitAllows(base) && !/[\u0080-\u009f\u2028\u2029]/.test(base)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('any string at all: never throws, and a result always rebuilds the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          name.map((n) => `gh-readonly-queue/${n}`),
        ),
        (ref) => {
          const got = parseQueueRef(ref);
          if (got)
            expect(`gh-readonly-queue/${got.base}/pr-${got.number}-${got.sha}`).toBe(ref.replace(/^refs\/heads\//, ''));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('lookupFor: what to ask the API', () => {
  test('a push: the pull requests of its head commit; the runner’s SHA when the payload has none', () => {
    expect(lookupFor(push('main'), {})).toEqual({
      kind: 'merged',
      repository: REPO,
      sha: SHA,
      branch: 'main',
      path: `/repos/${REPO}/commits/${SHA}/pulls?per_page=100`,
    });
    const bare = { ...push('main'), payload: { repository: { full_name: REPO } } };
    expect(lookupFor(bare, { sha: 'b'.repeat(40) })).toMatchObject({ sha: 'b'.repeat(40) });
    expect(lookupFor(bare, {})).toEqual({ skip: 'no commit SHA to ask about' });
    expect(lookupFor({ ...bare, payload: {} }, { sha: SHA, repository: 'x/y/../z' })).toEqual({
      skip: 'no owner/name repository to ask about',
    });
  });

  test('merge_group and a push to the queue branch: the queued pull request', () => {
    const queued = { kind: 'queued', repository: REPO, number: 12, base: 'main', path: `/repos/${REPO}/pulls/12` };
    expect(lookupFor(mergeGroup(`refs/heads/gh-readonly-queue/main/pr-12-${SHA}`), {})).toEqual(queued);
    expect(lookupFor(push(`gh-readonly-queue/main/pr-12-${SHA}`), {})).toEqual(queued);
    expect(lookupFor(mergeGroup('refs/heads/odd'), {})).toEqual({
      skip: 'the merge_group head ref is not gh-readonly-queue/<base>/pr-<N>-<sha>',
    });
  });

  test('nothing to ask: a pull request, a tag, a deleted branch, a schedule', () => {
    const pr: EventContext = { eventName: 'pull_request', ref: 'refs/pull/1/merge', payload: {} };
    expect(lookupFor(pr, { sha: SHA, repository: REPO })).toBeUndefined();
    expect(lookupFor({ ...push('x'), ref: 'refs/tags/v1' }, {})).toBeUndefined();
    expect(lookupFor(push('x', { deleted: true }), {})).toBeUndefined();
    expect(lookupFor({ ...push('main'), eventName: 'schedule' }, {})).toBeUndefined();
  });
});

describe('ref.ts and decide.ts: the pull requests’ branches among the fallbacks, with why', () => {
  test('after a merge: the merged heads right after the branch’s own, before the default branch', () => {
    const d = resolveRefs(
      push('main'),
      {},
      {
        merged: [
          { number: 12, head: 'feature/x' },
          { number: 4, head: 'a' },
        ],
      },
    );
    expect(d.fallbacks).toEqual(['feature/x', 'a']);
    expect(d.exportCache).toBe(true);
    expect(d.reasons).toContain('merged in #12 from feature/x: its cache holds the merged code, so it comes first');
    const release = resolveRefs(push('release/1'), {}, { merged: [{ number: 12, head: 'feature/x' }] });
    expect(release.fallbacks).toEqual(['feature/x', 'main']);
  });

  test('a merge queue: the queued head before the base; never exported', () => {
    const d = resolveRefs(
      mergeGroup(`refs/heads/gh-readonly-queue/release/pr-12-${SHA}`, 'refs/heads/release'),
      {},
      {
        queued: { number: 12, head: 'feature/x' },
      },
    );
    expect(d).toMatchObject({ branch: undefined, fallbacks: ['feature/x', 'release', 'main'], exportCache: false });
    expect(d.reasons).toContain("queued #12 from feature/x: its cache comes before the base branch's");
  });

  test('decide puts the merged head’s refs ahead of the branch’s own, so where they diverge the merged code wins', () => {
    const config = parseConfig((n) => ({ image: 'ghcr.io/acme/app' })[n] ?? '');
    const leads = { merged: [{ number: 12, head: 'feature/x' }] };
    const d = decide(config, { event: push('main'), leads }, PIPELINE, 'Dockerfile');
    const tags = (refs: string[]) => refs.map((r) => r.split(':').pop());
    expect(tags(d.plan.imports.map((i) => i.ref))).toEqual([
      'cache.build.feature_x',
      'cache.dependencies.feature_x',
      'cache.build.main',
      'cache.dependencies.main',
    ]);
    expect(tags(d.plan.cacheFrom)).toEqual(tags(d.plan.imports.map((i) => i.ref)));
    // What the registry holds after the pull request's build: main's build ref from before the merge.
    const records = (ids: string[]) => ({ records: new Map(ids.map((id) => [id, 1])) });
    const held: Record<string, string[]> = {
      'cache.build.feature_x': ['deps', 'src-new', 'bundle-new'],
      'cache.dependencies.feature_x': ['deps'],
      'cache.build.main': ['deps', 'src-old', 'bundle-old'],
      'cache.dependencies.main': ['deps'],
    };
    const results = d.plan.imports.map((e) => ({
      ref: e.ref,
      state: 'exists' as const,
      content: records(held[e.name]!),
    }));
    const s = selectImports(d.plan.imports, results);
    expect(tags(s.imports.map((i) => i.ref))).toEqual(['cache.build.feature_x']);
    expect(s.verdicts.get(d.plan.imports[2]!.ref)).toMatchObject({ why: 'diverges' });
    // Without the look-up's answer, main's own wins: the steps after the change run again.
    const plain = decide(config, { event: push('main') }, PIPELINE, 'Dockerfile');
    expect(tags(plain.plan.imports.map((i) => i.ref))).toEqual(['cache.build.main', 'cache.dependencies.main']);
  });

  test('a merge queue: the queued head’s refs first, then the base’s', () => {
    const config = parseConfig((n) => ({ image: 'ghcr.io/acme/app' })[n] ?? '');
    const source = {
      event: mergeGroup(`refs/heads/gh-readonly-queue/main/pr-12-${SHA}`),
      leads: { queued: { number: 12, head: 'feature/x' } },
    };
    const d = decide(config, source, PIPELINE, 'Dockerfile');
    expect(d.plan.imports.map((i) => i.ref.split(':').pop())).toEqual([
      'cache.build.feature_x',
      'cache.dependencies.feature_x',
      'cache.build.main',
      'cache.dependencies.main',
    ]);
    expect(d.plan.export).toBeUndefined();
  });
});

describe('validBranch: what git check-ref-format refuses, and what would break a log line', () => {
  test.each([
    'main',
    'feature/x',
    'release/1.2.x',
    'a.b',
    'x-',
    '_',
    '@x',
    'a@b',
    'a{b}',
    'caf\u00e9',
    'nbsp\u00a0ok',
    'x.locked',
    'lock/a.lock.x',
  ])('%j is a branch', (name) => {
    expect(validBranch(name)).toBe(true);
  });

  test.each([
    ['empty', ''],
    ['@ alone', '@'],
    ['a leading -', '-x'],
    ['a trailing /', 'x/'],
    ['a trailing .', 'x.'],
    ['a space', 'a b'],
    ['a tab', 'a\tb'],
    ['NUL', 'a\u0000b'],
    ['DEL', 'a\u007fb'],
    ['C1 start', 'a\u0080b'],
    ['C1 end', 'a\u009fb'],
    ['a line separator', 'a\u2028b'],
    ['a paragraph separator', 'a\u2029b'],
    ['~', 'a~b'],
    ['^', 'a^b'],
    [':', 'a:b'],
    ['?', 'a?b'],
    ['*', 'a*b'],
    ['[', 'a[b'],
    ['a backslash', 'a\\b'],
    ['..', 'a..b'],
    ['@{', 'a@{b'],
    ['//', 'a//b'],
    ['a leading / (an empty part)', '/a'],
    ['a part starting with .', 'a/.b'],
    ['a first part starting with .', '.a/b'],
    ['a part ending in .lock', 'a.lock/b'],
    ['a name ending in .lock', 'a/b.lock'],
  ])('%s: not a branch', (_why, name) => {
    expect(validBranch(name)).toBe(false);
  });
});

describe('parseQueueRef: what is not a string, and the refs/heads/ prefix', () => {
  test('undefined or a non-string: no queue ref', () => {
    expect(parseQueueRef(undefined)).toBeUndefined();
    expect(parseQueueRef(12 as unknown as string)).toBeUndefined();
  });

  test('only refs/heads/ is taken off, only at the start', () => {
    expect(parseQueueRef(`refs/tags/gh-readonly-queue/main/pr-1-${SHA}`)).toBeUndefined();
    expect(parseQueueRef(`x/refs/heads/gh-readonly-queue/main/pr-1-${SHA}`)).toBeUndefined();
    expect(parseQueueRef(`refs/heads/gh-readonly-queue/refs/heads/x/pr-1-${SHA}`)).toEqual({
      base: 'refs/heads/x',
      number: 1,
      sha: SHA,
    });
  });

  test('the largest number it reads, and an invalid base', () => {
    expect(parseQueueRef(`gh-readonly-queue/main/pr-9007199254740991-${SHA}`)?.number).toBe(9007199254740991);
    expect(parseQueueRef(`gh-readonly-queue/main/pr-9007199254740992-${SHA}`)).toBeUndefined();
    expect(parseQueueRef(`gh-readonly-queue/-main/pr-1-${SHA}`)).toBeUndefined();
    expect(parseQueueRef(`prefix/gh-readonly-queue/main/pr-1-${SHA}`)).toBeUndefined();
  });
});
