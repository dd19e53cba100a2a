// Which cache refs to import (import-plan.ts), rule by rule, on small record
// sets written out by hand: record id -> when its results were made.
import { describe, expect, test } from '@jest/globals';
import type { CacheContent } from '../src/core/cache-content.js';
import { type Candidate, planImports, verdictText } from '../src/core/import-plan.js';

const records = (entries: Record<string, number>): CacheContent => ({ records: new Map(Object.entries(entries)) });

function exists(ref: string, branchRank: number, content?: CacheContent, stage = 'app'): Candidate {
  return { ref, branchRank, stage, state: 'exists', ...(content ? { content } : {}) };
}

/** Each ref's verdict as the log says it. */
const said = (candidates: Candidate[]) => planImports(candidates, () => true).map((v) => `${v.ref}: ${verdictText(v)}`);

describe('refs that were not compared', () => {
  test('the only ref found, unread: imported as the only one', () => {
    const missing: Candidate = { ref: 'r:b', branchRank: 1, stage: 'app', state: 'missing' };
    expect(said([exists('r:a', 0), missing])).toEqual(['r:a: imported (the only one found)', 'r:b: not found']);
  });

  test('two unread refs, or one that could not be checked: imported as unreadable', () => {
    expect(said([exists('r:a', 0), exists('r:b', 1)])).toEqual([
      'r:a: imported (could not be read, so not compared)',
      'r:b: imported (could not be read, so not compared)',
    ]);
    const unknown: Candidate = { ref: 'r:u', branchRank: 0, stage: 'app', state: 'unknown' };
    expect(said([unknown])).toEqual(['r:u: imported (could not be read, so not compared)']);
  });

  test('the only ref found, read: imported for its records', () => {
    expect(said([exists('r:a', 0, records({ x: 1 }))])).toEqual(['r:a: imported']);
  });

  test('a missing ref is never compared, whatever it holds', () => {
    const missing: Candidate = { ...exists('r:m', 0, records({ x: 1, y: 2 })), state: 'missing' };
    expect(said([missing, exists('r:a', 1, records({ x: 1 }))])).toEqual(['r:m: not found', 'r:a: imported']);
  });

  test('an empty ref is left out', () => {
    expect(said([exists('r:e', 0, records({})), exists('r:a', 1, records({ x: 1 }))])).toEqual([
      'r:e: left out: holds no cache records',
      'r:a: imported',
    ]);
  });
});

describe('contained and diverging refs', () => {
  test('a ref with the same records as an imported one is contained in it', () => {
    expect(said([exists('r:a', 0, records({ x: 1, y: 2 })), exists('r:b', 1, records({ x: 1, y: 2 }))])).toEqual([
      'r:a: imported',
      'r:b: left out: contained in r:a',
    ]);
  });

  test('of two diverging refs, the nearer branch wins, however old', () => {
    const near = exists('r:near', 0, records({ base: 1, old: 2 }));
    const far = exists('r:far', 1, records({ base: 1, fresh: 99 }));
    expect(said([near, far])).toEqual(['r:near: imported', 'r:far: left out: diverges from r:near']);
  });

  test('on one branch, the one whose own records are newer wins; shared records do not count', () => {
    const older = exists('r:a', 0, records({ shared: 500, a: 10 }), 'app');
    const newer = exists('r:b', 0, records({ shared: 500, b: 20 }), 'base');
    expect(said([older, newer])).toEqual(['r:a: left out: diverges from r:b', 'r:b: imported']);
    // The same times the other way round: the first keeps its place.
    const first = exists('r:a', 0, records({ shared: 500, a: 20 }), 'app');
    const second = exists('r:b', 0, records({ shared: 500, b: 10 }), 'base');
    expect(said([first, second])).toEqual(['r:a: imported', 'r:b: left out: diverges from r:a']);
  });

  test('a contained ref named without the ref that holds it', () => {
    expect(verdictText({ ref: 'r:x', imported: false, why: 'contained' })).toBe(
      'left out: contained in the imported refs',
    );
  });
});
