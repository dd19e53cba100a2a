// core/sweep.ts and core/sweep-report.ts: which tags name a gone branch, and
// whether its caches may go now.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { parseKeepFor } from '../src/core/keep-for.js';
import { formatBytes } from '../src/core/bytes.js';
import { sweepLines, sweepSummary, type SweptBranch } from '../src/core/sweep-report.js';
import {
  branchesOfTags,
  branchVerdict,
  latest,
  newestCreatedAt,
  parseLsRemote,
  sweepNow,
  type TaggedBranch,
} from '../src/core/sweep.js';
import { encodeTag } from '../src/core/tag.js';
import { manifestBytes } from '../src/core/cache-content.js';
import { gitAllows } from './helpers.js';

const tag = (stage: string, branch: string, scope?: string) =>
  encodeTag({ prefix: 'cache', stage, branch, ...(scope ? { scope } : {}) });

describe('branchesOfTags', () => {
  test('groups the tags this scheme wrote under the prefix by branch; counts the rest as foreign', () => {
    const long = `feature/${'x'.repeat(200)}`;
    const tags = [
      tag('build', 'main'),
      tag('deps', 'main'),
      tag('build', 'feature/a', 'linux/arm64'),
      tag('build', long),
      'latest',
      'v1.2.3',
      'cache-build-feature-a', // the 0.1 scheme: not read back, never swept
      encodeTag({ prefix: 'other', stage: 'build', branch: 'main' }),
    ];
    const { branches, foreign } = branchesOfTags(tags, 'cache');
    expect(foreign).toBe(4);
    expect(branches.map((b) => [b.name.slice(0, 12), b.hash !== undefined, b.tags.length])).toEqual([
      ['main', false, 2],
      ['feature/a', false, 1],
      ['feature/xxxx', true, 1],
    ]);
  });

  test('property: every branch git allows comes back out of its tags, once', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }).filter(gitAllows), (branch) => {
        const { branches } = branchesOfTags([tag('build', branch), tag('deps', branch)], 'cache');
        expect(branches).toHaveLength(1);
        expect(branchVerdict(branches[0]!, [branch], 'main', [])).toEqual({ state: 'live' });
        expect(branchVerdict(branches[0]!, [`${branch}x`], 'main', []).state).not.toBe('live');
      }),
      { numRuns: 300 },
    );
  });
});

describe('branchVerdict', () => {
  const [main, a, release] = branchesOfTags([tag('b', 'main'), tag('b', 'feature/a'), tag('b', 'release/1.x')], 'cache')
    .branches as [TaggedBranch, TaggedBranch, TaggedBranch];
  test('live when the list has it; the default and protected branches are never gone; the rest is gone', () => {
    expect(branchVerdict(a, ['main', 'feature/a'], 'main', [])).toEqual({ state: 'live' });
    expect(branchVerdict(a, ['main'], 'main', [])).toEqual({ state: 'gone' });
    expect(branchVerdict(main, ['develop'], 'main', [])).toEqual({
      state: 'protected',
      why: 'it is the default branch',
    });
    expect(branchVerdict(release, ['main'], 'main', ['release/*'])).toEqual({
      state: 'protected',
      why: 'it matches "release/*" in protected-branches',
    });
    // Names differ by case: a different branch to git.
    expect(branchVerdict(a, ['main', 'Feature/A'], 'main', [])).toEqual({ state: 'gone' });
  });

  test('a cut name is live only for the live branch it begins with the same hash', () => {
    const long = `feature/${'y'.repeat(200)}`;
    const [cut] = branchesOfTags([tag('build', long)], 'cache').branches;
    expect(cut!.hash).toMatch(/^[0-9a-f]{8}$/);
    expect(branchVerdict(cut!, [long], 'main', []).state).toBe('live');
    expect(branchVerdict(cut!, [`${long}z`], 'main', []).state).toBe('gone');
  });
});

describe('what a cache says of itself', () => {
  const manifest = {
    config: { mediaType: 'application/vnd.buildkit.cacheconfig.v0', size: 100 },
    layers: [
      { size: 1000, annotations: { 'buildkit/createdat': '2026-11-01T10:00:00.5Z' } },
      { size: 24, annotations: { 'buildkit/createdat': '2026-11-20T08:30:00Z' } },
      { size: 2, annotations: { 'buildkit/createdat': 'not a time' } },
      { size: -5 },
    ],
  };
  test('the newest layer time, and the bytes of config and layers', () => {
    expect(newestCreatedAt(manifest)?.toISOString()).toBe('2026-11-20T08:30:00.000Z');
    expect(manifestBytes(manifest)).toBe(1126);
    expect([newestCreatedAt({ layers: [{}] }), newestCreatedAt(null), newestCreatedAt({ manifests: [] })]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect([manifestBytes({}), manifestBytes({ layers: [] })]).toEqual([undefined, 0]);
  });
});

describe('sweepNow', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  const seen = (iso: string) => ({ at: new Date(iso), source: 'its newest cache layer made' });
  test('old enough, young, undated, keep-for 0', () => {
    const week = parseKeepFor('7d');
    expect(sweepNow(seen('2026-11-01T00:00:00Z'), week, now)).toEqual({
      sweep: true,
      why: 'gone; last used its newest cache layer made 2026-11-01 00:00 UTC, more than keep-for 7d ago',
    });
    expect(sweepNow(seen('2026-11-29T00:00:00Z'), week, now)).toEqual({
      sweep: false,
      why: 'gone, but last used its newest cache layer made 2026-11-29 00:00 UTC, within keep-for 7d',
    });
    // Exactly keep-for ago: old enough.
    expect(sweepNow(seen('2026-11-23T12:00:00Z'), week, now).sweep).toBe(true);
    expect(sweepNow(undefined, week, now)).toEqual({
      sweep: true,
      why: 'gone, and nothing says when it was last used: taken as old',
    });
    expect(sweepNow(seen('2026-11-30T11:59:00Z'), parseKeepFor('0'), now)).toEqual({
      sweep: true,
      why: 'gone; keep-for is 0',
    });
  });

  test('latest: the newest sign wins, whatever its source', () => {
    const a = seen('2026-11-01T00:00:00Z');
    const b = { at: new Date('2026-11-05T00:00:00Z'), source: 'its pull request closed' };
    expect(latest([a, undefined, b])).toBe(b);
    expect(latest([b, a])).toBe(b);
    expect(latest([undefined])).toBeUndefined();
  });
});

