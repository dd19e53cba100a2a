import { describe, expect, test } from '@jest/globals';
import { InputError } from '../src/core/errors.js';
import { renderOptions } from '../src/core/backend.js';
import { cacheName, checkNamePart, legacyEntry, planCache, type PlanInput } from '../src/core/plan.js';
import { shortHash } from '../src/core/tag.js';
import { thrown } from './helpers.js';

const IMAGE = 'ghcr.io/acme/app';

function input(over: Partial<PlanInput> = {}): PlanInput {
  return {
    backend: { type: 'registry', image: IMAGE, options: [] },
    prefix: 'cache',
    stage: 'build',
    importStages: ['build', 'dependencies'],
    branch: 'feature/Login-FORM',
    fallbacks: ['develop', 'main'],
    exportCache: true,
    mode: 'max',
    toOptions: [],
    ...over,
  };
}

const EXPORT_TAIL = 'mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true';

describe('planCache: imports', () => {
  test('branch first, then each fallback; within a branch, this stage first, then the stages it builds on', () => {
    const plan = planCache(input());
    expect(plan.cacheFrom).toEqual([
      `type=registry,ref=${IMAGE}:cache.build.feature_Login-FORM`,
      `type=registry,ref=${IMAGE}:cache.dependencies.feature_Login-FORM`,
      `type=registry,ref=${IMAGE}:cache.build.develop`,
      `type=registry,ref=${IMAGE}:cache.dependencies.develop`,
      `type=registry,ref=${IMAGE}:cache.build.main`,
      `type=registry,ref=${IMAGE}:cache.dependencies.main`,
    ]);
    expect(plan.imports.map((e) => [e.branch, e.stage])).toEqual([
      ['feature/Login-FORM', 'build'],
      ['feature/Login-FORM', 'dependencies'],
      ['develop', 'build'],
      ['develop', 'dependencies'],
      ['main', 'build'],
      ['main', 'dependencies'],
    ]);
    expect(plan.imports[0]).toEqual({
      branch: 'feature/Login-FORM',
      stage: 'build',
      name: 'cache.build.feature_Login-FORM',
      ref: `${IMAGE}:cache.build.feature_Login-FORM`,
    });
  });

  test('this stage comes first even when importStages lists it later, and duplicates are dropped', () => {
    const plan = planCache(input({ importStages: ['dependencies', 'build', 'dependencies'], fallbacks: [] }));
    expect(plan.imports.map((e) => e.stage)).toEqual(['build', 'dependencies']);
  });

  test('this stage is imported even when importStages leaves it out', () => {
    const plan = planCache(input({ importStages: ['dependencies'], fallbacks: [] }));
    expect(plan.imports.map((e) => e.name)).toEqual([
      'cache.build.feature_Login-FORM',
      'cache.dependencies.feature_Login-FORM',
    ]);
  });

  test('no branch: only the fallbacks are imported', () => {
    const plan = planCache(input({ branch: undefined, fallbacks: ['main'], exportCache: false }));
    expect(plan.cacheFrom).toEqual([
      `type=registry,ref=${IMAGE}:cache.build.main`,
      `type=registry,ref=${IMAGE}:cache.dependencies.main`,
    ]);
    expect(plan.export).toBeUndefined();
    expect(plan.cacheTo).toEqual([]);
  });

  test('branches the old scheme merged (feature/a, feature-a, Feature/A) each have their own tags', () => {
    const plan = planCache(
      input({ branch: 'feature/a', fallbacks: ['feature-a', 'Feature/A', 'main'], importStages: [] }),
    );
    expect(plan.imports.map((e) => e.name)).toEqual([
      'cache.build.feature_a',
      'cache.build.feature-a',
      'cache.build.Feature_A',
      'cache.build.main',
    ]);
  });

  test('an empty branch or fallback is no branch; a branch named twice is imported once', () => {
    const plan = planCache(input({ branch: '', fallbacks: ['', 'main', 'main'], importStages: [] }));
    expect(plan.imports.map((e) => e.name)).toEqual(['cache.build.main']);
    expect(plan.export).toBeUndefined();
  });

  test("a bake target: every entry names its target, a sibling its own, after this target's, per branch", () => {
    const plan = planCache(
      input({
        bakeTarget: 'web',
        siblings: [{ target: 'api', stage: 'base' }],
        importStages: [],
        fallbacks: ['main'],
        branch: 'dev',
      }),
    );
    expect(plan.imports.map((e) => [e.target, e.name])).toEqual([
      ['web', 'cache.web.build..dev'],
      ['api', 'cache.api.base..dev'],
      ['web', 'cache.web.build..main'],
      ['api', 'cache.api.base..main'],
    ]);
    expect(plan.export).toStrictEqual({
      branch: 'dev',
      stage: 'build',
      name: 'cache.web.build..dev',
      ref: `${IMAGE}:cache.web.build..dev`,
      target: 'web',
    });
  });

  test('without a bake target an entry has no target at all', () => {
    const plan = planCache(input({ fallbacks: [], importStages: [] }));
    expect(plan.imports).toStrictEqual([
      {
        branch: 'feature/Login-FORM',
        stage: 'build',
        name: 'cache.build.feature_Login-FORM',
        ref: `${IMAGE}:cache.build.feature_Login-FORM`,
      },
    ]);
  });

  test('a scope goes between stage and slug', () => {
    const plan = planCache(input({ scope: 'linux-arm64', fallbacks: [], importStages: [] }));
    expect(plan.imports.map((e) => e.name)).toEqual(['cache.build.linux-arm64.feature_Login-FORM']);
    expect(plan.cacheTo[0]).toContain(`ref=${IMAGE}:cache.build.linux-arm64.feature_Login-FORM,`);
  });
});

