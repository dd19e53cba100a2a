// Issue 13, item 2: one tag scheme. Distinct git-valid branch names never share a
// tag, a tag parses back into its fields, and common names stay readable.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { planCleanup } from '../src/core/cleanup.js';
import { legacyCacheName } from '../src/core/legacy-tag.js';
import { cacheName } from '../src/core/plan.js';
import { InputError } from '../src/core/errors.js';
import { decodeField, encodeField, encodeTag, MAX_TAG_LENGTH, parseTag, shortHash } from '../src/core/tag.js';
import { gitAllows, HOSTILE_CHARS, thrown } from './helpers.js';

// The hostile characters of hostile-names.test.ts, plus pairs that 0.1 slugged alike (ü/u, ß/ss, İ/i).
const char = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'abcxyzABCXYZ0189'.split('')) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_CHARS) },
  { weight: 2, arbitrary: fc.constantFrom('ü', 'u', 'ß', 'ss', '日', '🚀', 'İ', 'i') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);
const branch = fc
  .oneof(
    { weight: 6, arbitrary: fc.array(char, { minLength: 1, maxLength: 30 }).map((cs) => cs.join('')) },
    { weight: 1, arbitrary: fc.array(char, { minLength: 120, maxLength: 250 }).map((cs) => cs.join('')) },
  )
  .filter(gitAllows);

