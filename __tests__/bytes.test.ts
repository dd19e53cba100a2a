// core/bytes.ts: sizes as the log and the summary write them.
import { describe, expect, test } from '@jest/globals';
import { formatBytes } from '../src/core/bytes.js';

describe('formatBytes', () => {
  test('bytes below 1 KiB as they are; each unit from exactly 1024 of the one below; TiB is the last', () => {
    const k = 1024;
    expect([0, 1023, k, 1536, k ** 2, k ** 3, 1.5 * k ** 4, k ** 5].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '1.0 MiB',
      '1.0 GiB',
      '1.5 TiB',
      '1024.0 TiB',
    ]);
  });
});
