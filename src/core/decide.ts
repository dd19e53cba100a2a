// Everything the action decides, in one pure step: refs, stages, cache plan.
// The action and the command line both call this and nothing else decides.
import { InputError } from './errors.js';
import type { Config } from './inputs.js';
import type { Backend } from './backend.js';
import { checkOptions } from './cache-options.js';
import type { PrLeads } from './merged-prs.js';
import { cacheFromFor, cacheName, checkNamePart, planCache, type CachePlan } from './plan.js';
import { resolveRefs, type EventContext } from './github-event.js';
import { decideRefs, type RefDecision, type RefFacts } from './ref.js';
import { ancestors, findStage, parseStages, stageNames, type StageGraph } from './stages.js';

/** The name an unnamed last stage is cached under. */
export const UNNAMED_FINAL = 'final';

export interface Decision {
  refs: RefDecision;
  branchSlug: string;
  graph: StageGraph;
  /** The stage the build ends at (lower case), for the log. */
  targetStage: string;
  /** The validated cache-tag-prefix and the scope: what old-scheme tags are named from (legacy-tag.ts). */
  prefix: string;
  scope: string | undefined;
  /** The stage this build exports under. */
  stage: string;
  importStages: string[];
  backend: Backend;
  plan: CachePlan;
  /** Tags the image gets for the cache's sake (inline: the branch's cache tag). */
  extraTags: string[];
}

export function knownStages(graph: StageGraph): string[] {
  const names = stageNames(graph);
  const last = graph.stages[graph.stages.length - 1];
  return last !== undefined && last.name === undefined ? [...names, UNNAMED_FINAL] : names;
}

function checkStage(input: string, value: string, graph: StageGraph, file: string): string {
  const lower = value.toLowerCase();
  const known = knownStages(graph);
  if (!known.includes(lower)) {
    throw new InputError(
      input,
      `"${value}" is not a stage of ${file}: use one of ${known.join(', ') || '(no named stages)'}`,
    );
  }
  return lower; // any stage name is safe in a tag (tag.ts encodes it)
}

/**
 * Where the branch facts come from: a GitHub event (with the pull requests the API
 * found for it, merged-prs.ts), or another CI's variables (ci.ts).
 */
export type BuildSource = { event: EventContext; leads?: PrLeads } | { facts: RefFacts; where: string };

/** What keeps matrix jobs apart: `cache-scope`, else the one platform built (the tag scheme encodes it). */
export function cacheScope(config: Config): string | undefined {
  return config.cacheScope ?? (config.platforms.length === 1 ? config.platforms[0] : undefined);
}

/** The backend from the inputs; each backend's required inputs are checked here. */
export function backendFor(config: Config): Backend {
  const type = config.cacheType;
  const options = config.cacheOptions;
  let backend: Backend;
  switch (type) {
    case 'registry':
    case 'inline':
      if (!config.image) {
        throw new InputError(
          'image',
          `is required for cache-type ${type}: give a repository such as ghcr.io/owner/app`,
        );
      }
      backend = { type, image: config.image.repository, options };
      break;
    case 'local':
      if (!config.cacheDir) {
        throw new InputError(
          'cache-dir',
          'is required for cache-type local: give a directory on a disk that outlives the job',
        );
      }
      backend = { type, cacheDir: config.cacheDir, options };
      break;
    case 's3':
      if (!config.s3Bucket || !config.s3Region) {
        throw new InputError(
          config.s3Bucket ? 's3-region' : 's3-bucket',
          'is required for cache-type s3: set both s3-bucket and s3-region',
        );
      }
      backend = { type, s3: { bucket: config.s3Bucket, region: config.s3Region }, options };
      break;
    case 'gha':
      // BuildKit reads the runner's cache URL and token itself; url/token in cache-options override.
      backend = { type, options };
      break;
  }
  checkOptions(backend, 'cache-options', backend.options);
  return backend;
}

/**
 * The merged pull requests' refs ahead of the branch's own in the import planning's order: after a merge they
 * hold this commit's code, and the branch's own cache is from before it, so where the two diverge they must win.
 */
function mergedFirst(plan: CachePlan, backend: Backend, extraFrom: string[], heads: string[]): CachePlan {
  if (heads.length === 0) return plan;
  const first = plan.imports.filter((e) => heads.includes(e.branch));
  const imports = [...first, ...plan.imports.filter((e) => !heads.includes(e.branch))];
  return { ...plan, imports, cacheFrom: cacheFromFor(backend, imports, extraFrom) };
}

export interface DecideOptions {
  /** The builder cannot export caches and the user allowed the inline cache instead (builder.ts). */
  inlineFallback?: boolean;
  /** Bake mode: this target's name goes into its tags; its siblings share its Dockerfile (core/bake.ts). */
  bake?: { target: string; siblings: { target: string; stage: string }[] };
}