describe('item 2: the tag scheme', () => {
  test('common names stay readable', () => {
    expect(cacheName('cache', 'build', 'main')).toBe('cache.build.main');
    expect(cacheName('cache', 'build', 'feature/login-form')).toBe('cache.build.feature_login-form');
    expect(cacheName('cache', 'build', 'feature/ABC-123')).toBe('cache.build.feature_ABC-123');
    expect(cacheName('cache', 'dependencies', 'release/1.2', 'linux/arm64')).toBe(
      'cache.dependencies.linux_arm64.release_1__2e_2',
    );
    expect(encodeTag({ prefix: 'cache', target: 'web', stage: 'build', branch: 'main' })).toBe('cache.web.build..main');
  });

  test('names the old scheme gave one tag now get one each', () => {
    const groups = [
      ['feature/a', 'feature-a', 'Feature/A'],
      ['über', 'uber'],
      ['!x', 'x'],
      ['a"b', 'a-b'],
      ['main', 'Main', 'main-'],
    ];
    for (const names of groups) {
      expect(new Set(names.map((b) => legacyCacheName('cache', 'build', b))).size).toBeLessThan(
        names.length + (names[0] === 'main' ? 1 : 0),
      );
      expect(new Set(names.map((b) => cacheName('cache', 'build', b))).size).toBe(names.length);
    }
  });

  test('property: distinct git-valid names never share a tag', () => {
    fc.assert(
      fc.property(branch, branch, fc.constantFrom(undefined, 'linux/arm64'), (a, b, scope) => {
        fc.pre(a !== b);
        expect(cacheName('cache', 'build', a, scope)).not.toBe(cacheName('cache', 'build', b, scope));
      }),
      { numRuns: 5000 },
    );
  });

  test('property: a tag parses back into its fields; the branch exactly unless it was cut', () => {
    fc.assert(
      fc.property(
        branch,
        fc.constantFrom('build', 'deps.v2', 'b@d', '$x'),
        fc.constantFrom(undefined, 'linux/arm64', 'node 20'),
        fc.constantFrom(undefined, 'web', 'api_v1'),
        (b, stage, scope, target) => {
          const tag = encodeTag({
            prefix: 'cache',
            stage,
            branch: b,
            ...(scope ? { scope } : {}),
            ...(target ? { target } : {}),
          });
          expect(tag.length).toBeLessThanOrEqual(MAX_TAG_LENGTH);
          expect(tag).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
          const parsed = parseTag(tag);
          expect(parsed).toBeDefined();
          expect([parsed!.prefix, parsed!.target, parsed!.stage, parsed!.scope]).toEqual([
            'cache',
            target,
            stage,
            scope,
          ]);
          if (parsed!.branch.hash === undefined) expect(parsed!.branch.name).toBe(b);
          else expect(b.startsWith(parsed!.branch.name)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('property: a field decodes to what it encodes, and nothing else decodes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => {
        expect(decodeField(encodeField(s))?.name).toBe(s);
      }),
      { numRuns: 3000 },
    );
    for (const foreign of ['cache-build-main', 'a__zz_b', 'a__2e', 'latest', 'x..y.z', 'a.b'])
      expect(parseTag(foreign)).toBeUndefined();
  });

  test("property: neither branch's cleanup deletes the tags the other writes", () => {
    const event = {
      eventName: 'delete',
      ref: 'refs/heads/main',
      payload: { repository: { default_branch: 'main' }, ref_type: 'branch' },
    };
    fc.assert(
      fc.property(branch, branch, (a, b) => {
        fc.pre(a !== b && a !== 'main' && b !== 'main');
        const gone = planCleanup({
          event: { ...event, payload: { ...event.payload, ref: a } },
          prefix: 'cache',
          stages: ['build', 'dependencies'],
          protectedBranches: [],
        });
        const live = ['build', 'dependencies'].map((s) => cacheName('cache', s, b));
        for (const t of gone.tags) expect(live).not.toContain(t);
      }),
      { numRuns: 1000 },
    );
  });

  test('a stage name that is not tag-safe is encoded, not an internal error (item 11)', () => {
    expect(cacheName('cache', 'b@d', 'main')).toBe('cache.b__40_d.main');
    expect(parseTag(cacheName('cache', '$x', 'main'))?.stage).toBe('$x');
  });
});

describe('encodeField and decodeField at their edges', () => {
  test("a second '/' in a row is escaped, and so is a leading one (git allows neither)", () => {
    expect(encodeField('a//b')).toBe('a___2f_b');
    expect(encodeField('/a')).toBe('_a');
    expect(decodeField('a___2f_b')).toEqual({ name: 'a//b' });
  });

  test('the highest code point decodes; one past it, an unclosed escape and a bad hash are not fields', () => {
    expect(decodeField('__10ffff_')).toEqual({ name: '\u{10ffff}' });
    expect(decodeField('a__110000_')).toBeUndefined();
    expect(decodeField('a__4')).toBeUndefined();
    expect(decodeField('a__41')).toBeUndefined();
    expect(decodeField('main__h0123abcd')).toEqual({ name: 'main', hash: '0123abcd' });
    for (const bad of ['main__hzz', 'main__h0123abc', 'main__h0123abcde', 'main__h'])
      expect([bad, decodeField(bad)]).toEqual([bad, undefined]);
  });

  test('only what encodeField writes decodes: no other spelling of a name, no other character', () => {
    // 'A' is written as itself, so '__41_' is someone else's; a bare '__' is not '//'.
    for (const foreign of ['a__41_', 'a__', 'a!b', 'a.b', 'a!_h0123abcd', 'a!__h0123abcd'])
      expect([foreign, decodeField(foreign)]).toEqual([foreign, undefined]);
  });
});

describe('encodeTag: the room for the branch', () => {
  const hash = (b: string) => shortHash(b);

  test('a branch that just fits is kept whole; one character more is cut at the same length, with the hash', () => {
    // 'cache.build.' leaves 116 characters.
    const fits = 'a'.repeat(116);
    expect(encodeTag({ prefix: 'cache', stage: 'build', branch: fits })).toBe(`cache.build.${fits}`);
    const over = 'a'.repeat(117);
    const cut = encodeTag({ prefix: 'cache', stage: 'build', branch: over });
    expect(cut).toBe(`cache.build.${'a'.repeat(105)}__h${hash(over)}`);
    expect(cut).toHaveLength(MAX_TAG_LENGTH);
    expect(parseTag(cut)?.branch).toEqual({ name: 'a'.repeat(105), hash: hash(over) });
  });

  test('the cut never splits an escape', () => {
    const branch = `${'a'.repeat(103)}.bcdefghijklmn`;
    expect(encodeTag({ prefix: 'cache', stage: 'build', branch })).toBe(
      `cache.build.${'a'.repeat(103)}__h${hash(branch)}`,
    );
  });

  test('fixed fields that leave fewer than 12 characters for the branch are an input error', () => {
    // prefix + '.build.' : 109 + 7 leaves 12, 110 + 7 leaves 11.
    expect(encodeTag({ prefix: 'p'.repeat(109), stage: 'build', branch: 'main' })).toBe(
      `${'p'.repeat(109)}.build.main`,
    );
    const e = thrown(() => encodeTag({ prefix: 'p'.repeat(110), stage: 'build', branch: 'main' }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(
      `cache-tag-prefix: "${'p'.repeat(110)}.build." leaves too little room for the branch in a 128-character ` +
        'tag: shorten cache-tag-prefix, the stage name or cache-scope',
    );
  });

  test('a tag that would not be a Docker tag (a leading - or .) is never returned', () => {
    expect(thrown(() => encodeTag({ prefix: '-c', stage: 'build', branch: 'main' })).message).toBe(
      'internal: produced an invalid tag "-c.build.main"',
    );
    expect(thrown(() => encodeTag({ prefix: '', stage: 'build', branch: 'main' })).message).toMatch(/^internal: /);
  });
});

describe('parseTag: what this scheme did not write', () => {
  test('too many fields, an empty branch, a branch or a fixed field that is not a field', () => {
    for (const foreign of [
      'a.b.c.d.e.main',
      'cache.build.',
      'cache.build.a__41_',
      'cache.a__41_.main',
      'cache.x__h0123abcd.main',
      'cache..main',
      'cache.build..main',
      'cache..build.x.main',
      '.build.main',
      '-c.build.main',
      `cache.build.${'a'.repeat(117)}`,
    ])
      expect([foreign, parseTag(foreign)]).toEqual([foreign, undefined]);
  });

  test("a cut branch with nothing readable left is still a branch; only a bake target's scope may be empty", () => {
    expect(parseTag('cache.build.__h0123abcd')).toEqual({
      prefix: 'cache',
      stage: 'build',
      branch: { name: '', hash: '0123abcd' },
    });
    expect(parseTag('cache.web.build..main')).toStrictEqual({
      prefix: 'cache',
      target: 'web',
      stage: 'build',
      branch: { name: 'main' },
    });
    expect(parseTag('cache.web.build.linux_arm64.main')).toStrictEqual({
      prefix: 'cache',
      target: 'web',
      stage: 'build',
      scope: 'linux/arm64',
      branch: { name: 'main' },
    });
  });
});
