// Issue 13, items 6, 12 and 13: inputs that would become runner commands,
// credentials quoted in errors, and cache options that break the export. The
// pure checks; the bundled action as the runner runs it:
// __tests__/bundle/option-checks.test.ts.
import { describe, expect, test } from '@jest/globals';
import { CACHE_OPTION_KEYS, checkCacheOptions } from '../src/core/cache-options.js';
import { InputError } from '../src/core/errors.js';
import { optionWarnings, parseConfig, type Config } from '../src/core/inputs.js';
import { secretOptionValues } from '../src/core/redact.js';
import { thrown } from './helpers.js';

function config(inputs: Record<string, string> = {}): Config {
  const all: Record<string, string> = { image: 'ghcr.io/acme/app', ...inputs };
  return parseConfig((name) => all[name] ?? '');
}

function inputError(f: () => unknown, input: string): string {
  const e = thrown(f);
  expect(e).toBeInstanceOf(InputError);
  expect((e as InputError).input).toBe(input);
  return e.message;
}

const SINGLE_LINE = [
  'branch',
  'context',
  'network',
  'builder',
  'provenance',
  'cache-dir',
  's3-bucket',
  's3-region',
  'image',
  'target',
  'stage',
  'file',
  'cache-scope',
  'cache-tag-prefix',
];

describe('item 6: control characters in single-line inputs', () => {
  test.each(
    SINGLE_LINE.flatMap((name) => [
      [name, '\n'],
      [name, '\r'],
      [name, '\u2028'],
    ]),
  )('item 6: %s with %j inside is an input error that does not echo the value', (name, ch) => {
    const message = inputError(() => config({ [name]: `x${ch}::warning::FORGED` }), name);
    expect(message).toMatch(
      new RegExp(`^${name}: holds a line break or another control character \\(U\\+[0-9A-F]{4}, character 2\\)`),
    );
    expect(message).not.toContain('FORGED');
    expect(message).not.toMatch(/[\r\n\u2028]/);
  });

  test('item 6: a trailing newline (a YAML block scalar) is not an error; list inputs are still split on newlines', () => {
    expect(config({ branch: 'main\n' }).branch).toBe('main');
    expect(config({ tags: 'a:1\r\nb:2\n' }).tags).toEqual(['a:1', 'b:2']);
    expect(config({ 'build-args': 'A=1\nB=2' }).buildArgs).toEqual(['A=1', 'B=2']);
  });

  test('item 6: a list item with a control character inside is an input error naming the line', () => {
    expect(inputError(() => config({ tags: 'a:1\nb\r::warning::FORGED' }), 'tags')).toMatch(
      /^tags: line 2 holds a line break or another control character \(U\+000D, character 2\)/,
    );
  });

  test('item 6: secrets are multi-line by design and never echoed', () => {
    expect(config({ secrets: '"KEY=-----BEGIN-----\nabc\n-----END-----"' }).secrets).toHaveLength(1);
  });
});

describe('item 12: a mistyped credential is never echoed', () => {
  test.each(['cache-options', 'cache-to-options'])(
    'item 12: %s token:ghp_... (a colon for =): the item number, not the value',
    (input) => {
      const message = inputError(
        () => config({ 'cache-type': 'gha', [input]: 'url=http://127.0.0.1:1/, token:ghp_abcdef0123456789' }),
        input,
      );
      expect(message).toBe(
        `${input}: item 2 is not key=value (it is not shown: it may hold a secret); ` +
          'commas separate items: put an item that holds one in double quotes',
      );
    },
  );

  test('item 12: values of keys that look secret are masked, and any value longer than 16 characters', () => {
    expect(
      secretOptionValues([
        ['token', 'abc'],
        ['secret_access_key', 'k1'],
        ['password', 'pw'],
        ['api_key', 'ak'],
        ['credential', 'cr'],
        ['X-Auth-Token', 'xt'],
        ['region', 'eu-west-1'],
        ['endpoint_url', 'http://127.0.0.1:9000/minio'],
        ['mode', 'max'],
      ]),
    ).toEqual(['abc', 'k1', 'pw', 'ak', 'cr', 'xt', 'http://127.0.0.1:9000/minio']);
  });

  test('item 12: errors about a value never quote it, whatever the key', () => {
    for (const raw of ['token="ghp_0123456789abcdef"', 'mode=ghp_0123456789abcdef', 'password=a"b']) {
      expect(thrown(() => config({ 'cache-options': raw })).message).not.toContain('ghp_0123456789abcdef');
      expect(thrown(() => config({ 'cache-options': raw })).message).toMatch(/not shown: it may hold a secret/);
    }
  });
});

