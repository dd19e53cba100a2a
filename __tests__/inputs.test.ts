import { describe, expect, test } from '@jest/globals';
import { InputError } from '../src/core/errors.js';
import { INPUT_DEFAULTS, parseBool, secretInputValues, withDefaults } from '../src/core/input-getter.js';
import { parseConfig, type Config } from '../src/core/inputs.js';
import { chooseMode, unusedInputs } from '../src/core/modes.js';
import { inputsOf, INPUTS } from '../src/core/input-table.js';
import { thrown } from './helpers.js';

/** The getter @actions/core gives: '' for anything not set. */
function config(inputs: Record<string, string> = {}): Config {
  const all = { image: 'ghcr.io/acme/app', ...inputs };
  return parseConfig((name) => all[name as keyof typeof all] ?? '');
}

function expectInputError(f: () => unknown, input: string, message?: RegExp): void {
  const e = thrown(f);
  expect(e).toBeInstanceOf(InputError);
  expect((e as InputError).input).toBe(input);
  expect(e.message.startsWith(`${input}: `)).toBe(true);
  if (message) expect(e.message).toMatch(message);
}

describe('parseConfig: defaults', () => {
  test('only image set: every other input takes its default', () => {
    expect(config()).toEqual({
      image: { repository: 'ghcr.io/acme/app', lowered: false },
      cacheType: 'registry',
      cacheDir: undefined,
      s3Bucket: undefined,
      s3Region: undefined,
      cacheOptions: [],
      cacheScope: undefined,
      extraCacheFrom: [],
      extraCacheTo: [],
      prefix: 'cache',
      mode: 'max',
      toOptions: [],
      stage: undefined,
      cacheStages: 'auto',
      branch: undefined,
      fallbackBranches: undefined,
      exportCache: 'auto',
      build: true,
      probeCache: true,
      pullRequestFallbacks: true,
      fallbackToInline: false,
      context: '.',
      file: undefined,
      target: undefined,
      tags: [],
      push: false,
      load: false,
      buildArgs: [],
      labels: [],
      platforms: [],
      builder: undefined,
      network: undefined,
      noCache: false,
      pull: false,
      secrets: [],
      secretSources: [],
      provenance: undefined,
      addHosts: [],
      allow: [],
      annotations: [],
      attests: [],
      buildContexts: [],
      call: undefined,
      cgroupParent: undefined,
      noCacheFilters: [],
      outputs: [],
      sbom: undefined,
      shmSize: undefined,
      ssh: [],
      ulimit: [],
      githubToken: undefined,
    } satisfies Config);
  });

  test('the same result when the getter returns the action.yml defaults explicitly', () => {
    const explicit = parseConfig((name) => (name === 'image' ? 'ghcr.io/acme/app' : (INPUT_DEFAULTS[name] ?? '')));
    expect(explicit).toEqual(config());
  });

  test('image may be empty here: only registry and inline caches need it (decide.ts checks)', () => {
    expect(parseConfig(() => '').image).toBeUndefined();
  });

  test('image is validated and lowered', () => {
    expect(config({ image: 'ghcr.io/Acme/App' }).image).toEqual({ repository: 'ghcr.io/acme/app', lowered: true });
    expectInputError(() => config({ image: 'ghcr.io/acme/app:v1' }), 'image', /has a tag/);
  });

  test('string inputs are trimmed; whitespace-only is unset', () => {
    const c = config({
      stage: '  deps ',
      branch: ' feature/x\n',
      target: '   ',
      file: ' docker/Dockerfile ',
      builder: ' b ',
      network: ' host ',
      provenance: ' mode=max ',
      'cache-tag-prefix': ' ci ',
      context: '   ',
    });
    expect(c.stage).toBe('deps');
    expect(c.branch).toBe('feature/x');
    expect(c.target).toBeUndefined();
    expect(c.file).toBe('docker/Dockerfile');
    expect(c.builder).toBe('b');
    expect(c.network).toBe('host');
    expect(c.provenance).toBe('mode=max');
    expect(c.prefix).toBe('ci');
    expect(c.context).toBe('.');
  });

  test('context is passed through', () => {
    expect(config({ context: './app' }).context).toBe('./app');
  });
});

