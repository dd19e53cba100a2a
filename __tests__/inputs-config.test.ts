// parseConfig (src/core/inputs.ts), input by input: what each becomes in the
// configuration, and what each refuses, with the message that names it.
import { describe, expect, test } from '@jest/globals';
import { InputError } from '../src/core/errors.js';
import { optionWarnings, parseConfig, type Config } from '../src/core/inputs.js';
import { thrown } from './helpers.js';

function config(inputs: Record<string, string> = {}): Config {
  const all: Record<string, string> = { image: 'ghcr.io/acme/app', ...inputs };
  return parseConfig((name) => all[name] ?? '');
}

function refusal(inputs: Record<string, string>): [string, string] {
  const e = thrown(() => config(inputs));
  expect(e).toBeInstanceOf(InputError);
  return [(e as InputError).input, e.message];
}

describe('one-line inputs: trimmed, blank is unset', () => {
  const fields = {
    'cache-dir': 'cacheDir',
    's3-bucket': 's3Bucket',
    's3-region': 's3Region',
    'cache-scope': 'cacheScope',
    stage: 'stage',
    call: 'call',
    'cgroup-parent': 'cgroupParent',
    sbom: 'sbom',
    'shm-size': 'shmSize',
    'github-token': 'githubToken',
    target: 'target',
  } as const;

  test.each(Object.entries(fields))('%s -> %s', (input, key) => {
    expect([config({ [input]: '  v1 ' })[key], config({ [input]: ' \t ' })[key]]).toEqual(['v1', undefined]);
  });
});

describe('refusals name the input and say what it takes', () => {
  test('cache-mode: the lower-cased value', () => {
    expect(refusal({ 'cache-mode': ' Maximum ' })).toEqual([
      'cache-mode',
      'cache-mode: "maximum" is not a cache mode: use min or max',
    ]);
  });

  test('export-cache: the value as given', () => {
    expect(refusal({ 'export-cache': 'Yes' })).toEqual([
      'export-cache',
      'export-cache: "Yes" is not valid: use auto, true or false',
    ]);
  });

  test('cache-type: any case of a known type, else every type named', () => {
    expect(config({ 'cache-type': ' LOCAL ' }).cacheType).toBe('local');
    expect(refusal({ 'cache-type': 'Disk' })).toEqual([
      'cache-type',
      'cache-type: "Disk" is not a cache type: use one of registry, local, gha, s3, inline',
    ]);
  });

  test('cache-stages and secret-files: a bad value names its own input', () => {
    expect(refusal({ 'cache-stages': '"deps' })).toEqual([
      'cache-stages',
      'cache-stages: a double quote is not closed (line 1): close it, or write "" for a quote inside a quoted field ' +
        '(the value is not shown: it may hold a secret)',
    ]);
    expect(refusal({ 'secret-files': 'a=./a\njustapath' })).toEqual([
      'secret-files',
      'secret-files: item 2 is not id=path (it is not shown: it may hold a secret)',
    ]);
  });

  test('an unclosed quote in provenance, sbom, an attestation or an output names that input', () => {
    expect(refusal({ provenance: 'mode="max' })[0]).toBe('provenance');
    expect(refusal({ sbom: 'generator="x' })[0]).toBe('sbom');
    expect(refusal({ attests: 'type=sbom\ntype=provenance,builder-id="x' })[0]).toBe('attests');
    expect(refusal({ outputs: 'type=local,dest="out' })[0]).toBe('outputs');
  });
});

describe('booleans', () => {
  test.each([
    ['probe-cache', 'probeCache', true],
    ['pull-request-fallbacks', 'pullRequestFallbacks', true],
    ['fallback-to-inline', 'fallbackToInline', false],
  ] as const)('%s -> %s, default %s', (input, key, byDefault) => {
    expect([config()[key], config({ [input]: 'true' })[key], config({ [input]: 'false' })[key]]).toEqual([
      byDefault,
      true,
      false,
    ]);
    expect(refusal({ [input]: 'maybe' })).toEqual([input, `${input}: "maybe" is not a boolean: use true or false`]);
  });
});

