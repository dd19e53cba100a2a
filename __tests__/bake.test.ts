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