describe('booleans', () => {
  test.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    [' true ', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ])('%p -> %p', (raw, value) => {
    expect(parseBool('push', raw)).toBe(value);
  });

  test.each(['yes', 'no', '1', '0', 'on', 'tRUE', 'y', ''])('%p is an InputError naming the input', (raw) => {
    expectInputError(() => parseBool('push', raw), 'push', /is not a boolean: use true or false/);
  });

  test.each([
    ['build', 'build'],
    ['push', 'push'],
    ['load', 'load'],
    ['no-cache', 'noCache'],
    ['pull', 'pull'],
  ] as const)('%s is a boolean input', (name, key) => {
    expect(config({ [name]: 'TRUE' })[key]).toBe(true);
    expect(config({ [name]: 'False' })[key]).toBe(false);
    expectInputError(() => config({ [name]: 'yes' }), name, /"yes" is not a boolean/);
  });
});

describe('cache-mode and export-cache', () => {
  test('cache-mode is case-insensitive, like export-cache', () => {
    expect(config({ 'cache-mode': 'MAX' }).mode).toBe('max');
  });

  test('cache-mode min and max', () => {
    expect(config({ 'cache-mode': 'min' }).mode).toBe('min');
    expect(config({ 'cache-mode': ' max ' }).mode).toBe('max');
  });

  test.each(['maximum', 'none', 'min,max'])('cache-mode %p is an InputError', (mode) => {
    expectInputError(() => config({ 'cache-mode': mode }), 'cache-mode', /is not a cache mode: use min or max/);
  });

  test.each([
    ['auto', 'auto'],
    ['true', 'true'],
    ['false', 'false'],
    ['TRUE', 'true'],
    [' False ', 'false'],
    ['Auto', 'auto'],
  ])('export-cache %p -> %p', (raw, value) => {
    expect(config({ 'export-cache': raw }).exportCache).toBe(value);
  });

  test.each(['yes', 'always', 'no', '1'])('export-cache %p is an InputError', (raw) => {
    expectInputError(() => config({ 'export-cache': raw }), 'export-cache', /is not valid: use auto, true or false/);
  });
});

describe('lists', () => {
  test('tags and platforms: commas or newlines', () => {
    const c = config({
      tags: 'ghcr.io/acme/app:latest, ghcr.io/acme/app:1.0\nghcr.io/acme/app:sha',
      platforms: 'linux/amd64,linux/arm64',
    });
    expect(c.tags).toEqual(['ghcr.io/acme/app:latest', 'ghcr.io/acme/app:1.0', 'ghcr.io/acme/app:sha']);
    expect(c.platforms).toEqual(['linux/amd64', 'linux/arm64']);
  });

  test('build-args and labels: one per line, commas kept inside values', () => {
    const c = config({
      'build-args': 'A=1\nLIST=a,b,c\n',
      labels: 'org.opencontainers.image.title=app, the app\nteam=x',
    });
    expect(c.buildArgs).toEqual(['A=1', 'LIST=a,b,c']);
    expect(c.labels).toEqual(['org.opencontainers.image.title=app, the app', 'team=x']);
  });

  test('fallback-branches: a list, or undefined when empty', () => {
    expect(config({ 'fallback-branches': 'develop, main' }).fallbackBranches).toEqual(['develop', 'main']);
    expect(config({ 'fallback-branches': 'develop\nrelease/1.x\n' }).fallbackBranches).toEqual([
      'develop',
      'release/1.x',
    ]);
    expect(config({ 'fallback-branches': ' , \n' }).fallbackBranches).toBeUndefined();
  });

  test('cache-stages: auto (any case) or a lower-cased list', () => {
    expect(config({ 'cache-stages': 'AUTO' }).cacheStages).toBe('auto');
    expect(config({ 'cache-stages': 'Deps, build\ntools' }).cacheStages).toEqual(['deps', 'build', 'tools']);
  });
});

