import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { legacyCacheName } from '../src/core/legacy-tag.js';

// The 0.1 scheme's tags, which builds still import once and cleanup still finds (legacy-tag.ts).
const cacheName = (prefix: string, stage: string, branch: string): string => legacyCacheName(prefix, stage, branch)!;
import { fitSlug, isValidTag, MAX_TAG_LENGTH, shortHash, slugifyBranch } from '../src/core/slug.js';

const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

describe('slugifyBranch: the examples from the issue', () => {
  test.each([
    ['feature/Login-FORM', 'feature-login-form'],
    ['dependabot/npm_and_yarn/lodash-4.17.21', 'dependabot-npm_and_yarn-lodash-4.17.21'],
    ['über/straße', 'uber-strasse'],
    ['main', 'main'],
    ['release/1.2.x', 'release-1.2.x'],
    ['UPPER', 'upper'],
  ])('%s -> %s', (branch, slug) => {
    expect(slugifyBranch(branch)).toBe(slug);
  });

  test('slash is a separator, not deleted (slugify alone would give featurefoo)', () => {
    expect(slugifyBranch('feature/foo')).toBe('feature-foo');
  });

  test('quotes, $, backticks and other shell characters each become -', () => {
    expect(slugifyBranch('a"b$c`d\'e')).toBe('a-b-c-d-e');
    expect(slugifyBranch('fix/$(rm -rf ~)')).toBe('fix-rm-rf');
    expect(slugifyBranch('x;y|z&w')).toBe('x-y-z-w');
    for (const s of [slugifyBranch('"quoted"'), slugifyBranch('`tick`'), slugifyBranch('$HOME')]) {
      expect(s).toMatch(/^[a-z0-9._-]+$/);
    }
    expect(slugifyBranch('"quoted"')).toBe('quoted');
  });

  test('runs of - are collapsed', () => {
    expect(slugifyBranch('a//b')).toBe('a-b');
    expect(slugifyBranch('a - - b')).toBe('a-b');
    expect(slugifyBranch('a---b')).toBe('a-b');
  });

  test('no leading or trailing - or .', () => {
    expect(slugifyBranch('-feature-')).toBe('feature');
    expect(slugifyBranch('.hidden.')).toBe('hidden');
    expect(slugifyBranch('/x/')).toBe('x');
    expect(slugifyBranch('.-.-x-.-.')).toBe('x');
    expect(slugifyBranch('..a..b..')).toBe('a..b');
  });

  test('two spellings of one short branch share a slug (lower-cased on purpose)', () => {
    expect(slugifyBranch('Feature/X')).toBe(slugifyBranch('feature/x'));
  });

  test('non-ASCII letters are transliterated and lowered', () => {
    expect(slugifyBranch('Ünïcode')).toBe('unicode');
    expect(slugifyBranch('café')).toBe('cafe');
  });
});

describe('slugifyBranch: names that cannot be transliterated', () => {
  test('a non-ASCII blank (no-break space, ideographic space) is lost too, so the name gets a hash', () => {
    for (const blank of ['\u00a0', '\u3000']) {
      const branch = `a${blank}b`;
      expect(slugifyBranch(branch)).toBe(`a-b-${shortHash(branch)}`);
    }
  });

  test('日本語 gives a stable, non-empty, tag-safe slug', () => {
    const a = slugifyBranch('日本語');
    expect(a).not.toBe('');
    expect(a).toMatch(/^[a-z0-9_][a-z0-9_.-]*$/);
    expect(slugifyBranch('日本語')).toBe(a);
    expect(a).toBe(shortHash('日本語'));
  });

  test('two different CJK names get different slugs', () => {
    expect(slugifyBranch('日本語')).not.toBe(slugifyBranch('中文'));
    expect(slugifyBranch('feature/日本語')).not.toBe(slugifyBranch('feature/中文'));
  });

  test('the readable part is kept and a hash of the full name is added', () => {
    const s = slugifyBranch('feature/日本語');
    expect(s).toBe(`feature-${shortHash('feature/日本語')}`);
  });

  test('a name of only separators is never empty', () => {
    for (const b of ['/', '---', '...', '"', ' ', '']) {
      const s = slugifyBranch(b);
      expect(s).toBe(shortHash(b));
      expect(s).toMatch(/^[0-9a-f]{8}$/);
    }
  });
});

describe('shortHash and isValidTag', () => {
  test('shortHash is 8 hex characters, deterministic, and differs for different input', () => {
    expect(shortHash('a')).toMatch(/^[0-9a-f]{8}$/);
    expect(shortHash('a')).toBe(shortHash('a'));
    expect(shortHash('a')).not.toBe(shortHash('b'));
    // sha256("abc") starts ba7816bf
    expect(shortHash('abc')).toBe('ba7816bf');
  });

  test('isValidTag follows the Docker tag grammar', () => {
    expect(isValidTag('cache-build-main')).toBe(true);
    expect(isValidTag('_x')).toBe(true);
    expect(isValidTag('A.b-C_1')).toBe(true);
    expect(isValidTag('x'.repeat(128))).toBe(true);
    expect(isValidTag('x'.repeat(129))).toBe(false);
    expect(isValidTag('')).toBe(false);
    expect(isValidTag('-x')).toBe(false);
    expect(isValidTag('.x')).toBe(false);
    expect(isValidTag('a/b')).toBe(false);
    expect(isValidTag('a:b')).toBe(false);
  });
});

