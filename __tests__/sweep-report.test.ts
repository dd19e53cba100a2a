// What a sweep says it found and did, branch by branch: the log lines and the
// job summary (sweep-report.ts), from given verdicts and tag results.
import { describe, expect, test } from '@jest/globals';
import type { TagResult } from '../src/core/cleanup-report.js';
import { type SweptBranch, sweepLines, sweepSummary } from '../src/core/sweep-report.js';

const IMAGE = 'ghcr.io/acme/app';

const live: SweptBranch = {
  branch: { name: 'main', tags: ['bbc-main-app'] },
  verdict: { state: 'live' },
  sweep: false,
  why: 'the branch exists',
  bytes: 5000,
};
const gone: SweptBranch = {
  branch: { name: 'feature/x', tags: ['bbc-feature-x-app', 'bbc-feature-x-base'] },
  verdict: { state: 'gone' },
  sweep: true,
  why: 'the branch is gone',
  bytes: 1536,
};
const cut: SweptBranch = {
  branch: { name: 'a-very-long-name', hash: 'abc123', tags: ['t1'] },
  verdict: { state: 'gone' },
  sweep: true,
  why: 'the branch is gone',
  bytes: 2 * 1024 * 1024,
};
const kept: SweptBranch = {
  branch: { name: 'release/1', tags: ['t2'] },
  verdict: { state: 'protected', why: 'it matches "release/*"' },
  sweep: false,
  why: 'it matches "release/*" in protected-branches',
};

const summary = (over: Partial<Parameters<typeof sweepSummary>[0]> = {}) =>
  sweepSummary({
    image: IMAGE,
    swept: [live, gone, cut, kept],
    results: [],
    dryRun: false,
    where: 'GHCR',
    keep: '7d',
    ...over,
  });

describe('sweepLines', () => {
  test('one line per branch that is not live: sweep or keep, its tags, the size when read, and why', () => {
    expect(sweepLines([live, gone, cut, kept])).toEqual([
      'sweep: feature/x: 2 cache tag(s), up to 1.5 KiB (the branch is gone)',
      'sweep: a-very-long-name… (cut; hash abc123): 1 cache tag(s), up to 2.0 MiB (the branch is gone)',
      'keep: release/1: 1 cache tag(s) (it matches "release/*" in protected-branches)',
    ]);
  });

  test('only live branches: no lines', () => {
    expect(sweepLines([live])).toEqual([]);
  });
});

describe('sweepSummary', () => {
  test('a sweep: the counts of live and other branches, a row for each other one, the totals', () => {
    const results: TagResult[] = [
      { tag: 'bbc-feature-x-app', state: 'deleted' },
      { tag: 'bbc-feature-x-base', state: 'deleted' },
      { tag: 't1', state: 'failed', detail: 'HTTP 500' },
      { tag: 't9', state: 'unsupported' },
      { tag: 't2', state: 'kept' },
      { tag: 't3', state: 'would delete' },
    ];
    expect(summary({ results })).toBe(
      [
        `### buildx-branch-cache sweep of \`${IMAGE}\``,
        '',
        '1 live branch(es) keep their caches; 3 other branch(es) have caches (keep-for 7d).',
        '',
        '| Branch | Cache tags | Size (up to) | Verdict |',
        '|---|---|---|---|',
        '| `feature/x` | 2 | 1.5 KiB | 🗑️ sweep: the branch is gone |',
        '| `a-very-long-name… (cut; hash abc123)` | 1 | 2.0 MiB | 🗑️ sweep: the branch is gone |',
        '| `release/1` | 1 | not read | 🔒 kept: it matches "release/\\*" in protected-branches |',
        '',
        '**2 deleted, 1 kept, 2 failed; up to 2.0 MiB.** Registry: GHCR',
        '',
      ].join('\n'),
    );
  });

  test('a dry run says so in the title and the rows, and counts what would be deleted', () => {
    const results: TagResult[] = [
      { tag: 'a', state: 'would delete' },
      { tag: 'b', state: 'would delete' },
      { tag: 'c', state: 'deleted' },
    ];
    const lines = summary({ results, dryRun: true }).split('\n');
    expect(lines[0]).toBe(`### buildx-branch-cache sweep of \`${IMAGE}\` (dry run)`);
    expect(lines).toContain('| `feature/x` | 2 | 1.5 KiB | 📝 would sweep: the branch is gone |');
    expect(lines).toContain('**2 would be deleted, 0 kept, 0 failed; up to 2.0 MiB.** Registry: GHCR');
  });

  test('the size freed is the sum of the swept branches read; kept and live ones do not count', () => {
    const bigKept: SweptBranch = { ...kept, bytes: 10 * 1024 * 1024 * 1024 };
    const unread: SweptBranch = { ...gone, bytes: undefined };
    const text = summary({ swept: [live, gone, cut, bigKept, unread] });
    expect(text).toContain(`; up to 2.0 MiB.** Registry: GHCR`);
  });

  test('nothing to free: no size in the totals', () => {
    const unread: SweptBranch = { ...gone, bytes: undefined };
    expect(summary({ swept: [live, unread, kept] })).toContain('**0 deleted, 0 kept, 0 failed.** Registry: GHCR\n');
  });

  test('only live branches: no table', () => {
    expect(summary({ swept: [live], where: 'a_b', keep: '1*d' })).toBe(
      [
        `### buildx-branch-cache sweep of \`${IMAGE}\``,
        '',
        '1 live branch(es) keep their caches; 0 other branch(es) have caches (keep-for 1\\*d).',
        '',
        '**0 deleted, 0 kept, 0 failed.** Registry: a\\_b',
        '',
      ].join('\n'),
    );
  });
});
