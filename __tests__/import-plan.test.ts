import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheConfigOf, readCacheConfig, type CacheContent } from '../src/core/cache-content.js';
import { planImports, verdictText, type Candidate, type Verdict } from '../src/core/import-plan.js';

// A cache config as BuildKit writes it: each record links to the one before it.
// `steps` name the cache keys in build order; `at` is when the results were made.
function chain(steps: string[], at = '2026-01-01T00:00:00Z'): unknown {
  return {
    layers: steps.map((s, i) => ({ blob: `sha256:${s}`, parent: i - 1 })),
    records: steps.map((s, i) => ({
      digest: `sha256:key-${s}`,
      layers: [{ layer: i, createdAt: at }],
      ...(i > 0 ? { inputs: [[{ selector: '', link: i - 1 }]] } : {}),
    })),
  };
}

const content = (steps: string[], at?: string): CacheContent => readCacheConfig(chain(steps, at));

// The article's pipeline: `dependencies` is base + 2 steps, `build` is FROM dependencies + 2 steps.
const DEPS = ['scratch-busybox', 'install', 'deps-1', 'deps-2'];
const BUILD = [...DEPS, 'src', 'build-1', 'build-2'];
const DEPS_CHANGED = ['scratch-busybox', 'install', 'deps-1-changed', 'deps-2'];
const related = () => true;
const CAPTURES = join(import.meta.dirname, 'fixtures', 'cache');

function candidate(
  ref: string,
  branchRank: number,
  stage: string,
  c?: CacheContent | 'missing' | 'unknown',
): Candidate {
  if (c === 'missing' || c === 'unknown') return { ref, branchRank, stage, state: c };
  return { ref, branchRank, stage, state: 'exists', content: c };
}

function imported(verdicts: Verdict[]): string[] {
  return verdicts.filter((v) => v.imported).map((v) => v.ref);
}

function reasons(verdicts: Verdict[]): Record<string, string> {
  return Object.fromEntries(verdicts.map((v) => [v.ref, verdictText(v)]));
}

describe('readCacheConfig', () => {
  test('a record is the same only when its whole chain is the same', () => {
    const a = content(DEPS);
    const b = content(DEPS_CHANGED);
    const shared = [...a.records.keys()].filter((id) => b.records.has(id));
    // base and install are shared; deps-2 has the same key but follows a changed step.
    expect(shared).toHaveLength(2);
  });

  test('the newest result time is kept per record', () => {
    const c = content(['a', 'b'], '2026-03-04T05:06:07Z');
    expect([...c.records.values()]).toEqual([Date.parse('2026-03-04T05:06:07Z'), Date.parse('2026-03-04T05:06:07Z')]);
  });

  test('records are read whatever order their links come in', () => {
    const config = { records: [{ digest: 'sha256:b', inputs: [[{ link: 1 }]] }, { digest: 'sha256:a' }] };
    const reversed = readCacheConfig(config);
    const straight = readCacheConfig({
      records: [{ digest: 'sha256:a' }, { digest: 'sha256:b', inputs: [[{ link: 0 }]] }],
    });
    expect([...reversed.records.keys()].sort()).toEqual([...straight.records.keys()].sort());
  });

  test('a malformed config is an error, not an empty cache', () => {
    expect(() => readCacheConfig({})).toThrow('not a BuildKit cache config');
    expect(() => readCacheConfig({ records: [{ inputs: [[{ link: 5 }]], digest: 'sha256:x' }] })).toThrow('malformed');
    expect(() => readCacheConfig({ records: [{ digest: 'sha256:x', inputs: [[{ link: 0 }]] }] })).toThrow('malformed');
  });

  test('finds the cache config in both registry layouts, and nothing in an image', () => {
    const config = { mediaType: 'application/vnd.buildkit.cacheconfig.v0', digest: 'sha256:c' };
    expect(cacheConfigOf({ config, layers: [] })).toEqual(config);
    expect(
      cacheConfigOf({
        manifests: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: 'sha256:l' }, config],
      }),
    ).toEqual(config);
    expect(
      cacheConfigOf({ config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:i' } }),
    ).toBeUndefined();
    expect(cacheConfigOf('nope')).toBeUndefined();
  });
});

