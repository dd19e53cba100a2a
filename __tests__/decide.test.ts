import { describe, expect, test } from '@jest/globals';
import { decide, knownStages, type BuildSource } from '../src/core/decide.js';
import { InputError } from '../src/core/errors.js';
import { parseConfig, type Config } from '../src/core/inputs.js';
import type { EventContext } from '../src/core/github-event.js';
import { parseStages } from '../src/core/stages.js';
import { forkPullRequest, thrown } from './helpers.js';
import { PIPELINE } from '../e2e/fixtures.mjs';

const IMAGE = 'ghcr.io/acme/app';
const FILE = 'Dockerfile';

const TOOLS = `FROM scratch AS base
FROM base AS Tools
FROM base AS Deps
RUN --mount=type=bind,from=tools,target=/t true
FROM deps AS app
COPY --from=0 /a /a
`;

function config(inputs: Record<string, string> = {}): Config {
  const all: Record<string, string> = { image: IMAGE, ...inputs };
  return parseConfig((name) => all[name] ?? '');
}

function push(branch: string): BuildSource {
  return event({ eventName: 'push', ref: `refs/heads/${branch}`, payload: { repository: { default_branch: 'main' } } });
}

function event(e: EventContext): BuildSource {
  return { event: e };
}

function from(refs: string[]): string[] {
  return refs.map((r) => `type=registry,ref=${IMAGE}:${r}`);
}

describe('decide: the two-stage pipeline on a new branch', () => {
  test('job 1, target dependencies on feature/x', () => {
    const d = decide(config({ target: 'dependencies' }), push('feature/x'), PIPELINE, FILE);
    expect(d.targetStage).toBe('dependencies');
    expect(d.stage).toBe('dependencies');
    expect(d.importStages).toEqual(['dependencies']);
    expect(d.branchSlug).toBe('feature_x');
    expect(d.plan.cacheFrom).toEqual(from(['cache.dependencies.feature_x', 'cache.dependencies.main']));
    expect(d.plan.cacheTo).toEqual([
      `type=registry,ref=${IMAGE}:cache.dependencies.feature_x,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
    ]);
    expect(d.plan.export?.ref).toBe(`${IMAGE}:cache.dependencies.feature_x`);
  });

  test('the final job (no target) imports its own stage and the stage it builds on, branch before main', () => {
    const d = decide(config(), push('feature/x'), PIPELINE, FILE);
    expect(d.targetStage).toBe('build');
    expect(d.stage).toBe('build');
    expect(d.importStages).toEqual(['build', 'dependencies']);
    expect(d.plan.cacheFrom).toEqual(
      from(['cache.build.feature_x', 'cache.dependencies.feature_x', 'cache.build.main', 'cache.dependencies.main']),
    );
    expect(d.plan.cacheTo).toEqual([
      `type=registry,ref=${IMAGE}:cache.build.feature_x,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
    ]);
  });

  test('on main itself there is no fallback', () => {
    const d = decide(config(), push('main'), PIPELINE, FILE);
    expect(d.plan.cacheFrom).toEqual(from(['cache.build.main', 'cache.dependencies.main']));
    expect(d.plan.export?.ref).toBe(`${IMAGE}:cache.build.main`);
  });

  test('the target is matched case-insensitively and cached under its lower-case name', () => {
    const d = decide(config({ target: 'DEPENDENCIES' }), push('feature/x'), PIPELINE, FILE);
    expect(d.stage).toBe('dependencies');
    expect(d.plan.export?.name).toBe('cache.dependencies.feature_x');
  });

  test('a fork pull request imports the same chain and exports nothing', () => {
    const event = forkPullRequest;
    const d = decide(config(), { event }, PIPELINE, FILE);
    expect(d.refs.exportCache).toBe(false);
    expect(d.plan.cacheTo).toEqual([]);
    expect(d.plan.export).toBeUndefined();
    expect(d.plan.cacheFrom).toEqual(
      from(['cache.build.feature_x', 'cache.dependencies.feature_x', 'cache.build.main', 'cache.dependencies.main']),
    );
  });

  test('a tag push has no branch slug and imports main only', () => {
    const d = decide(
      config(),
      event({ eventName: 'push', ref: 'refs/tags/v1', payload: { repository: { default_branch: 'main' } } }),
      PIPELINE,
      FILE,
    );
    expect(d.refs.branch).toBeUndefined();
    expect(d.branchSlug).toBe('');
    expect(d.plan.cacheFrom).toEqual(from(['cache.build.main', 'cache.dependencies.main']));
    expect(d.plan.cacheTo).toEqual([]);
  });

  test('inputs reach the plan: prefix, cache-mode, cache-to-options, branch, fallbacks, export-cache', () => {
    const d = decide(
      config({
        'cache-tag-prefix': 'CI',
        'cache-mode': 'min',
        'cache-to-options': 'compression=zstd',
        branch: 'release/1.x',
        'fallback-branches': 'develop',
      }),
      push('feature/x'),
      PIPELINE,
      FILE,
    );
    expect(d.refs.branch).toBe('release/1.x');
    expect(d.plan.cacheFrom).toEqual(
      from([
        'ci.build.release_1__2e_x',
        'ci.dependencies.release_1__2e_x',
        'ci.build.develop',
        'ci.dependencies.develop',
      ]),
    );
    expect(d.plan.cacheTo).toEqual([
      `type=registry,ref=${IMAGE}:ci.build.release_1__2e_x,mode=min,image-manifest=true,oci-mediatypes=true,ignore-error=true,compression=zstd`,
    ]);
    const off = decide(config({ 'export-cache': 'false' }), push('feature/x'), PIPELINE, FILE);
    expect(off.plan.cacheTo).toEqual([]);
  });

  test('the branch slug output is the tag-safe slug of the branch', () => {
    expect(decide(config(), push('feature/Login-FORM'), PIPELINE, FILE).branchSlug).toBe('feature_Login-FORM');
  });
});

