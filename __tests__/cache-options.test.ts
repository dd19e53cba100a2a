// The options a user may add to a cache import or export (cache-options.ts):
// the keys the action keeps to itself, the values BuildKit reads for each
// key, and the warnings for keys it does not know or that defeat the plan.
import { describe, expect, test } from '@jest/globals';
import type { Backend, CacheType } from '../src/core/backend.js';
import { checkCacheOptions, checkOptions } from '../src/core/cache-options.js';
import { InputError } from '../src/core/errors.js';

const NOT_SHOWN = '(the value is not shown: it may hold a secret)';

/** The error `fn` throws (the test fails when it throws none). */
function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError, got none');
}

const BACKENDS: Record<CacheType, Backend> = {
  registry: { type: 'registry', image: 'ghcr.io/acme/app', options: [] },
  inline: { type: 'inline', image: 'ghcr.io/acme/app', options: [] },
  local: { type: 'local', cacheDir: '/cache', options: [] },
  gha: { type: 'gha', options: [] },
  s3: { type: 's3', s3: { bucket: 'b', region: 'r' }, options: [] },
};

describe("checkOptions: the keys that say where the cache goes are the action's", () => {
  test.each([
    ['registry', ['type', 'ref']],
    ['inline', ['type', 'ref']],
    ['local', ['type', 'src', 'dest']],
    ['gha', ['type', 'scope']],
    ['s3', ['type', 'name', 'bucket', 'region']],
  ] as const)('%s: %j are refused', (type, keys) => {
    for (const key of keys) {
      const e = thrown(() =>
        checkOptions(BACKENDS[type], 'cache-options', [
          ['mode', 'max'],
          [key, 'x'],
        ]),
      );
      expect(e.message).toBe(`cache-options: cannot set "${key}": the action decides where the ${type} cache goes`);
    }
  });

  test("another backend's place keys are fine", () => {
    expect(() =>
      checkOptions(BACKENDS.registry, 'cache-to-options', [
        ['scope', 'x'],
        ['dest', 'y'],
        ['bucket', 'z'],
      ]),
    ).not.toThrow();
    expect(() => checkOptions(BACKENDS.gha, 'cache-options', [['ref', 'x']])).not.toThrow();
  });
});

describe('checkCacheOptions: values', () => {
  test.each([
    ['local', 'image-manifest', ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'False']],
    ['registry', 'force-compression', ['', 'true', 'false']],
    ['registry', 'mode', ['min', 'max']],
    ['local', 'compression', ['uncompressed', 'gzip', 'estargz', 'zstd']],
    ['registry', 'compression-level', ['0', '3', '+3', '-1', '22']],
    ['gha', 'timeout', ['0', '10m', '1h30m', '1.5h', '.5s', '300ms', '2us', '-3s', '+1m']],
    ['s3', 'touch_refresh', ['24h', '90s']],
    ['gha', 'url', ['', 'anything, at all']],
  ] as const)('%s %s takes %j', (type, key, values) => {
    for (const value of values) expect(checkCacheOptions(type, 'cache-to-options', [[key, value]])).toEqual([]);
  });

  test.each([
    ['registry', 'oci-mediatypes', ['', 'yes', 'on', 'truee', 'xtrue', 'tRUE'], 'must be true or false'],
    ['registry', 'ignore-error', ['', 'no'], 'must be true or false'],
    ['local', 'force-compression', ['yes', 'on'], 'must be true or false'],
    ['gha', 'mode', ['', 'MAX', 'maximum', 'xmin'], 'must be min or max'],
    ['registry', 'compression', ['', 'brotli', 'GZIP', 'gzipx'], 'must be one of uncompressed, gzip, estargz, zstd'],
    ['local', 'compression-level', ['', 'high', '3.5', 'x3', '3x', '1 2'], 'must be a whole number'],
    ['gha', 'timeout', ['', 'ten', '10', '10 m', 'm10', '1d', '10mx'], 'must be a duration such as 10m or 1h30m'],
  ] as const)('%s %s refuses %j: %s, naming the item, never the value', (type, key, values, why) => {
    for (const value of values) {
      const e = thrown(() =>
        checkCacheOptions(type, 'cache-to-options', [
          ['mode', 'max'],
          [key, value],
        ]),
      );
      expect(e.message).toBe(`cache-to-options: item 2, ${key}, ${why} ${NOT_SHOWN}`);
    }
  });

  test("`type` is let through here as text (checkOptions says it is the action's)", () => {
    expect(checkCacheOptions('registry', 'cache-options', [['type', 'whatever']])).toEqual([]);
  });

  test('a double quote in a value is an error naming the item and key, never the value', () => {
    const e = thrown(() =>
      checkCacheOptions('gha', 'cache-options', [
        ['url', 'http://x'],
        ['token', 'ab"c'],
      ]),
    );
    expect(e.message).toBe(
      'cache-options: item 2, token, holds a double quote, which buildx cannot read in a cache option: ' +
        `write values without quotes (they cannot hold commas or quotes) ${NOT_SHOWN}`,
    );
  });

  test('a double quote in a key is an error that does not repeat the key', () => {
    const e = thrown(() => checkCacheOptions('gha', 'cache-options', [['to"ken', 'abc']]));
    expect(e.message).toBe(
      'cache-options: item 1 holds a double quote, which buildx cannot read in a cache option: ' +
        `write values without quotes (they cannot hold commas or quotes) ${NOT_SHOWN}`,
    );
  });
});

