// A bounded number of promises at a time (src/core/map-limit.ts): every item,
// results in the items' order, never more than `limit` running at once.
import { describe, expect, test } from '@jest/globals';
import { mapLimit } from '../src/core/map-limit.js';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

/** fn for mapLimit that records how many calls run at once, finishing in an order unlike the items'. */
function tracked() {
  let running = 0;
  const seen: number[] = [];
  const fn = async (n: number) => {
    running++;
    seen.push(running);
    for (let i = 0; i < (n % 3) + 1; i++) await tick();
    running--;
    return n * 10;
  };
  return { fn, maxRunning: () => Math.max(0, ...seen), calls: () => seen.length };
}

describe('mapLimit', () => {
  test('results in the order of the items, each item once', async () => {
    const t = tracked();
    expect(await mapLimit([5, 1, 4, 2, 3, 0, 7], 3, t.fn)).toEqual([50, 10, 40, 20, 30, 0, 70]);
    expect(t.calls()).toEqual(7);
  });

  test('at most limit at a time, and as many as limit when there are enough items', async () => {
    const t = tracked();
    await mapLimit([1, 2, 3, 4, 5, 6, 7, 8], 3, t.fn);
    expect(t.maxRunning()).toEqual(3);
    const one = tracked();
    await mapLimit([1, 2, 3], 1, one.fn);
    expect(one.maxRunning()).toEqual(1);
  });

  test('a limit above the number of items starts each item once', async () => {
    const t = tracked();
    expect(await mapLimit([1, 2], 8, t.fn)).toEqual([10, 20]);
    expect([t.calls(), t.maxRunning()]).toEqual([2, 2]);
  });

  test('no items: no calls, an empty result', async () => {
    const t = tracked();
    expect(await mapLimit([], 4, t.fn)).toEqual([]);
    expect(t.calls()).toEqual(0);
  });

  test('a failing call rejects the whole map', async () => {
    await expect(
      mapLimit([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('item 2 failed');
        return n;
      }),
    ).rejects.toThrow('item 2 failed');
  });
});