describe('key=value inputs', () => {
  test('cache-to-options: comma- or newline-separated pairs, trimmed, in order', () => {
    expect(
      config({ 'cache-to-options': 'compression=zstd, ignore-error=false\ncompression-level = 3' }).toOptions,
    ).toEqual([
      ['compression', 'zstd'],
      ['ignore-error', 'false'],
      ['compression-level', '3'],
    ]);
  });

  test('a value may contain = and may be empty', () => {
    expect(config({ 'cache-to-options': 'a=b=c,d=' }).toOptions).toEqual([
      ['a', 'b=c'],
      ['d', ''],
    ]);
  });

  test.each(['compression', '=zstd', 'compression=zstd,oops'])('cache-to-options %p is an InputError', (raw) => {
    expectInputError(() => config({ 'cache-to-options': raw }), 'cache-to-options', /is not key=value/);
  });

  test('secrets: one id=value per line; values may hold commas and =', () => {
    expect(config({ secrets: 'token=abc,def\nnpmrc=//registry/:_authToken=x' }).secrets).toEqual([
      { id: 'token', value: 'abc,def' },
      { id: 'npmrc', value: '//registry/:_authToken=x' },
    ]);
  });

  test('a secret line without = is an InputError naming secrets', () => {
    expectInputError(() => config({ secrets: 'token=abc\njustavalue' }), 'secrets', /^secrets: item 2 is not id=value/);
  });
});

describe('the input table', () => {
  test('parseConfig reads exactly the inputs the table gives a build', () => {
    const read = new Set<string>();
    parseConfig((name) => {
      read.add(name);
      return name === 'image' ? 'a/b' : '';
    });
    expect([...read].sort()).toEqual(
      inputsOf('build')
        .map((i) => i.name)
        .sort(),
    );
  });

  test('one row per name, and a default every kind can parse', () => {
    const names = INPUTS.map((i) => i.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    const bad = INPUTS.filter((i) => i.kind === 'bool' && !['true', 'false'].includes(i.default)).map((i) => i.name);
    expect(bad).toEqual([]);
  });

  test('asking for an input that is not in the table is a bug, said as one', () => {
    expect(() => withDefaults(() => '')('no-such-input')).toThrow(
      'no input "no-such-input" in src/core/input-table.ts',
    );
  });
});

describe('modes', () => {
  const get = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? '';

  test('building unless a switch says otherwise; a switch that is not a boolean is an error', () => {
    expect(chooseMode(get({}))).toBe('build');
    expect(chooseMode(get({ cleanup: 'false' }))).toBe('build');
    expect(chooseMode(get({ cleanup: 'true' }))).toBe('cleanup');
    expectInputError(() => chooseMode(get({ cleanup: 'yes' })), 'cleanup', /^cleanup: "yes" is not a boolean/);
    // Blanks are not given (a switch set from an empty expression).
    expect(chooseMode(get({ cleanup: '  ', sweep: ' true ' }))).toBe('sweep');
    expectInputError(() => chooseMode(get({ sweep: 'true', bake: 'true' })), 'bake', /^bake: and sweep are both true/);
  });

  test('an input of blanks is not given: never named as unused', () => {
    expect(unusedInputs('build', get({ 'dry-run': '   ', 'keep-for': '\t' }))).toEqual([]);
  });

  test('inputs given for another mode are named; defaults and the switches are not', () => {
    expect(unusedInputs('build', get({ 'dry-run': 'true', push: 'true', 'request-timeout': '30' }))).toEqual([
      'dry-run',
    ]);
    expect(unusedInputs('cleanup', get({ cleanup: 'true', push: 'true', image: 'a/b', 'dry-run': 'true' }))).toEqual([
      'push',
    ]);
  });

  test('secret inputs are masked whatever they hold; others are not', () => {
    expect(secretInputValues(get({ 'github-token': ' ghp_x ', image: 'a/b' }))).toEqual(['ghp_x']);
    expect(secretInputValues(get({}))).toEqual([]);
  });
});