describe('item 13: cache options checked against what BuildKit 0.13 knows', () => {
  const check = (type: Parameters<typeof checkCacheOptions>[0], input: string, raw: string) => {
    const pairs = raw
      .split(',')
      .map((kv): [string, string] => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]);
    return checkCacheOptions(type, input, pairs);
  };

  test('item 13: known keys of each backend pass without a word', () => {
    expect(
      check(
        'registry',
        'cache-to-options',
        'compression=zstd,compression-level=3,force-compression=true,registry.insecure=true,mode=min,ignore-error=true',
      ),
    ).toEqual([]);
    expect(check('local', 'cache-to-options', 'compression=gzip,image-manifest=true,oci-mediatypes=true')).toEqual([]);
    expect(check('gha', 'cache-options', 'url=http://x/,token=t,timeout=10m30s')).toEqual([]);
    expect(
      check(
        's3',
        'cache-options',
        'endpoint_url=http://m:9000,use_path_style=true,access_key_id=a,secret_access_key=s,session_token=t,prefix=p/,manifests_prefix=m/,blobs_prefix=b/,touch_refresh=24h',
      ),
    ).toEqual([]);
    expect(check('inline', 'cache-to-options', 'mode=min')).toEqual([]);
  });

  test('item 13: oci-mediatypes=false and image-manifest=false on registry warn that GHCR/ECR/Harbor reject or lose the cache', () => {
    for (const raw of ['oci-mediatypes=false', 'image-manifest=false']) {
      const [w, ...more] = check('registry', 'cache-to-options', raw);
      expect(more).toEqual([]);
      expect(w).toMatch(new RegExp(`^cache-to-options: ${raw}: GHCR, ECR and Harbor`));
    }
  });

  test('item 13: ignore-error=false warns that a failed export fails the build', () => {
    expect(check('gha', 'cache-to-options', 'ignore-error=false')).toEqual([
      'cache-to-options: ignore-error=false: a cache export that fails (a registry or cache service down, no permission) then fails the build; the action sets ignore-error=true so that a cache never fails a good build',
    ]);
  });

  test('item 13: an unknown key warns, naming the close known one for a typo', () => {
    expect(check('registry', 'cache-to-options', 'ignore_error=true')).toEqual([
      'cache-to-options: "ignore_error" is not an option BuildKit 0.13 knows for registry caches (did you mean ignore-error?); BuildKit ignores options it does not know',
    ]);
    expect(check('registry', 'cache-options', 'endpoint_url=http://x')[0]).toMatch(
      /^cache-options: "endpoint_url" is not an option BuildKit 0.13 knows for registry caches \(it is one of s3 caches\)/,
    );
    expect(check('gha', 'cache-options', 'frobnicate=1')[0]).toMatch(
      /^cache-options: "frobnicate" is not an option BuildKit 0.13 knows for gha caches; BuildKit ignores/,
    );
  });

  test.each([
    ['registry', 'a=b"c', /^cache-to-options: item 1, a, holds a double quote/],
    ['registry', 'oci-mediatypes=nah', /^cache-to-options: item 1, oci-mediatypes, must be true or false/],
    ['registry', 'ignore-error=yes', /^cache-to-options: item 1, ignore-error, must be true or false/],
    ['gha', 'mode=maximum', /^cache-to-options: item 1, mode, must be min or max/],
    [
      'registry',
      'compression=brotli',
      /^cache-to-options: item 1, compression, must be one of uncompressed, gzip, estargz, zstd/,
    ],
    ['registry', 'compression-level=high', /^cache-to-options: item 1, compression-level, must be a whole number/],
    ['gha', 'timeout=ten', /^cache-to-options: item 1, timeout, must be a duration such as 10m or 1h30m/],
    ['s3', 'use_path_style=maybe', /^cache-to-options: item 1, use_path_style, must be true or false/],
  ] as const)('item 13: %s %s is an error that does not quote the value', (type, raw, message) => {
    const e = thrown(() => check(type, 'cache-to-options', raw));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(message);
    expect(e.message).toContain('(the value is not shown: it may hold a secret)');
    expect(e.message).not.toContain(raw.slice(raw.indexOf('=') + 1));
  });

  test('item 13: one table, per backend, that names where each key comes from', () => {
    expect(Object.keys(CACHE_OPTION_KEYS).sort()).toEqual(['gha', 'inline', 'local', 'registry', 's3']);
    expect(CACHE_OPTION_KEYS.registry['oci-mediatypes']).toBe('bool');
    expect(CACHE_OPTION_KEYS.gha['compression']).toBeUndefined(); // only registry and local compress in 0.13
  });

  test('item 13: parseConfig fails on unparsable values; optionWarnings says the rest', () => {
    expect(() => config({ 'cache-to-options': 'a=b"c' })).toThrow(/^cache-to-options: item 1, a, holds a double quote/);
    expect(
      optionWarnings(
        config({ 'cache-to-options': 'oci-mediatypes=false,ignore_error=true', 'cache-options': 'ignore-error=false' }),
      ),
    ).toEqual([
      expect.stringMatching(/^cache-options: ignore-error=false: /),
      expect.stringMatching(/^cache-to-options: oci-mediatypes=false: GHCR, ECR and Harbor/),
      expect.stringMatching(/^cache-to-options: "ignore_error" is not an option/),
    ]);
    // inline: the imports are registry refs, the export is type=inline.
    expect(
      optionWarnings(
        config({ 'cache-type': 'inline', 'cache-options': 'registry.insecure=true', 'cache-to-options': 'mode=min' }),
      ),
    ).toEqual([]);
  });
});
