// Everything the action decides, in one pure step: refs, stages, cache plan.
// The action and the command line both call this and nothing else decides.
import { InputError } from './errors.js';
import type { Config } from './inputs.js';
import { checkNamePart, planCache, type CachePlan } from './plan.js';
import { decideRefs, resolveRefs, type EventContext, type RefDecision, type RefFacts } from './ref.js';
import { fitSlug, MAX_TAG_LENGTH, slugifyBranch } from './slug.js';
import { ancestors, findStage, parseStages, stageNames, type StageGraph } from './stages.js';

/** The name an unnamed last stage is cached under. */
export const UNNAMED_FINAL = 'final';

export interface Decision {
  refs: RefDecision;
  branchSlug: string;
  graph: StageGraph;
  /** The stage the build ends at (lower case), for the log. */
  targetStage: string;
  /** The stage this build exports under. */
  stage: string;
  importStages: string[];
  plan: CachePlan;
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
    throw new InputError(input, `"${value}" is not a stage of ${file}: use one of ${known.join(', ') || '(no named stages)'}`);
  }
  return checkNamePart(input, lower);
}

/** Where the branch facts come from: a GitHub event, or another CI's variables (ci.ts). */
export type BuildSource = { event: EventContext } | { facts: RefFacts; where: string };

export function decide(config: Config, source: BuildSource, dockerfile: string, file: string): Decision {
  const overrides = { branch: config.branch, fallbackBranches: config.fallbackBranches, exportCache: config.exportCache };
  const refs =
    'event' in source
      ? resolveRefs(source.event, overrides)
      : decideRefs(source.facts, overrides, source.where);

  const graph = parseStages(dockerfile);
  if (graph.stages.length === 0) {
    throw new InputError('file', `${file} has no FROM instruction: point \`file\` at a Dockerfile`);
  }
  const target = findStage(graph, config.target);
  if (target === undefined) {
    throw new InputError(
      'target',
      `"${config.target}" is not a stage of ${file}: use one of ${stageNames(graph).join(', ') || '(no named stages)'}`,
    );
  }
  const targetStage = target.name ?? UNNAMED_FINAL;
  const stage = config.stage !== undefined ? checkStage('stage', config.stage, graph, file) : targetStage;
  const importStages =
    config.cacheStages === 'auto'
      ? [stage, targetStage, ...ancestors(graph, target).flatMap((s) => (s.name ? [s.name] : []))]
      : [stage, ...config.cacheStages.map((s) => checkStage('cache-stages', s, graph, file))];
  const unique = importStages.filter((s, i) => importStages.indexOf(s) === i);

  const plan = planCache({
    image: config.image.repository,
    prefix: checkNamePart('cache-tag-prefix', config.prefix),
    stage,
    importStages: unique,
    branch: refs.branch,
    fallbacks: refs.fallbacks,
    exportCache: refs.exportCache,
    mode: config.mode,
    toOptions: config.toOptions,
  });
  return {
    refs,
    branchSlug: refs.branch === undefined ? '' : fitSlug(slugifyBranch(refs.branch), refs.branch, MAX_TAG_LENGTH),
    graph,
    targetStage,
    stage,
    importStages: unique,
    plan,
  };
}
