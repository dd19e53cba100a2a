// core/bake.ts and bake's plan through core/decide.ts, on definitions captured
// from the real `docker buildx bake --print` (fixtures/bake: the bake file has
// inheritance, a dockerfile-inline target, a `target:` context and a matrix;
// captured on buildx 0.13 and 0.29) and a real two-target rawjson stream.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  dockerfileKey,
  exportStage,
  parseBakeDefinition,
  reportOf,
  siblingsOf,
  targetsToBuild,
  withCaches,
} from '../src/core/bake.js';
import { decide } from '../src/core/decide.js';
import { InputError } from '../src/core/errors.js';
import { parseConfig } from '../src/core/inputs.js';
import { ProgressStream } from '../src/core/progress.js';
import { summarize, type Vertex } from '../src/core/step-report.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const push = (branch: string) => ({
  event: { eventName: 'push', ref: `refs/heads/${branch}`, payload: { repository: { default_branch: 'main' } } },
});
const DOCKERFILE = readFileSync(join(FIXTURES, 'bake', 'Dockerfile'), 'utf8');
const printed = (v: string) => JSON.parse(readFileSync(join(FIXTURES, 'bake', `print-${v}.json`), 'utf8')) as unknown;

describe.each(['0.13', '0.29'])('the definition buildx %s printed', (v) => {
  const def = parseBakeDefinition(printed(v));

  test('targets as bake resolved them: inheritance applied, the inline Dockerfile, the target: context, the matrix', () => {
    const t = def.targets;
    expect(t.api).toMatchObject({ context: '.', dockerfile: 'Dockerfile', stage: 'api', platforms: [] });
    // The --set given to --print is already in the definition.
    expect(t.api!.raw.args).toEqual({ X: '1' });
    expect(t.worker).toMatchObject({ stage: 'worker' });
    expect(t.worker!.raw.contexts).toEqual({ basectx: 'target:api' });
    expect(t.inline!.dockerfileInline).toBe('FROM busybox\nRUN echo inline\n');
    expect(t.inline!.stage).toBeUndefined();
    expect([t['m-a']!.raw.args, t['m-b']!.raw.args]).toEqual([{ V: 'a' }, { V: 'b' }]);
    expect(Object.keys(def.groups)).toEqual(['default']);
  });

  test('which targets run: a group expanded once each, names in order; an unknown one names those there are', () => {
    expect(targetsToBuild(def, []).map((x) => x.name)).toEqual(def.groups.default);
    expect(targetsToBuild(def, ['worker', 'default', 'api']).map((x) => x.name)[0]).toBe('worker');
    expect(new Set(targetsToBuild(def, ['default', 'api']).map((x) => x.name)).size).toBe(5);
    const e = (() => {
      try {
        targetsToBuild(def, ['nope']);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toBe(
      'targets: "nope" is not a target or group of the bake definition: use one of api, default, inline, m-a, m-b, worker',
    );
  });

  test("the plan: each target's name in its tags; a sibling that exports another stage of the same Dockerfile is imported", () => {
    const chosen = targetsToBuild(def, []);
    // The stage each exports under, as the shell works it out (exportStage): the inline one has an unnamed stage.
    const stageOf = new Map(chosen.map((t) => [t.name, exportStage(t, t.dockerfileInline ?? DOCKERFILE)]));
    expect([stageOf.get('api'), stageOf.get('worker'), stageOf.get('inline'), stageOf.get('m-a')]).toEqual([
      'api',
      'worker',
      'final',
      'api',
    ]);
    expect(exportStage(def.targets.api!, undefined)).toBe('api');
    const config = parseConfig((n) => ({ image: 'r.example/app' })[n] ?? '');
    const plan = (name: string) => {
      const t = def.targets[name]!;
      const c = { ...config, target: t.stage };
      const text = t.dockerfileInline ?? DOCKERFILE;
      return decide(c, push('feature/x'), text, 'Dockerfile', {
        bake: { target: name, siblings: siblingsOf(t, chosen, stageOf) },
      });
    };
    const api = plan('api');
    expect(api.plan.export?.name).toBe('cache.api.api..feature_x');
    expect(api.plan.imports.map((e) => e.name)).toEqual([
      'cache.api.api..feature_x',
      'cache.api.base..feature_x',
      'cache.worker.worker..feature_x',
      'cache.api.api..main',
      'cache.api.base..main',
      'cache.worker.worker..main',
    ]);
    // The matrix variants build api too: rivals of api's own cache, not sources.
    expect(siblingsOf(def.targets.api!, chosen, stageOf)).toEqual([{ target: 'worker', stage: 'worker' }]);
    // A Dockerfile of its own: no siblings; its unnamed last stage is `final`.
    const inline = plan('inline');
    expect(siblingsOf(def.targets.inline!, chosen, stageOf)).toEqual([]);
    expect(inline.plan.export?.name).toBe('cache.inline.final..feature_x');
    expect(dockerfileKey(def.targets.inline!)).not.toBe(dockerfileKey(def.targets.api!));
  });

  test('a target whose Dockerfile is not read (a remote context): planned under its target stage only', () => {
    const config = parseConfig((n) => ({ image: 'r.example/app' })[n] ?? '');
    const d = decide({ ...config, target: 'api' }, push('main'), undefined, 'Dockerfile', {
      bake: { target: 'remote', siblings: [] },
    });
    expect(d.plan.imports.map((e) => e.name)).toEqual(['cache.remote.api..main']);
  });
});

describe('withCaches', () => {
  test('only the targets built, each with its planned caches first and its own after', () => {
    const def = parseBakeDefinition({
      target: {
        api: { context: '.', dockerfile: 'Dockerfile', 'cache-from': ['type=gha'] },
        other: { context: '.' },
      },
    });
    expect(
      withCaches(def, { api: { cacheFrom: ['type=registry,ref=r:a'], cacheTo: ['type=registry,ref=r:b'] } }),
    ).toEqual({
      target: {
        api: {
          context: '.',
          dockerfile: 'Dockerfile',
          'cache-from': ['type=registry,ref=r:a', 'type=gha'],
          'cache-to': ['type=registry,ref=r:b'],
        },
      },
    });
  });

  test('--print output that is no definition: one clear error', () => {
    expect(() => parseBakeDefinition({ group: {} })).toThrow(
      'docker buildx bake --print gave no "target" object: is this a bake definition?',
    );
  });
});

describe('reportOf', () => {
  const stream = new ProgressStream();
  stream.feed(readFileSync(join(FIXTURES, 'rawjson', 'bake-two-targets-0.29.txt')));
  stream.end();
  const vertices = stream.result();

  test("each target's steps and export from a two-target bake (BuildKit names them [<target> <stage> n/m])", () => {
    const api = reportOf(vertices, 'api', true);
    const worker = reportOf(vertices, 'worker', true);
    expect(api.stages.map((s) => s.stage).sort()).toEqual(['api', 'base']);
    expect(worker.stages.map((s) => s.stage)).toContain('worker');
    expect([api.exported, worker.exported]).toEqual([true, true]);
    // worker imported a ref that does not exist: its error is worker's, not api's.
    expect(api.importErrors).toEqual([]);
    expect(worker.importErrors).toHaveLength(1);
    expect(api.total + worker.total).toBeGreaterThanOrEqual(5);
  });

  test('one target: the whole report, as for a build', () => {
    expect(reportOf(vertices, 'api', false)).toEqual(stream.report());
  });
});

describe('parseBakeDefinition: what the plan reads, with the defaults bake has', () => {
  test('defaults: context ., file Dockerfile, no inline text, no stage, no platforms; odd values are left out', () => {
    const def = parseBakeDefinition({
      group: { all: { targets: ['a', 7, 'b'] }, odd: 'x', none: {} },
      target: {
        a: {},
        b: {
          context: 'sub',
          dockerfile: 'b.Dockerfile',
          'dockerfile-inline': 'FROM x',
          target: 'api',
          platforms: ['linux/amd64', 1],
        },
        c: { context: 3, dockerfile: null, platforms: 'linux/arm64', target: 5 },
        notATarget: 'x',
        alsoNot: ['x'],
        norThis: null,
      },
    });
    expect(def.groups).toEqual({ all: ['a', 'b'], odd: [], none: [] });
    expect(Object.keys(def.targets)).toEqual(['a', 'b', 'c']);
    const { raw: _a, ...a } = def.targets.a!;
    expect(a).toStrictEqual({ name: 'a', context: '.', dockerfile: 'Dockerfile', platforms: [] });
    const { raw: _b, ...b } = def.targets.b!;
    expect(b).toStrictEqual({
      name: 'b',
      context: 'sub',
      dockerfile: 'b.Dockerfile',
      dockerfileInline: 'FROM x',
      stage: 'api',
      platforms: ['linux/amd64'],
    });
    const { raw: _c, ...c } = def.targets.c!;
    expect(c).toStrictEqual({ name: 'c', context: '.', dockerfile: 'Dockerfile', platforms: [] });
    expect(def.targets.b!.raw).toEqual({
      context: 'sub',
      dockerfile: 'b.Dockerfile',
      'dockerfile-inline': 'FROM x',
      target: 'api',
      platforms: ['linux/amd64', 1],
    });
  });

  test('no groups, or groups that are no object: none', () => {
    expect(parseBakeDefinition({ target: {} })).toEqual({ groups: {}, targets: {} });
    expect(parseBakeDefinition({ group: ['x'], target: {} }).groups).toEqual({});
  });

  test.each([null, 'x', [], { target: [] }, { target: null }, { target: 'x' }])('%j is no definition', (json) => {
    expect(() => parseBakeDefinition(json)).toThrow('docker buildx bake --print gave no "target" object');
  });
});

describe('targetsToBuild: groups expanded, each target once', () => {
  const def = parseBakeDefinition({
    group: {
      default: { targets: ['b', 'all'] },
      all: { targets: ['a', 'b', 'inner'] },
      inner: { targets: ['c', 'a'] },
    },
    target: { a: {}, b: {}, c: {}, d: {} },
  });
  const names = (requested: string[]) => targetsToBuild(def, requested).map((t) => t.name);

  test('nothing requested: the default group, its groups expanded in place', () => {
    expect(names([])).toEqual(['b', 'a', 'c']);
  });

  test('requested names in their order, groups and targets mixed, no target twice', () => {
    expect(names(['d', 'all', 'd'])).toEqual(['d', 'a', 'b', 'c']);
  });

  test('a group that includes itself, directly or through another, is an input error naming the loop', () => {
    const loop = parseBakeDefinition({
      group: { default: { targets: ['a', 'all'] }, all: { targets: ['default'] } },
      target: { a: {} },
    });
    let error: unknown;
    try {
      targetsToBuild(loop, []);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect([(error as InputError).input, (error as InputError).message]).toEqual([
      'targets',
      'targets: group "default" includes itself (default -> all -> default): remove it',
    ]);
  });

  test('no default group: the default target; neither: an error listing the names there are, sorted', () => {
    const single = parseBakeDefinition({ target: { default: {}, x: {} } });
    expect(targetsToBuild(single, []).map((t) => t.name)).toEqual(['default']);
    const none = parseBakeDefinition({ group: { g: { targets: ['x'] } }, target: { x: {} } });
    expect(() => targetsToBuild(none, [])).toThrow(
      'targets: "default" is not a target or group of the bake definition: use one of g, x',
    );
  });

  test('a group that names an unknown target: that name is the error', () => {
    const bad = parseBakeDefinition({ group: { default: { targets: ['x', 'ghost'] } }, target: { x: {} } });
    expect(() => targetsToBuild(bad, [])).toThrow('targets: "ghost" is not a target or group');
  });
});

describe('siblings and stages', () => {
  const def = parseBakeDefinition({
    target: {
      api: { target: 'api' },
      worker: { target: 'worker' },
      rival: { target: 'api' },
      elsewhere: { context: 'other', target: 'worker' },
      otherFile: { dockerfile: 'x.Dockerfile', target: 'worker' },
      inlineA: { 'dockerfile-inline': 'FROM a', target: 'x' },
      inlineB: { 'dockerfile-inline': 'FROM a', target: 'y' },
    },
  });
  const all = Object.values(def.targets);
  const stages = new Map(all.map((t) => [t.name, t.stage!]));

  test('the same context and file, or the same inline text, is one Dockerfile', () => {
    expect(dockerfileKey(def.targets.api!)).toBe(dockerfileKey(def.targets.worker!));
    expect(dockerfileKey(def.targets.api!)).not.toBe(dockerfileKey(def.targets.elsewhere!));
    expect(dockerfileKey(def.targets.api!)).not.toBe(dockerfileKey(def.targets.otherFile!));
    expect(dockerfileKey(def.targets.inlineA!)).toBe('inline:FROM a');
  });

  test('siblings: other targets of the same Dockerfile exporting another stage', () => {
    expect(siblingsOf(def.targets.api!, all, stages)).toEqual([{ target: 'worker', stage: 'worker' }]);
    expect(siblingsOf(def.targets.worker!, all, stages)).toEqual([
      { target: 'api', stage: 'api' },
      { target: 'rival', stage: 'api' },
    ]);
    expect(siblingsOf(def.targets.inlineA!, all, stages)).toEqual([{ target: 'inlineB', stage: 'y' }]);
  });

  test('exportStage: the target stage as the Dockerfile names it, else its last stage, else final', () => {
    const dockerfile = 'FROM alpine AS Base\nFROM base AS App\n';
    expect(exportStage(def.targets.api!, undefined)).toBe('api');
    expect(exportStage({ ...def.targets.api!, stage: 'API' }, undefined)).toBe('api');
    expect(exportStage({ ...def.targets.api!, stage: undefined }, undefined)).toBe('final');
    expect(exportStage({ ...def.targets.api!, stage: 'BASE' }, dockerfile)).toBe('base');
    expect(exportStage({ ...def.targets.api!, stage: undefined }, dockerfile)).toBe('app');
    expect(exportStage({ ...def.targets.api!, stage: 'nope' }, dockerfile)).toBe('final');
    expect(exportStage({ ...def.targets.api!, stage: undefined }, 'FROM alpine\n')).toBe('final');
  });
});

describe('withCaches and reportOf, by hand', () => {
  test("a target's own cache-to follows the planned one; non-text entries of its own are dropped", () => {
    const def = parseBakeDefinition({
      target: { a: { 'cache-to': ['type=local,dest=x', 3], 'cache-from': 'no list' } },
    });
    expect(withCaches(def, { a: { cacheFrom: ['f'], cacheTo: ['t'] } })).toEqual({
      target: { a: { 'cache-from': ['f'], 'cache-to': ['t', 'type=local,dest=x'] } },
    });
  });

  const vertex = (name: string): Vertex => ({
    digest: `sha256:${name.length}${name}`,
    name,
    cached: false,
    error: undefined,
    started: '2026-01-01T00:00:00Z',
    completed: '2026-01-01T00:00:01Z',
  });

  test('several targets: only the vertices named for the target, named as a build names them', () => {
    const vertices = [
      vertex('[api base 1/2] FROM alpine'),
      vertex('[api] exporting cache to registry'),
      vertex('[apiv2 base 1/2] FROM alpine'),
      vertex('[worker base 2/2] RUN x'),
      vertex('[internal] load build definition'),
      vertex('exporting to image'),
      vertex('[api]'),
      vertex('note [api base 1/2] RUN y'),
      vertex('[api base 2/2] RUN a\nb'),
    ];
    const mine = [
      { ...vertices[0]!, name: '[base 1/2] FROM alpine' },
      { ...vertices[1]!, name: 'exporting cache to registry' },
      { ...vertices[8]!, name: '[base 2/2] RUN a\nb' },
    ];
    expect(reportOf(vertices, 'api', true, { warnings: ['w'] })).toEqual(summarize(mine, { warnings: ['w'] }));
    expect(reportOf(vertices, 'api', true).exported).toBe(true);
    expect(reportOf(vertices, 'worker', true).exported).toBe(false);
    expect(reportOf(vertices, 'api', false)).toEqual(summarize(vertices));
  });
});
