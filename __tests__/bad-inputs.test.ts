// Refusing push and load together where the builder cannot do both, and
// reading buildx's version (in this process). Every bad input through the
// bundle: __tests__/bundle/bad-inputs.test.ts.
import { describe, expect, test } from '@jest/globals';
import { checkBuilder, parseInspect } from '../src/core/builder.js';

describe('push and load together', () => {
  const inspect = (version: string) =>
    parseInspect(
      `Name:          ci\nDriver:        docker-container\n\nNodes:\nName:      ci0\nStatus:    running\nBuildKit version: ${version}\n`,
    );
  const needs = { cacheType: 'registry' as const, exporting: true, push: true, load: true, fallbackToInline: false };

  test('refused where the builder cannot do both (BuildKit before 0.13)', () => {
    expect(checkBuilder(inspect('v0.12.5'), needs)).toEqual({
      ok: false,
      input: 'load',
      message:
        'push and load together need BuildKit 0.13 or later, and builder "ci" runs v0.12.5: drop one of them, or update the builder',
    });
  });

  test('allowed from 0.13 on, and when the builder does not say (distribution builds)', () => {
    expect(checkBuilder(inspect('v0.13.2'), needs)).toEqual({ ok: true });
    expect(checkBuilder(inspect('v0.0.0+unknown'), needs)).toEqual({ ok: true });
  });
});

describe('buildx version', () => {
  test('read from `docker buildx version`', async () => {
    const { buildxMinor } = await import('../src/core/builder.js');
    expect(buildxMinor('github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3')).toBe(13);
    expect(buildxMinor('github.com/docker/buildx v0.10.4 c513d34')).toBe(10);
    expect(buildxMinor('something else')).toBeUndefined();
  });
});