describe("readCacheConfig: what a record's identity folds in, and its time", () => {
  const ids = (records: unknown[]) => [...readCacheConfig({ records }).records.keys()];
  const times = (records: unknown[]) => [...readCacheConfig({ records }).records.values()];

  test("the selector of an input is part of the identity; the order of one group's inputs is not", () => {
    const base = [{ digest: 'sha256:a' }, { digest: 'sha256:b' }];
    const [, , plain] = ids([...base, { digest: 'sha256:c', inputs: [[{ link: 0 }, { link: 1 }]] }]);
    const [, , swapped] = ids([...base, { digest: 'sha256:c', inputs: [[{ link: 1 }, { link: 0 }]] }]);
    const [, , selected] = ids([...base, { digest: 'sha256:c', inputs: [[{ selector: '/x', link: 0 }, { link: 1 }]] }]);
    const [, , grouped] = ids([...base, { digest: 'sha256:c', inputs: [[{ link: 0 }], [{ link: 1 }]] }]);
    const [, , regrouped] = ids([...base, { digest: 'sha256:c', inputs: [[{ link: 1 }], [{ link: 0 }]] }]);
    expect(swapped).toBe(plain);
    expect(new Set([plain, selected, grouped, regrouped]).size).toBe(4);
    expect(plain).toMatch(/^[0-9a-f]{32}$/);
  });

  test('an empty input list is no inputs; the digest alone tells records apart', () => {
    expect(ids([{ digest: 'sha256:a', inputs: [] }])).toEqual(ids([{ digest: 'sha256:a' }]));
    expect(ids([{ digest: 'sha256:a' }])).not.toEqual(ids([{ digest: 'sha256:b' }]));
  });

  test('the newest time of its layers and chains; 0 when none is a time', () => {
    const at = (t: string) => ({ createdAt: t });
    expect(
      times([{ digest: 'sha256:a', layers: [at('2026-01-01T00:00:00Z')], chains: [at('2026-02-01T00:00:00Z')] }]),
    ).toEqual([Date.parse('2026-02-01T00:00:00Z')]);
    expect(times([{ digest: 'sha256:a', layers: [at('2026-03-01T00:00:00Z'), at('2026-01-01T00:00:00Z')] }])).toEqual([
      Date.parse('2026-03-01T00:00:00Z'),
    ]);
    expect(times([{ digest: 'sha256:a', layers: [at('not a time'), {}] }])).toEqual([0]);
    expect(times([{ digest: 'sha256:a' }])).toEqual([0]);
  });

  test('two records of one identity: one entry, the newer time', () => {
    const records = [
      { digest: 'sha256:a', layers: [{ createdAt: '2026-05-01T00:00:00Z' }] },
      { digest: 'sha256:a', layers: [{ createdAt: '2026-01-01T00:00:00Z' }] },
    ];
    expect(times(records)).toEqual([Date.parse('2026-05-01T00:00:00Z')]);
    expect(times([...records].reverse())).toEqual([Date.parse('2026-05-01T00:00:00Z')]);
  });

  test('not a config, or a record without a digest: an error', () => {
    expect(() => readCacheConfig(null)).toThrow('not a BuildKit cache config (no records)');
    expect(() => readCacheConfig('records')).toThrow('not a BuildKit cache config (no records)');
    expect(() => readCacheConfig({ records: {} })).toThrow('not a BuildKit cache config (no records)');
    expect(() => readCacheConfig({ records: [{ digest: 7 }] })).toThrow('cache record 0 is malformed');
    expect(() => readCacheConfig({ records: [{ digest: 'sha256:a' }, {}] })).toThrow('cache record 1 is malformed');
    expect(() => readCacheConfig({ records: [{ digest: 'sha256:a', inputs: [[{}]] }] })).toThrow(
      'cache record -1 is malformed',
    );
  });
});

describe('cacheConfigOf: only a cache config with a digest', () => {
  const TYPE = 'application/vnd.buildkit.cacheconfig.v0';
  test('a config or index entry without a digest is none; a null entry is skipped', () => {
    expect(cacheConfigOf({ config: { mediaType: TYPE } })).toBeUndefined();
    expect(cacheConfigOf({ manifests: [{ mediaType: TYPE, digest: 5 }] })).toBeUndefined();
    expect(cacheConfigOf({ manifests: [null, { mediaType: TYPE, digest: 'sha256:c' }] })).toEqual({
      mediaType: TYPE,
      digest: 'sha256:c',
    });
    expect(
      cacheConfigOf({ config: { mediaType: TYPE }, manifests: [{ mediaType: TYPE, digest: 'sha256:i' }] }),
    ).toEqual({ mediaType: TYPE, digest: 'sha256:i' });
    expect(cacheConfigOf(null)).toBeUndefined();
    expect(cacheConfigOf({})).toBeUndefined();
  });
});