describe('decide: stages', () => {
  test('auto imports the target and every stage it builds on, transitively, nearest first', () => {
    const d = decide(config(), push('main'), TOOLS, FILE);
    expect(d.targetStage).toBe('app');
    expect(d.importStages).toEqual(['app', 'deps', 'base', 'tools']);
  });

  test('`stage` exports under another stage; the target and its stages are still imported', () => {
    const d = decide(config({ target: 'deps', stage: 'Tools' }), push('feature/x'), TOOLS, FILE);
    expect(d.targetStage).toBe('deps');
    expect(d.stage).toBe('tools');
    expect(d.importStages).toEqual(['tools', 'deps', 'base']);
    expect(d.plan.export?.name).toBe('cache.tools.feature_x');
    expect(d.plan.imports[0]?.name).toBe('cache.tools.feature_x');
  });

  test('cache-stages list: this stage first, then the listed stages (checked and lowered)', () => {
    const d = decide(config({ 'cache-stages': 'BASE, deps' }), push('feature/x'), TOOLS, FILE);
    expect(d.stage).toBe('app');
    expect(d.importStages).toEqual(['app', 'base', 'deps']);
    expect(d.plan.cacheFrom).toEqual(
      from([
        'cache.app.feature_x',
        'cache.base.feature_x',
        'cache.deps.feature_x',
        'cache.app.main',
        'cache.base.main',
        'cache.deps.main',
      ]),
    );
  });

  test('an unnamed last stage is cached as `final`', () => {
    const dockerfile = 'FROM scratch AS deps\nRUN true\nFROM deps\nRUN true\n';
    const d = decide(config(), push('feature/x'), dockerfile, FILE);
    expect(d.targetStage).toBe('final');
    expect(d.stage).toBe('final');
    expect(d.importStages).toEqual(['final', 'deps']);
    expect(d.plan.export?.name).toBe('cache.final.feature_x');
  });

  test('`stage: final` is accepted when the last stage is unnamed', () => {
    const dockerfile = 'FROM scratch AS deps\nFROM deps\n';
    expect(decide(config({ stage: 'final', target: 'deps' }), push('x'), dockerfile, FILE).stage).toBe('final');
  });

  test('knownStages adds `final` only for an unnamed last stage', () => {
    expect(knownStages(parseStages('FROM a AS x\nFROM x\n'))).toEqual(['x', 'final']);
    expect(knownStages(parseStages('FROM a\nFROM a AS y\n'))).toEqual(['y']);
    expect(knownStages(parseStages(''))).toEqual([]);
  });
});

