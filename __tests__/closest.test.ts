// "Did you mean": the edit distance (src/core/closest.ts) against a plain
// recursive definition, and which known word is offered.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { closest, distance } from '../src/core/closest.js';

/** Levenshtein distance straight from its definition (memoized recursion). */
function reference(a: string, b: string): number {
  const memo = new Map<string, number>();
  const d = (i: number, j: number): number => {
    if (i === 0) return j;
    if (j === 0) return i;
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const r = Math.min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
    memo.set(key, r);
    return r;
  };
  return d(a.length, b.length);
}

describe('distance', () => {
  test.each([
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['ignore-error', 'ignore_error', 1],
    ['mode', 'mode', 0],
  ])('%s -> %s is %d edits', (a, b, n) => {
    expect(distance(a, b)).toEqual(n);
  });

  test('property: the same as the definition, for any two short strings', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-'), maxLength: 7 });
    fc.assert(
      fc.property(word, word, (a, b) => {
        expect(distance(a, b)).toEqual(reference(a, b));
      }),
    );
  });
});

describe('closest', () => {
  const known = ['ignore-error', 'image-manifest', 'oci-mediatypes', 'compression', 'mode'];

  test('the nearest known word, when within the bound (the bound itself included)', () => {
    expect(closest('ignore_error', known, 2)).toEqual('ignore-error');
    expect(closest('mdoe', known, 2)).toEqual('mode');
    expect(closest('compresion', known, 1)).toEqual('compression');
  });

  test('nothing when every known word is further than the bound, or nothing is known', () => {
    expect(closest('mdoe', known, 1)).toEqual(undefined);
    expect(closest('zzzzzzzz', known, 3)).toEqual(undefined);
    expect(closest('mode', [], 3)).toEqual(undefined);
  });

  test('the nearest wins over an earlier, further one; of equally near ones, the first known', () => {
    expect(closest('abd', ['xyz', 'abx', 'abc'], 2)).toEqual('abx');
    expect(closest('aaa', ['aab', 'aac'], 1)).toEqual('aab');
    expect(closest('abcd', ['zzzz', 'abzz', 'abcz'], 3)).toEqual('abcz');
  });
});