describe('planImports', () => {
  test('new branch, final job: build-main alone, not the deps refs it contains', () => {
    const v = planImports(
      [
        candidate('build-x', 0, 'build', 'missing'),
        candidate('deps-x', 0, 'dependencies', content(DEPS)),
        candidate('build-main', 1, 'build', content(BUILD)),
        candidate('deps-main', 1, 'dependencies', content(DEPS)),
      ],
      related,
    );
    expect(imported(v)).toEqual(['build-main']);
    expect(reasons(v)).toEqual({
      'build-x': 'not found',
      'deps-x': 'left out: contained in build-main',
      'build-main': 'imported',
      'deps-main': 'left out: contained in build-main',
    });
  });

  test('changed dependencies on the branch: its own deps ref, and nothing that diverges from it', () => {
    const v = planImports(
      [
        candidate('build-x', 0, 'build', 'missing'),
        candidate('deps-x', 0, 'dependencies', content(DEPS_CHANGED)),
        candidate('build-main', 1, 'build', content(BUILD)),
        candidate('deps-main', 1, 'dependencies', content(DEPS)),
      ],
      related,
    );
    expect(imported(v)).toEqual(['deps-x']);
    expect(reasons(v)['build-main']).toBe('left out: diverges from deps-x');
    expect(reasons(v)['deps-main']).toBe('left out: diverges from deps-x');
  });

  test("second build after main moved on: the branch's own build ref", () => {
    const mainNow = ['scratch-busybox', 'install', 'deps-1-new-on-main', 'deps-2', 'src', 'build-1', 'build-2'];
    const v = planImports(
      [
        candidate('build-x', 0, 'build', content(BUILD, '2026-01-02T00:00:00Z')),
        candidate('deps-x', 0, 'dependencies', content(DEPS, '2026-01-03T00:00:00Z')),
        candidate('build-main', 1, 'build', content(mainNow, '2026-01-04T00:00:00Z')),
        candidate('deps-main', 1, 'dependencies', content(mainNow.slice(0, 4), '2026-01-04T00:00:00Z')),
      ],
      related,
    );
    expect(imported(v)).toEqual(['build-x']);
    expect(reasons(v)['deps-x']).toBe('left out: contained in build-x');
    expect(reasons(v)['build-main']).toBe('left out: diverges from build-x');
  });

  test('second build that changed dependencies: the fresher deps ref of the same branch wins over its older build ref', () => {
    const v = planImports(
      [
        candidate('build-x', 0, 'build', content(BUILD, '2026-01-02T00:00:00Z')),
        candidate('deps-x', 0, 'dependencies', content(DEPS_CHANGED, '2026-01-03T00:00:00Z')),
        candidate('build-main', 1, 'build', content(BUILD)),
      ],
      related,
    );
    expect(imported(v)).toEqual(['deps-x']);
    expect(reasons(v)['build-x']).toBe('left out: diverges from deps-x');
    expect(reasons(v)['build-main']).toBe('left out: diverges from deps-x');
  });

  test('stacked PR: the base branch comes before main', () => {
    const onA = ['scratch-busybox', 'install', 'deps-1', 'deps-2', 'src-a', 'build-1', 'build-2'];
    const v = planImports(
      [
        candidate('build-b', 0, 'build', 'missing'),
        candidate('deps-b', 0, 'dependencies', content(DEPS)),
        candidate('build-a', 1, 'build', content(onA)),
        candidate('deps-a', 1, 'dependencies', content(DEPS)),
        candidate('build-main', 2, 'build', content(BUILD)),
        candidate('deps-main', 2, 'dependencies', content(DEPS)),
      ],
      related,
    );
    expect(imported(v)).toEqual(['build-a']);
    expect(reasons(v)['build-main']).toBe('left out: diverges from build-a');
  });

  test('disjoint refs are both imported', () => {
    const v = planImports(
      [candidate('web', 0, 'web', content(['w1', 'w2'])), candidate('api', 0, 'api', content(['a1', 'a2']))],
      related,
    );
    expect(imported(v)).toEqual(['web', 'api']);
  });

  test('sibling stages that share only their base are both imported; one line of descent never twice', () => {
    const siblings = (a: string, b: string) => a === b || a === 'app' || b === 'app';
    const v = planImports(
      [
        candidate('app-x', 0, 'app', 'missing'),
        candidate('web-x', 0, 'web', content(['base', 'web-changed'])),
        candidate('api-x', 0, 'api', content(['base', 'api-1'])),
        candidate('app-main', 1, 'app', content(['base', 'web-1', 'api-1', 'app-1'])),
      ],
      siblings,
    );
    expect(imported(v)).toEqual(['web-x', 'api-x']);
    expect(reasons(v)['app-main']).toBe('left out: diverges from web-x');
  });

  test('partly overlapping refs of one line: the nearer branch wins, ties keep the first', () => {
    const v = planImports(
      [candidate('a', 0, 's', content(['base', 'one'])), candidate('b', 0, 's', content(['base', 'two']))],
      related,
    );
    expect(imported(v)).toEqual(['a']);
    expect(reasons(v).b).toBe('left out: diverges from a');
  });

  test('unreadable and unchecked refs are imported as before, missing and empty ones are not', () => {
    const v = planImports(
      [
        { ref: 'opaque', branchRank: 0, stage: 'build', state: 'exists' },
        candidate('down', 0, 'build', 'unknown'),
        candidate('gone', 1, 'build', 'missing'),
        candidate('empty', 1, 'build', { records: new Map() }),
        candidate('main', 1, 'build', content(BUILD)),
      ],
      related,
    );
    expect(imported(v)).toEqual(['opaque', 'down', 'main']);
    expect(reasons(v)).toMatchObject({
      opaque: 'imported (could not be read, so not compared)',
      gone: 'not found',
      empty: 'left out: holds no cache records',
    });
  });

  // Whatever exists, no two imported readable refs are one inside the other, and
  // none that shares a line of descent with another holds diverging records.
  test('property: the imports never overlap on one line of descent, and every readable ref left out is explained', () => {
    const step = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const steps = fc.array(step, { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(fc.option(steps, { nil: undefined }), { minLength: 1, maxLength: 8 }), (refs) => {
        const cands = refs.map((s, i) =>
          candidate(
            `r${i}`,
            Math.floor(i / 2),
            i % 2 === 0 ? 'build' : 'deps',
            s === undefined ? 'missing' : content(s),
          ),
        );
        const v = planImports(cands, related);
        const chosen = cands.filter((c) => imported(v).includes(c.ref));
        for (const x of chosen) {
          for (const y of chosen) {
            if (x === y) continue;
            const shared = [...x.content!.records.keys()].some((id) => y.content!.records.has(id));
            expect({ x: x.ref, y: y.ref, shared }).toEqual({ x: x.ref, y: y.ref, shared: false });
          }
        }
        // Some ref is imported whenever one exists.
        const existing = cands.filter((c) => c.state === 'exists').map((c) => c.ref);
        expect({ existing, imports: chosen.length > 0 }).toEqual({ existing, imports: existing.length > 0 });
        const unexplained = v.filter(
          (r) =>
            !r.imported &&
            r.why !== 'missing' &&
            !(r.other === undefined || imported(v).includes(r.other) || r.why === 'diverges'),
        );
        expect(unexplained).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });
});

// Real cache manifests of the article's pipeline from each tested buildx
// (scripts/capture-cache-configs.sh): main's deps and final jobs, then the deps
// job of a new branch that changed nothing, a source file, or a dependency file.
describe.each(readdirSync(CAPTURES).filter((f) => f.endsWith('.json')))('captured on %s', (file) => {
  const refs = JSON.parse(readFileSync(join(CAPTURES, file), 'utf8')) as Record<
    string,
    { manifest: unknown; config: unknown }
  >;
  const of = (tag: string) => {
    expect(cacheConfigOf(refs[tag]!.manifest)?.mediaType).toBe('application/vnd.buildkit.cacheconfig.v0');
    return readCacheConfig(refs[tag]!.config);
  };
  const finalJob = (branch: string) =>
    reasons(
      planImports(
        [
          candidate(`build-${branch}`, 0, 'build', 'missing'),
          candidate(`dependencies-${branch}`, 0, 'dependencies', of(`dependencies-${branch}`)),
          candidate('build-main', 1, 'build', of('build-main')),
          candidate('dependencies-main', 1, 'dependencies', of('dependencies-main')),
        ],
        related,
      ),
    );

  test('a branch that changed nothing: build-main alone', () => {
    expect(finalJob('same')).toEqual({
      'build-same': 'not found',
      'dependencies-same': 'left out: contained in build-main',
      'build-main': 'imported',
      'dependencies-main': 'left out: contained in build-main',
    });
  });

  test.each(['source', 'deps'])('a branch that changed its %s: its own deps ref alone', (branch) => {
    expect(finalJob(branch)).toEqual({
      [`build-${branch}`]: 'not found',
      [`dependencies-${branch}`]: 'imported',
      'build-main': `left out: diverges from dependencies-${branch}`,
      'dependencies-main': `left out: diverges from dependencies-${branch}`,
    });
  });

  test('the deps job of a new branch imports dependencies-main', () => {
    const v = planImports(
      [
        candidate('dependencies-x', 0, 'dependencies', 'missing'),
        candidate('dependencies-main', 1, 'dependencies', of('dependencies-main')),
      ],
      related,
    );
    expect(imported(v)).toEqual(['dependencies-main']);
  });
});