describe('fitSlug: length limit', () => {
  test('a slug that fits is untouched', () => {
    expect(fitSlug('feature-x', 'feature/x', 10)).toBe('feature-x');
    expect(fitSlug('a'.repeat(10), 'a'.repeat(10), 10)).toBe('a'.repeat(10));
    expect(fitSlug('feature-x', 'feature/x', 100)).toBe('feature-x');
  });

  test('a slug that is too long is cut and ends in a hash of the full branch', () => {
    const branch = 'feature/' + 'a'.repeat(200);
    const out = fitSlug(slugifyBranch(branch), branch, 50);
    expect(out).toHaveLength(50);
    expect(out.endsWith(`-${shortHash(branch)}`)).toBe(true);
    expect(out.startsWith('feature-aaaa')).toBe(true);
  });

  test('a cut never leaves a - or . before the hash', () => {
    // the cut lands right after "a-" / "a.", which tidy removes
    const branch = 'a-'.repeat(100);
    const out = fitSlug(slugifyBranch(branch), branch, 21);
    expect(out).toMatch(/^[a-z0-9][a-z0-9_.-]*[a-z0-9]-[0-9a-f]{8}$/);
    expect(out).not.toMatch(/[-.]-[0-9a-f]{8}$/);
    expect(out.length).toBeLessThanOrEqual(21);
  });

  test('too little room is an error', () => {
    expect(() => fitSlug('x', 'x', 9)).toThrow(/no room for a branch slug/);
    expect(() => fitSlug('x', 'x', -5)).toThrow(/no room/);
    expect(fitSlug('x'.repeat(30), 'branch', 10)).toBe(`x-${shortHash('branch')}`);
  });
});

describe('cacheName: whole tags at most 128 characters', () => {
  test('a short branch gives <prefix>-<stage>-<slug>', () => {
    expect(cacheName('cache', 'dependencies', 'feature/Login-FORM')).toBe('cache-dependencies-feature-login-form');
  });

  test('a long branch is cut to fit exactly 128 characters', () => {
    const branch = 'feature/' + 'x'.repeat(300);
    const name = cacheName('cache', 'build', branch);
    expect(name).toHaveLength(MAX_TAG_LENGTH);
    expect(name).toMatch(TAG_RE);
    expect(name.startsWith('cache-build-feature-xxx')).toBe(true);
    expect(name.endsWith(shortHash(branch))).toBe(true);
  });

  test('two long names that differ only past the cut get different tags', () => {
    const base = 'feature/' + 'y'.repeat(200);
    const a = cacheName('cache', 'build', base + '-one');
    const b = cacheName('cache', 'build', base + '-two');
    expect(a).not.toBe(b);
    expect(a.slice(0, 100)).toBe(b.slice(0, 100));
    expect(a.length).toBeLessThanOrEqual(128);
    expect(b.length).toBeLessThanOrEqual(128);
  });

  test('a branch whose slug is exactly the room left is not cut', () => {
    const head = 'cache-build-';
    const branch = 'z'.repeat(MAX_TAG_LENGTH - head.length);
    expect(cacheName('cache', 'build', branch)).toBe(head + branch);
    const longer = branch + 'z';
    expect(cacheName('cache', 'build', longer)).not.toBe(head + longer);
    expect(cacheName('cache', 'build', longer)).toHaveLength(MAX_TAG_LENGTH);
  });
});