describe('parseLsRemote', () => {
  test('the branches and the symbolic HEAD; tags and other refs are not branches', () => {
    const text = [
      'ref: refs/heads/trunk\tHEAD',
      `${'a'.repeat(40)}\tHEAD`,
      `${'b'.repeat(40)}\trefs/heads/trunk`,
      `${'c'.repeat(40)}\trefs/heads/feature/a b`,
      `${'d'.repeat(40)}\trefs/tags/v1`,
      `${'e'.repeat(64)}\trefs/heads/sha256-repo`,
      '',
    ].join('\n');
    expect(parseLsRemote(text)).toEqual({ branches: ['trunk', 'feature/a b', 'sha256-repo'], defaultBranch: 'trunk' });
    expect(parseLsRemote(`${'b'.repeat(40)}\trefs/heads/x\n`)).toEqual({ branches: ['x'] });
  });
});

describe('sweep report', () => {
  const [a, b, main] = branchesOfTags(
    [tag('build', 'feature/a'), tag('build', 'feature/b'), tag('build', 'main')],
    'cache',
  ).branches as [TaggedBranch, TaggedBranch, TaggedBranch];
  const swept: SweptBranch[] = [
    { branch: a, verdict: { state: 'gone' }, sweep: true, why: 'gone; keep-for is 0', bytes: 3 * 1024 * 1024 },
    { branch: b, verdict: { state: 'gone' }, sweep: false, why: 'gone, but young' },
    { branch: main, verdict: { state: 'live' }, sweep: false, why: 'live' },
  ];
  test('log lines for what is not live; the summary table, the counts and the space', () => {
    expect(sweepLines(swept)).toEqual([
      'sweep: feature/a: 1 cache tag(s), up to 3.0 MiB (gone; keep-for is 0)',
      'keep: feature/b: 1 cache tag(s) (gone, but young)',
    ]);
    const md = sweepSummary({
      image: 'r/app',
      swept,
      results: [{ tag: a.tags[0]!, state: 'deleted', detail: 'sha256:x' }],
      dryRun: false,
      where: 'r, through the registry API',
      keep: '0',
    });
    expect(md).toContain('1 live branch(es) keep their caches; 2 other branch(es) have caches (keep-for 0).');
    expect(md).toContain('| `feature/a` | 1 | 3.0 MiB | 🗑️ sweep: gone; keep-for is 0 |');
    expect(md).toContain('| `feature/b` | 1 | not read | 🔒 kept: gone, but young |');
    expect(md).toContain('**1 deleted, 0 kept, 0 failed; up to 3.0 MiB.**');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});

describe('sweep at its edges', () => {
  test('two cut names that begin alike but hash apart are two branches; an uncut one has no hash at all', () => {
    const long = (end: string) => `feature/${'x'.repeat(130)}${end}`;
    const [one, two] = [long('1'), long('2')].map((b) => tag('build', b));
    const { branches } = branchesOfTags([one!, two!, tag('build', 'main')], 'cache');
    expect(branches.map((b) => [b.hash === undefined, b.tags.length])).toEqual([
      [false, 1],
      [false, 1],
      [true, 1],
    ]);
    expect(branches[2]).toStrictEqual({ name: 'main', tags: ['cache.build.main'] });
  });

  test('the newest layer time, whatever the order; a layer that is not an object is skipped', () => {
    const layers = [
      { annotations: { 'buildkit/createdat': '2026-11-20T08:30:00Z' } },
      null,
      { annotations: { 'buildkit/createdat': '2026-11-01T10:00:00Z' } },
    ];
    expect(newestCreatedAt({ layers })?.toISOString()).toBe('2026-11-20T08:30:00.000Z');
  });

  test('latest: of two signs at the same time, the first', () => {
    const at = new Date('2026-11-05T00:00:00Z');
    const first = { at, source: 'its newest cache layer made' };
    expect(latest([first, { at: new Date(at), source: 'its pull request closed' }])).toBe(first);
  });

  test('parseLsRemote: only whole lines of its own format; no defaultBranch key without a HEAD line', () => {
    const text = [
      'xref: refs/heads/a\tHEAD',
      'ref: refs/heads/b\tHEADS',
      `z${'c'.repeat(40)}\trefs/heads/c`,
      `${'d'.repeat(40)}\trefs/heads/d`,
    ].join('\n');
    expect(parseLsRemote(text)).toStrictEqual({ branches: ['d'] });
  });
});