describe('lists', () => {
  test('comma lists: add-hosts, allow, no-cache-filters, ssh, platforms', () => {
    const c = config({
      'add-hosts': 'a:1.2.3.4, b:5.6.7.8',
      allow: 'network.host,security.insecure',
      'no-cache-filters': 'deps\nbuild,test',
      ssh: 'default, git=/k',
      platforms: 'linux/amd64\nlinux/arm64',
    });
    expect([c.addHosts, c.allow, c.noCacheFilters, c.ssh, c.platforms]).toEqual([
      ['a:1.2.3.4', 'b:5.6.7.8'],
      ['network.host', 'security.insecure'],
      ['deps', 'build', 'test'],
      ['default', 'git=/k'],
      ['linux/amd64', 'linux/arm64'],
    ]);
  });

  test('line lists keep commas: annotations, attests, build-contexts, ulimit', () => {
    const c = config({
      annotations: 'index:a=1,2\nb=3',
      attests: 'type=sbom,generator=x\ntype=provenance,mode=max',
      'build-contexts': 'base=docker-image://alpine\nsrc=./a,b',
      ulimit: 'nofile=1024:1024\nnproc=10',
    });
    expect([c.annotations, c.attests, c.buildContexts, c.ulimit]).toEqual([
      ['index:a=1,2', 'b=3'],
      ['type=sbom,generator=x', 'type=provenance,mode=max'],
      ['base=docker-image://alpine', 'src=./a,b'],
      ['nofile=1024:1024', 'nproc=10'],
    ]);
  });

  test('outputs keep their double quotes (buildx reads them); other lists take CSV quoting', () => {
    expect(config({ outputs: 'type=local,"dest=a b"' }).outputs).toEqual(['type=local,"dest=a b"']);
    expect(config({ labels: '"a=x,y"' }).labels).toEqual(['a=x,y']);
  });

  test('cache-from before extra-cache-from, cache-to before extra-cache-to', () => {
    const c = config({
      'cache-from': 'type=gha\ntype=local,src=a',
      'extra-cache-from': 'type=local,src=b',
      'cache-to': 'type=local,dest=c',
      'extra-cache-to': 'type=local,dest=d',
    });
    expect([c.extraCacheFrom, c.extraCacheTo]).toEqual([
      ['type=gha', 'type=local,src=a', 'type=local,src=b'],
      ['type=local,dest=c', 'type=local,dest=d'],
    ]);
  });

  test('cache-stages: auto with blanks around it, or items with blanks dropped', () => {
    expect(config({ 'cache-stages': '  Auto\n' }).cacheStages).toBe('auto');
    expect(config({ 'cache-stages': ' Deps ,, Build ' }).cacheStages).toEqual(['deps', 'build']);
  });

  test('secret-envs, then secret-files', () => {
    expect(config({ 'secret-files': 'b=./b', 'secret-envs': 'a=A' }).secretSources).toEqual([
      { id: 'a', kind: 'env', from: 'A' },
      { id: 'b', kind: 'src', from: './b' },
    ]);
  });
});

describe('cache options', () => {
  test("cache-options' keys are lower-cased; cache-to-options' are kept, and checked lower-cased", () => {
    const c = config({ 'cache-options': 'Ignore-Error=true', 'cache-to-options': 'Ignore-Error=false' });
    expect([c.cacheOptions, c.toOptions]).toEqual([[['ignore-error', 'true']], [['Ignore-Error', 'false']]]);
    expect(optionWarnings(c)).toEqual([
      'cache-to-options: ignore-error=false: a cache export that fails (a registry or cache service down, no ' +
        'permission) then fails the build; the action sets ignore-error=true so that a cache never fails a good build',
    ]);
  });

  test('both inputs are checked for the cache type, in order, cache-options first', () => {
    const c = config({ 'cache-options': 'Ignore-Error=false', 'cache-to-options': 'ignore-error=false' });
    expect(optionWarnings(c).map((w) => w.split(':')[0])).toEqual(['cache-options', 'cache-to-options']);
    expect(optionWarnings(config())).toEqual([]);
  });

  test('a value BuildKit cannot read is refused now, naming the input', () => {
    expect(refusal({ 'cache-options': 'ignore-error="x"' })[0]).toBe('cache-options');
    expect(refusal({ 'cache-to-options': 'IGNORE-ERROR="x"' })[0]).toBe('cache-to-options');
  });

  test('keys and values are trimmed; the item that is not key=value is named by number', () => {
    expect(config({ 'cache-to-options': ' compression = zstd ' }).toOptions).toEqual([['compression', 'zstd']]);
    expect(refusal({ 'cache-options': 'ignore-error=true,=x' })).toEqual([
      'cache-options',
      'cache-options: item 2 is not key=value (it is not shown: it may hold a secret); commas separate items: ' +
        'put an item that holds one in double quotes',
    ]);
  });
});

describe('context and image', () => {
  test('context: trimmed; blank is the current directory', () => {
    expect([config({ context: ' ./app ' }).context, config({ context: ' ' }).context]).toEqual(['./app', '.']);
  });

  test('image: blank is none', () => {
    expect(config({ image: '   ' }).image).toBeUndefined();
    expect(config({ image: ' ghcr.io/a/b ' }).image).toEqual({ repository: 'ghcr.io/a/b', lowered: false });
  });
});
