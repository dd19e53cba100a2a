// Which branches' caches are never deleted (protected-branches.ts): the glob
// rules of a protected-branches pattern, in branch and in slug space.
import { describe, expect, test } from '@jest/globals';
import { InputError } from '../src/core/errors.js';
import {
  branchPattern,
  checkPatterns,
  globMatch,
  MAX_PATTERN_LENGTH,
  matchesProtected,
  whyProtected,
} from '../src/core/protected-branches.js';

describe('globMatch', () => {
  // [pattern, text, segments, matches]
  test.each([
    ['main', 'main', true, true],
    ['main', 'mai', true, false],
    ['main', 'mainx', true, false],
    ['main', 'xmain', true, false],
    ['MAIN', 'main', true, true],
    ['main', 'MAIN', true, true],
    ['', '', true, true],
    ['', 'a', true, false],
    ['a', '', true, false],
    ['*', '', true, true],
    ['*', 'anything', true, true],
    ['*', 'a/b', true, false],
    ['*', 'a/b', false, true],
    ['release/*', 'release/1', true, true],
    ['release/*', 'release/1/2', true, false],
    ['release/*', 'release/', true, true],
    ['release/*', 'releases/1', true, false],
    ['*/x', '/x', true, true],
    ['a*b', 'ab', true, true],
    ['a*b', 'axxb', true, true],
    ['a*b', 'axxc', true, false],
    ['a*b', 'a/b', true, false],
    ['**', 'a/b/c', true, true],
    ['**', '', true, true],
    ['release/**', 'release/1/2', true, true],
    ['**/hotfix', 'team/a/hotfix', true, true],
    ['**/hotfix', 'team/a/hotfixes', true, false],
    ['**x', 'y', true, false],
    ['**x', 'a/x', true, true],
    ['a**', 'a/b', true, true],
    ['a***', 'a/b', true, true],
    ['?', 'a', true, true],
    ['?', '', true, false],
    ['?', 'ab', true, false],
    ['?', '/', true, false],
    ['?', '/', false, true],
    ['v?', 'v1', true, true],
    ['?1', 'v1', true, true],
    ['?1', 'v2', true, false],
    ['a?c', 'abc', true, true],
    ['a?c', 'a/c', true, false],
    ['*-keep', 'x-keep', true, true],
    ['*-keep', 'x-kept', true, false],
  ])('%j against %j (segments %j): %j', (pattern, text, segments, matches) => {
    expect(globMatch(pattern, text, segments)).toBe(matches);
  });

  test('a pattern of many stars stays quick on a long text that does not match', () => {
    const started = Date.now();
    expect(globMatch('*-*-*-*-*-*-*-*-*-*-keep', 'a-'.repeat(2000) + 'x', true)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('branchPattern', () => {
  test('a refs/heads/ pattern is the branch pattern without it; others are as given', () => {
    expect(
      ['refs/heads/develop', 'refs/heads/release/*', 'develop', 'refs/tags/v1', 'x/refs/heads/y'].map(branchPattern),
    ).toEqual(['develop', 'release/*', 'develop', 'refs/tags/v1', 'x/refs/heads/y']);
  });
});

describe('checkPatterns', () => {
  test('patterns up to the limit pass', () => {
    expect(() => checkPatterns(['main', 'x'.repeat(MAX_PATTERN_LENGTH)])).not.toThrow();
    expect(MAX_PATTERN_LENGTH).toBe(255);
  });

  test('a longer one is an InputError of protected-branches naming its start and its length', () => {
    const long = `${'a'.repeat(40)}${'b'.repeat(MAX_PATTERN_LENGTH - 39)}`;
    let error: unknown;
    try {
      checkPatterns(['main', long]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(
      `protected-branches: the pattern "${'a'.repeat(40)}..." is 256 characters long: a pattern may have at most 255`,
    );
  });
});

describe('matchesProtected', () => {
  test.each([
    ['main', 'main', true],
    ['refs/heads/main', 'main', true],
    ['refs/heads/release/*', 'release/1', true],
    ['release/*', 'release/1', true],
    ['release/*', 'feature/1', false],
    // Slug space: these share their cache tags with release/1.
    ['release/*', 'Release/1', true],
    ['release/*', 'release-1', true],
    ['release/*', 'RELEASE_1', false],
    ['Release/?', 'release-2', true],
    ['release/**', 'release-1-2', true],
    ['feature/A B', 'feature-a-b', true],
    ['hotfix', 'hot/fix', false],
    ['hot-fix', 'hot/fix', true],
    ['hot-fix', 'Hot Fix', true],
    // In branch space, though their slugs differ (runs of - collapsed, leading dots dropped).
    ['x--y', 'x--y', true],
    ['.hidden', '.hidden', true],
    ['?', 'ß', true],
    // A * stops at a / in branch space; in slug space this one cannot match either.
    ['*--x', 'a/b--x', false],
  ])('%j protects %j: %j', (pattern, branch, matches) => {
    expect(matchesProtected(pattern, branch)).toBe(matches);
  });

  test('a pattern longer than the limit protects nothing (checkPatterns reports it); one at the limit does', () => {
    const atLimit = 'a'.repeat(MAX_PATTERN_LENGTH);
    expect(matchesProtected(atLimit, atLimit)).toBe(true);
    expect(matchesProtected(`refs/heads/${atLimit}`, atLimit)).toBe(true);
    expect(matchesProtected(`${atLimit}*`, atLimit)).toBe(false);
    expect(matchesProtected('*'.repeat(MAX_PATTERN_LENGTH + 1), 'main')).toBe(false);
  });
});

describe('whyProtected', () => {
  test('the default branch, whatever the patterns', () => {
    expect(whyProtected('main', 'main', [])).toBe('it is the default branch');
    expect(whyProtected('main', 'main', ['main'])).toBe('it is the default branch');
  });

  test('the first pattern that matches, named', () => {
    expect(whyProtected('release/1', 'main', ['develop', 'release/*', 'release/1'])).toBe(
      'it matches "release/*" in protected-branches',
    );
  });

  test('neither: not protected', () => {
    expect(whyProtected('feature/x', 'main', ['develop', 'release/*'])).toBeUndefined();
    expect(whyProtected('feature/x', 'main', [])).toBeUndefined();
  });
});