describe('checkCacheOptions: warnings', () => {
  const UNKNOWN_END = '; BuildKit ignores options it does not know';

  test('a typo of a known key names it', () => {
    expect(checkCacheOptions('s3', 'cache-options', [['regoin', 'eu']])).toEqual([
      `cache-options: "regoin" is not an option BuildKit 0.13 knows for s3 caches (did you mean region?)${UNKNOWN_END}`,
    ]);
  });

  test('a key of other backends names them (not inline, whose keys every exporter has)', () => {
    expect(checkCacheOptions('gha', 'cache-to-options', [['compression', 'zstd']])).toEqual([
      `cache-to-options: "compression" is not an option BuildKit 0.13 knows for gha caches ` +
        `(it is one of registry, local caches)${UNKNOWN_END}`,
    ]);
    expect(checkCacheOptions('local', 'cache-to-options', [['use_path_style', 'true']])).toEqual([
      `cache-to-options: "use_path_style" is not an option BuildKit 0.13 knows for local caches ` +
        `(it is one of s3 caches)${UNKNOWN_END}`,
    ]);
  });

  test('a key no backend knows, nor near one: no hint', () => {
    expect(checkCacheOptions('registry', 'cache-options', [['frobnicate', '1']])).toEqual([
      `cache-options: "frobnicate" is not an option BuildKit 0.13 knows for registry caches${UNKNOWN_END}`,
    ]);
  });

  test('an unknown key is not checked further: the next items still are', () => {
    const e = thrown(() =>
      checkCacheOptions('gha', 'cache-to-options', [
        ['frobnicate', 'x'],
        ['mode', 'x'],
      ]),
    );
    expect(e.message).toBe(`cache-to-options: item 2, mode, must be min or max ${NOT_SHOWN}`);
  });

  test('inline cache-options go to registry imports: checked as registry options', () => {
    expect(checkCacheOptions('inline', 'cache-options', [['registry.insecure', 'true']])).toEqual([]);
    expect(checkCacheOptions('inline', 'cache-to-options', [['registry.insecure', 'true']])).toEqual([
      `cache-to-options: "registry.insecure" is not an option BuildKit 0.13 knows for inline caches ` +
        `(it is one of registry caches)${UNKNOWN_END}`,
    ]);
  });

  const LAYOUT = (input: string, key: string) =>
    `${input}: ${key}=false: GHCR, ECR and Harbor reject a cache exported without the OCI image-manifest ` +
    `layout, or lose it; the action exports with image-manifest=true and oci-mediatypes=true for that reason`;

  test('oci-mediatypes or image-manifest false, for a registry or an inline import: the layout warning', () => {
    expect(
      checkCacheOptions('registry', 'cache-to-options', [
        ['oci-mediatypes', 'false'],
        ['image-manifest', '0'],
        ['oci-mediatypes', 'true'],
      ]),
    ).toEqual([LAYOUT('cache-to-options', 'oci-mediatypes'), LAYOUT('cache-to-options', 'image-manifest')]);
    expect(checkCacheOptions('inline', 'cache-options', [['image-manifest', 'F']])).toEqual([
      LAYOUT('cache-options', 'image-manifest'),
    ]);
  });

  test('the same on a local cache, which is no registry: no warning', () => {
    expect(checkCacheOptions('local', 'cache-to-options', [['oci-mediatypes', 'false']])).toEqual([]);
    expect(checkCacheOptions('local', 'cache-options', [['image-manifest', 'false']])).toEqual([]);
    expect(checkCacheOptions('registry', 'cache-to-options', [['registry.insecure', 'false']])).toEqual([]);
  });

  test('ignore-error false, on any backend: the build would fail with the cache', () => {
    const warning =
      'cache-options: ignore-error=false: a cache export that fails (a registry or cache service down, no permission) ' +
      'then fails the build; the action sets ignore-error=true so that a cache never fails a good build';
    for (const type of ['registry', 'local', 'gha', 's3'] as const) {
      expect(checkCacheOptions(type, 'cache-options', [['ignore-error', 'False']])).toEqual([warning]);
      expect(checkCacheOptions(type, 'cache-options', [['ignore-error', 'true']])).toEqual([]);
    }
  });
});