/** `dockerfile` undefined: it could not be read (shell/remote-dockerfile.ts), so only the target stage is known. */
export function decide(
  config: Config,
  source: BuildSource,
  dockerfile: string | undefined,
  file: string,
  opts: DecideOptions = {},
): Decision {
  const overrides = {
    branch: config.branch,
    fallbackBranches: config.fallbackBranches,
    exportCache: config.exportCache,
  };
  const resolved =
    'event' in source
      ? resolveRefs(source.event, overrides, source.leads)
      : decideRefs(source.facts, overrides, source.where);
  // A frontend method (`call: check`, `outline`...) evaluates the build without running it: nothing to save.
  const refs =
    config.call === undefined || !resolved.exportCache
      ? resolved
      : {
          ...resolved,
          exportCache: false,
          reasons: [...resolved.reasons, `no export: call ${config.call} builds nothing`],
        };

  const graph = dockerfile === undefined ? { stages: [] } : parseStages(dockerfile);
  if (dockerfile !== undefined && graph.stages.length === 0) {
    throw new InputError('file', `${file} has no FROM instruction: point \`file\` at a Dockerfile`);
  }
  // Target only: a stage of its own name (unnamed: `final`), built on nothing known; stage names taken as given.
  const unknown =
    dockerfile === undefined ? { index: 0, name: config.target?.toLowerCase(), base: '', deps: [] } : undefined;
  const checked = (input: string, value: string) =>
    unknown ? value.toLowerCase() : checkStage(input, value, graph, file);
  const target = unknown ?? findStage(graph, config.target);
  if (target === undefined) {
    throw new InputError(
      'target',
      `"${config.target}" is not a stage of ${file}: use one of ${stageNames(graph).join(', ') || '(no named stages)'}`,
    );
  }
  const targetStage = target.name ?? UNNAMED_FINAL;
  const stage = config.stage !== undefined ? checked('stage', config.stage) : targetStage;
  const importStages =
    config.cacheStages === 'auto'
      ? [stage, targetStage, ...ancestors(graph, target).flatMap((s) => (s.name ? [s.name] : []))]
      : [stage, ...config.cacheStages.map((s) => checked('cache-stages', s))];
  const unique = importStages.filter((s, i) => importStages.indexOf(s) === i);

  const backend = backendFor(opts.inlineFallback ? { ...config, cacheType: 'inline' } : config);
  if (backend.type === 'inline') {
    const builtOn = ancestors(graph, target);
    // As a fallback, some cache beats none, even for a multi-stage build.
    if (builtOn.length > 0 && !opts.inlineFallback) {
      const names = builtOn.map((s) => s.name ?? `#${s.index}`).join(', ');
      throw new InputError(
        'cache-type',
        `inline keeps only the layers of the image it is pushed with, and ${targetStage} ` +
          `builds on ${names}: use registry (or local, gha, s3) for multi-stage builds`,
      );
    }
    if (refs.exportCache && !config.push) {
      throw new InputError(
        'cache-type',
        'inline stores the cache inside the pushed image: set push: true, or use registry',
      );
    }
  }
  const scope = cacheScope(config);

  const prefix = checkNamePart('cache-tag-prefix', config.prefix);
  const planned = planCache({
    backend,
    scope,
    extraFrom: config.extraCacheFrom,
    extraTo: config.extraCacheTo,
    prefix,
    stage,
    // Stryker disable next-line ArrayDeclaration: planCache puts the stage first anyway
    importStages: backend.type === 'inline' ? [stage] : unique,
    branch: refs.branch,
    fallbacks: refs.fallbacks,
    exportCache: refs.exportCache,
    mode: config.mode,
    toOptions: config.toOptions,
    ...(opts.bake ? { bakeTarget: opts.bake.target, siblings: opts.bake.siblings } : {}),
  });
  // Stryker disable next-line ArrayDeclaration: an entry without a head moves no import
  const merged = 'event' in source ? (source.leads?.merged ?? []) : [];
  const plan = mergedFirst(
    planned,
    backend,
    config.extraCacheFrom,
    merged.map((p) => p.head),
  );
  return {
    refs,
    // The branch as its tags spell it: the last field of the tag.
    branchSlug:
      refs.branch === undefined
        ? ''
        : cacheName(prefix, stage, refs.branch, scope, opts.bake?.target).split('.').pop()!,
    graph,
    targetStage,
    prefix,
    scope,
    stage,
    importStages: backend.type === 'inline' ? [stage] : unique,
    backend,
    plan,
    extraTags: backend.type === 'inline' && plan.export ? [plan.export.ref] : [],
  };
}