describe('planCache: export', () => {
  test('exactly one entry: the branch own ref for this stage, with the fixed options', () => {
    const plan = planCache(input());
    expect(plan.cacheTo).toEqual([`type=registry,ref=${IMAGE}:cache.build.feature_Login-FORM,${EXPORT_TAIL}`]);
    expect(plan.export).toEqual({
      branch: 'feature/Login-FORM',
      stage: 'build',
      name: 'cache.build.feature_Login-FORM',
      ref: `${IMAGE}:cache.build.feature_Login-FORM`,
    });
  });

  test('the exported stage is `stage`, not the first of importStages', () => {
    const plan = planCache(input({ stage: 'dependencies', importStages: ['build'] }));
    expect(plan.cacheTo).toEqual([`type=registry,ref=${IMAGE}:cache.dependencies.feature_Login-FORM,${EXPORT_TAIL}`]);
  });

  test('no export when exportCache is false; imports are unchanged', () => {
    const plan = planCache(input({ exportCache: false }));
    expect(plan.cacheTo).toEqual([]);
    expect(plan.export).toBeUndefined();
    expect(plan.cacheFrom).toHaveLength(6);
  });

  test('cache-mode min', () => {
    const plan = planCache(input({ mode: 'min' }));
    expect(plan.cacheTo).toEqual([
      `type=registry,ref=${IMAGE}:cache.build.feature_Login-FORM,mode=min,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
    ]);
  });

  test('cache-to-options override in place and extra keys are appended in order', () => {
    const plan = planCache(
      input({
        toOptions: [
          ['ignore-error', 'false'],
          ['compression', 'zstd'],
          ['compression-level', '3'],
          ['mode', 'min'],
        ],
      }),
    );
    expect(plan.cacheTo).toEqual([
      `type=registry,ref=${IMAGE}:cache.build.feature_Login-FORM,mode=min,image-manifest=true,oci-mediatypes=true,ignore-error=false,compression=zstd,compression-level=3`,
    ]);
  });

  test.each(['type', 'ref'])('cache-to-options may not override %s', (key) => {
    const e = thrown(() => planCache(input({ toOptions: [[key, 'local']] })));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(new RegExp(`^cache-to-options: cannot set "${key}"`));
  });

  // buildx lower-cases cache option keys and the last one wins, so TYPE=local
  // would silently turn the registry export into a local one.
  test.each(['TYPE', 'Type', 'REF', 'Ref'])(
    'cache-to-options may not override %s either (keys are case-insensitive)',
    (key) => {
      const e = thrown(() => planCache(input({ toOptions: [[key, 'local']] })));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toMatch(new RegExp(`^cache-to-options: cannot set "${key.toLowerCase()}"`));
    },
  );

  test('an upper-case key overrides its option in place instead of adding a second one', () => {
    const plan = planCache(
      input({
        toOptions: [
          ['Mode', 'min'],
          ['IGNORE-ERROR', 'false'],
          ['Compression', 'zstd'],
        ],
      }),
    );
    expect(plan.cacheTo).toEqual([
      `type=registry,ref=${IMAGE}:cache.build.feature_Login-FORM,mode=min,image-manifest=true,oci-mediatypes=true,ignore-error=false,compression=zstd`,
    ]);
  });

  test('type/ref are refused even when this build does not export', () => {
    expect(() => planCache(input({ exportCache: false, toOptions: [['type', 'gha']] }))).toThrow(/^cache-to-options:/);
  });
});

describe('cacheName and the length limit', () => {
  test('a bake target goes after the prefix, with the scope field kept even when empty', () => {
    expect(cacheName('cache', 'build', 'main', undefined, 'web')).toBe('cache.web.build..main');
    expect(cacheName('cache', 'build', 'main', 'linux/arm64', 'web')).toBe('cache.web.build.linux_arm64.main');
    expect(cacheName('cache', 'build', 'main', '')).toBe('cache.build.main');
  });

  test('<prefix>.<stage>.<branch>', () => {
    expect(cacheName('cache', 'dependencies', 'main')).toBe('cache.dependencies.main');
    expect(cacheName('ci', 'build', 'über/straße')).toBe('ci.build.__fc_ber_stra__df_e');
  });

  test('a long branch is cut to 128 characters with a hash of the full name', () => {
    const branch = 'renovate/' + 'x'.repeat(200);
    const name = cacheName('cache', 'dependencies', branch);
    expect(name).toHaveLength(128);
    expect(name.slice(-`__h${shortHash(branch)}`.length)).toBe(`__h${shortHash(branch)}`);
    expect(name.slice(0, 'cache.dependencies.renovate_xxx'.length)).toBe('cache.dependencies.renovate_xxx');
  });

  test('a prefix that leaves no room for the branch is an InputError naming cache-tag-prefix', () => {
    const e = thrown(() => cacheName('p'.repeat(120), 'build', 'main'));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/^cache-tag-prefix: /);
    expect(e.message).toMatch(/128-character tag/);
  });

  test('a prefix longer than a whole tag is the same error', () => {
    expect(() => cacheName('p'.repeat(200), 'build', 'main')).toThrow(/^cache-tag-prefix: /);
  });

  test('the longest prefix that still fits works, one more character does not', () => {
    // "<prefix>.build." must leave 12 characters for the branch (a cut one ends in __h + 8 hash)
    const fits = 'p'.repeat(128 - '.build.'.length - 12);
    expect(cacheName(fits, 'build', 'x'.repeat(50))).toHaveLength(128);
    expect(() => cacheName(fits + 'p', 'build', 'x')).toThrow(/^cache-tag-prefix: /);
  });

  test('planCache reports a too-long prefix', () => {
    expect(() => planCache(input({ prefix: 'p'.repeat(125) }))).toThrow(/^cache-tag-prefix: /);
  });
});

describe('checkNamePart', () => {
  test('accepts tag-safe parts, trimmed and lowered', () => {
    expect(checkNamePart('cache-tag-prefix', 'cache')).toBe('cache');
    expect(checkNamePart('cache-tag-prefix', ' Build_Cache.v2-x ')).toBe('build_cache.v2-x');
    expect(checkNamePart('stage', '_x')).toBe('_x');
  });

  test.each(['', ' ', '-cache', '.cache', 'ca che', 'ca/che', 'ca:che', 'über'])('refuses %p', (value) => {
    const e = thrown(() => checkNamePart('cache-tag-prefix', value));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/^cache-tag-prefix: /);
    expect(e.message).toContain('is not tag-safe');
  });
});

describe('renderOptions', () => {
  test('later keys override in place; order of first appearance is kept', () => {
    expect(
      renderOptions([
        ['a', '1'],
        ['b', '2'],
        ['a', '3'],
        ['c', ''],
      ]),
    ).toBe('a=3,b=2,c=');
    expect(renderOptions([])).toBe('');
  });
});

describe('names that only slugged like the default branch (the old scheme)', () => {
  test("Main, main- and main! have tags of their own, none of them main's", () => {
    expect(cacheName('cache', 'build', 'main')).toBe('cache.build.main');
    const names = ['Main', 'main-', 'main!', 'MAIN'].map((b) => cacheName('cache', 'build', b));
    expect(names).toEqual(['cache.build.Main', 'cache.build.main-', 'cache.build.main__21_', 'cache.build.MAIN']);
  });

  test('a plan for branch Main imports main, and exports to its own tag', () => {
    const plan = planCache(input({ branch: 'Main', fallbacks: ['main'] }));
    expect(plan.export!.name).toBe('cache.build.Main');
    expect(plan.imports.map((e) => e.name)).toContain('cache.build.main');
  });
});

describe('legacyEntry: the old-scheme twin of a planned entry', () => {
  const backend = input().backend;
  const entry = planCache(input()).imports[0]!;

  test("the old tag of the entry's branch, stage and scope, where the backend keeps it, marked legacy", () => {
    expect(legacyEntry(backend, entry, 'cache', 'linux/arm64', 'main')).toEqual({
      branch: 'feature/Login-FORM',
      stage: 'build',
      name: 'cache-build-linux-arm64-feature-login-form',
      ref: `${IMAGE}:cache-build-linux-arm64-feature-login-form`,
      legacy: true,
    });
    const local = legacyEntry({ type: 'local', cacheDir: '/tmp/c/', options: [] }, entry, 'cache', undefined, 'main');
    expect(local?.ref).toBe('/tmp/c/cache-build-feature-login-form');
  });

  test("a branch whose old slug is the default branch's gets the hash the old scheme added", () => {
    const twin = legacyEntry(backend, { ...entry, branch: 'Main' }, 'cache', undefined, 'main');
    expect(twin?.name).toBe(`cache-build-main-${shortHash('Main')}`);
  });

  test('none when the old scheme had no room for the name (it refused such names)', () => {
    expect(legacyEntry(backend, entry, 'x'.repeat(120), undefined, 'main')).toBeUndefined();
  });
});