describe('decide: errors name the input', () => {
  test('an unknown target lists the stages', () => {
    const e = thrown(() => decide(config({ target: 'tests' }), push('main'), PIPELINE, 'app/Dockerfile'));
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).input).toBe('target');
    expect(e.message).toBe('target: "tests" is not a stage of app/Dockerfile: use one of dependencies, build');
  });

  test('an unknown target in a file with only unnamed stages', () => {
    const e = thrown(() => decide(config({ target: 'x' }), push('main'), 'FROM scratch\n', FILE));
    expect(e.message).toMatch(/^target: "x" is not a stage of Dockerfile: use one of \(no named stages\)$/);
  });

  test('an unknown `stage` input', () => {
    const e = thrown(() => decide(config({ stage: 'nope' }), push('main'), PIPELINE, FILE));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe('stage: "nope" is not a stage of Dockerfile: use one of dependencies, build');
  });

  test('`final` is not a stage when the last stage is named', () => {
    expect(() => decide(config({ stage: 'final' }), push('main'), PIPELINE, FILE)).toThrow(
      /^stage: "final" is not a stage/,
    );
  });

  test('an unknown stage in cache-stages', () => {
    const e = thrown(() => decide(config({ 'cache-stages': 'dependencies, tests' }), push('main'), PIPELINE, FILE));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/^cache-stages: "tests" is not a stage of Dockerfile: use one of dependencies, build$/);
  });

  test('a Dockerfile without FROM', () => {
    for (const content of ['', '# nothing\n', 'ARG X=1\nRUN echo\n']) {
      const e = thrown(() => decide(config(), push('main'), content, 'ctx/Dockerfile'));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toBe('file: ctx/Dockerfile has no FROM instruction: point `file` at a Dockerfile');
    }
  });

  test('an invalid cache-tag-prefix', () => {
    expect(() => decide(config({ 'cache-tag-prefix': '-x' }), push('main'), PIPELINE, FILE)).toThrow(
      /^cache-tag-prefix: "-x" is not tag-safe/,
    );
    expect(() => decide(config({ 'cache-tag-prefix': 'p'.repeat(110) }), push('main'), PIPELINE, FILE)).toThrow(
      /^cache-tag-prefix: .*leaves too little room/,
    );
  });

  test('export-cache true on a tag without a branch input', () => {
    const e = thrown(() =>
      decide(
        config({ 'export-cache': 'true' }),
        event({ eventName: 'push', ref: 'refs/tags/v1', payload: {} }),
        PIPELINE,
        FILE,
      ),
    );
    expect(e.message).toMatch(/^export-cache: /);
    expect(e.message).toContain('push on refs/tags/v1');
  });
});

describe('decide: facts from another CI', () => {
  const facts = {
    branch: 'feature/x',
    fallbacks: ['develop', 'main', 'develop'],
    exportAllowed: true,
    defaultBranch: 'main',
    reasons: ['other CI: feature/x'],
  };

  test('the same plan as for a GitHub event with those facts', () => {
    const d = decide(config(), { facts, where: 'other CI job' }, PIPELINE, FILE);
    expect(d.refs.fallbacks).toEqual(['develop', 'main']);
    expect(d.plan.cacheFrom).toEqual(
      from([
        'cache.build.feature_x',
        'cache.dependencies.feature_x',
        'cache.build.develop',
        'cache.dependencies.develop',
        'cache.build.main',
        'cache.dependencies.main',
      ]),
    );
    expect(d.plan.export?.ref).toBe(`${IMAGE}:cache.build.feature_x`);
  });

  test('export-cache true without a branch names `where`', () => {
    const e = thrown(() =>
      decide(
        config({ 'export-cache': 'true' }),
        { facts: { ...facts, branch: undefined, exportAllowed: false }, where: 'a tag pipeline' },
        PIPELINE,
        FILE,
      ),
    );
    expect(e.message).toBe(
      'export-cache: is true, but a tag pipeline has no branch to write to: also set the `branch` input',
    );
  });
});