describe('properties over arbitrary unicode branch names', () => {
  const namePart = fc.stringMatching(/^[a-z0-9_][a-z0-9_.-]{0,20}$/);
  const anyBranch = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
  );

  test('cacheName is always a valid Docker tag and deterministic', () => {
    fc.assert(
      fc.property(namePart, namePart, anyBranch, (prefix, stage, branch) => {
        const name = cacheName(prefix, stage, branch);
        expect(name).toMatch(TAG_RE);
        expect(name.length).toBeLessThanOrEqual(MAX_TAG_LENGTH);
        expect(name.startsWith(`${prefix}-${stage}-`)).toBe(true);
        expect(cacheName(prefix, stage, branch)).toBe(name);
      }),
      { numRuns: 3000 },
    );
  });

  test('the slug alone is never empty, lower case and has no leading/trailing - or .', () => {
    fc.assert(
      fc.property(anyBranch, (branch) => {
        const s = slugifyBranch(branch);
        expect(s).toMatch(/^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/);
        expect(s).not.toMatch(/--/);
      }),
      { numRuns: 2000 },
    );
  });

  // "Long" = the shared 200-character prefix alone overflows the tag, so both
  // names are cut. Each prefix unit is an arbitrary grapheme next to a letter or
  // digit, so the slug of the prefix is long whatever graphemes are drawn.
  const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789ABCXYZ'.split(''));
  const longPrefix = fc
    .array(fc.tuple(alnum, fc.string({ unit: 'grapheme', maxLength: 1 })), { minLength: 200, maxLength: 200 })
    .map((units) => units.map(([a, g]) => a + g).join(''))
    .map((s) => [...s].slice(0, 200).join(''));

  test('two distinct long branch names sharing a 200-character prefix never share a name', () => {
    fc.assert(
      fc.property(
        namePart,
        namePart,
        longPrefix,
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        (prefix, stage, shared, s1, s2) => {
          fc.pre(s1 !== s2);
          const a = cacheName(prefix, stage, shared + s1);
          const b = cacheName(prefix, stage, shared + s2);
          expect(a).not.toBe(b);
          expect(a).toMatch(TAG_RE);
          expect(b).toMatch(TAG_RE);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('the same holds for a fully arbitrary 200-grapheme shared prefix', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 200, maxLength: 220 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        (shared, s1, s2) => {
          fc.pre(s1 !== s2);
          expect(cacheName('cache', 'build', shared + s1)).not.toBe(cacheName('cache', 'build', shared + s2));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('legacyCacheName: scope, the default branch, no room', () => {
  test('a scope is slugged between the stage and the branch; empty parts are left out', () => {
    expect(legacyCacheName('cache', 'build', 'main', 'linux/arm64')).toBe('cache-build-linux-arm64-main');
    expect(legacyCacheName('', 'build', 'main')).toBe('build-main');
    expect(legacyCacheName('cache', '', 'main')).toBe('cache-main');
    expect(legacyCacheName('cache', 'build', 'main', undefined)).toBe('cache-build-main');
  });

  test('a branch whose slug is the default branch’s gets a hash; the default branch itself does not', () => {
    expect(legacyCacheName('cache', 'build', 'Main', undefined, 'main')).toBe(`cache-build-main-${shortHash('Main')}`);
    expect(legacyCacheName('cache', 'build', 'main', undefined, 'main')).toBe('cache-build-main');
    expect(legacyCacheName('cache', 'build', 'dev', undefined, 'main')).toBe('cache-build-dev');
    expect(legacyCacheName('cache', 'build', 'Main')).toBe('cache-build-main');
  });

  test('the hash keeps the name within 128 characters when the slug fills the room', () => {
    const head = 'cache-build-';
    const branch = 'Z'.repeat(MAX_TAG_LENGTH - head.length);
    const name = legacyCacheName('cache', 'build', branch, undefined, branch.toLowerCase());
    expect(name).toHaveLength(MAX_TAG_LENGTH);
    expect(name).toMatch(new RegExp(`^${head}z+-${shortHash(branch)}$`));
  });

  test('no room for a slug: no such tag (the old scheme refused it)', () => {
    const fits = 'p'.repeat(MAX_TAG_LENGTH - 'p-b-'.length - 10 + 1);
    expect(legacyCacheName(fits, 'b', 'main')).toBe(`${fits}-b-main`);
    expect(legacyCacheName(`${fits}x`, 'b', 'main')).toBeUndefined();
  });
});

describe('slugifyBranch and fitSlug: edges', () => {
  test('ASCII that is not a tag character is -, up to DEL; from U+0080 on it is transliterated or hashed', () => {
    expect(slugifyBranch('a\u007fb')).toBe('a-b');
    expect(slugifyBranch('a~b')).toBe('a-b');
    expect(slugifyBranch('a\u0080b')).toBe(`a-b-${shortHash('a\u0080b')}`);
    expect(slugifyBranch('a\u00e9b')).toBe('aeb');
    expect(slugifyBranch('\u00df')).toBe('ss');
  });

  test('a lost character keeps the readable part, tidied, before the hash', () => {
    expect(slugifyBranch('x.日')).toBe(`x-${shortHash('x.日')}`);
    expect(slugifyBranch('日-x')).toBe(`x-${shortHash('日-x')}`);
    expect(slugifyBranch('a_b.c')).toBe('a_b.c');
  });

  test('a cut that leaves nothing readable is the hash alone', () => {
    expect(fitSlug('.'.repeat(20), 'branch', 10)).toBe(shortHash('branch'));
    expect(fitSlug('-.-.-.-.-.-.', 'branch', 11)).toBe(shortHash('branch'));
    expect(fitSlug('ab'.repeat(10), 'branch', 12)).toBe(`aba-${shortHash('branch')}`);
  });

  test('too little room names the room left', () => {
    expect(() => fitSlug('x', 'x', 9)).toThrow(
      new Error('no room for a branch slug in a 128-character tag (9 characters left)'),
    );
    expect(fitSlug('x'.repeat(11), 'b', 10)).toBe(`x-${shortHash('b')}`);
  });
});