describe('decide: the edges', () => {
  test('a frontend method (call) writes nothing, and says so only when the build would have', () => {
    const d = decide(config({ call: 'check' }), push('feature/x'), PIPELINE, FILE);
    expect(d.refs.exportCache).toBe(false);
    expect(d.plan.export).toBeUndefined();
    expect(d.refs.reasons.at(-1)).toBe('no export: call check builds nothing');
    const fork = decide(config({ call: 'check' }), { event: forkPullRequest }, PIPELINE, FILE);
    expect(fork.refs.reasons.filter((r) => r.startsWith('no export: call'))).toEqual([]);
  });

  test('an unread Dockerfile: the target is the only stage known, names taken as given and lowered', () => {
    const d = decide(config({ target: 'App', stage: 'Deps', 'cache-stages': 'Base' }), push('main'), undefined, FILE);
    expect(d.graph).toEqual({ stages: [] });
    expect([d.targetStage, d.stage, d.importStages]).toEqual(['app', 'deps', ['deps', 'base']]);
    const auto = decide(config(), push('main'), undefined, FILE);
    expect([auto.targetStage, auto.stage, auto.importStages]).toEqual(['final', 'final', ['final']]);
  });

  test('auto cache stages leave out unnamed ancestors (they have no name to tag)', () => {
    const d = decide(
      config({ target: 'b' }),
      push('main'),
      'FROM alpine\nFROM alpine AS b\nCOPY --from=0 /a /a\n',
      FILE,
    );
    expect(d.importStages).toStrictEqual(['b']);
  });

  test('cache-type s3 needs a bucket and a region, and the error names the missing one', () => {
    const e = thrown(() =>
      decide(config({ 'cache-type': 's3', 's3-region': 'eu-west-1' }), push('main'), PIPELINE, FILE),
    );
    expect(e.message).toBe('s3-bucket: is required for cache-type s3: set both s3-bucket and s3-region');
    expect(
      thrown(() => decide(config({ 'cache-type': 's3', 's3-bucket': 'b' }), push('main'), PIPELINE, FILE)).message,
    ).toMatch(/^s3-region: /);
  });

  test('inline: the stages the target builds on are named in the refusal, unnamed ones by index', () => {
    const e = thrown(() =>
      decide(config({ 'cache-type': 'inline', push: 'true' }), push('main'), `FROM alpine\n${TOOLS}`, FILE),
    );
    expect(e.message).toBe(
      'cache-type: inline keeps only the layers of the image it is pushed with, and app builds on deps, #0, ' +
        'base, tools: use registry (or local, gha, s3) for multi-stage builds',
    );
  });

  test('inline imports and exports one stage only, and the image gets the cache tag', () => {
    const dockerfile = 'FROM alpine AS a\nFROM alpine AS b\n';
    const d = decide(config({ 'cache-type': 'inline', push: 'true', stage: 'a' }), push('main'), dockerfile, FILE);
    expect(d.importStages).toEqual(['a']);
    expect(d.plan.imports.map((e) => e.name)).toEqual(['cache.a.main']);
    expect(d.extraTags).toEqual([`${IMAGE}:cache.a.main`]);
    const registry = decide(config({ stage: 'a' }), push('main'), dockerfile, FILE);
    expect([registry.importStages, registry.extraTags]).toEqual([['a', 'b'], []]);
  });

  test('the inline fallback: a registry cache asked for, the builder cannot export it, a multi-stage build', () => {
    const d = decide(config({ push: 'true' }), push('main'), PIPELINE, FILE, { inlineFallback: true });
    expect(d.backend.type).toBe('inline');
    expect(d.importStages).toEqual(['build']);
    expect(d.plan.cacheTo).toEqual(['type=inline']);
  });

  test("a merged pull request's head comes first, in import order and in cacheFrom", () => {
    const leads = { merged: [{ number: 12, head: 'feature/x' }] };
    const d = decide(config(), { event: (push('main') as { event: EventContext }).event, leads }, PIPELINE, FILE);
    expect(d.plan.imports.map((e) => e.name)).toEqual([
      'cache.build.feature_x',
      'cache.dependencies.feature_x',
      'cache.build.main',
      'cache.dependencies.main',
    ]);
    expect(d.plan.cacheFrom).toEqual(from(d.plan.imports.map((e) => e.name)));
    const none = decide(
      config(),
      { event: (push('main') as { event: EventContext }).event, leads: {} },
      PIPELINE,
      FILE,
    );
    expect(none.plan.imports.map((e) => e.name)).toEqual(['cache.build.main', 'cache.dependencies.main']);
  });
});

test('decide: a bake target tags its own entries, and imports its siblings after them', () => {
  const bake = { target: 'web', siblings: [{ target: 'api', stage: 'base' }] };
  const d = decide(config({ target: 'dependencies' }), push('feature/x'), PIPELINE, FILE, { bake });
  expect(d.plan.imports.map((e) => e.name)).toEqual([
    'cache.web.dependencies..feature_x',
    'cache.api.base..feature_x',
    'cache.web.dependencies..main',
    'cache.api.base..main',
  ]);
  expect(d.branchSlug).toBe('feature_x');
});
