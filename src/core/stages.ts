// The Dockerfile's stage graph: each stage's name and the stages it builds on
// (FROM <stage>, COPY --from=<stage|index>, RUN --mount=...,from=<stage>).
// Stage names are case-insensitive, so everything here is lower case.
import { DockerfileParser, type Instruction } from 'dockerfile-ast';

export interface Stage {
  index: number;
  /** Lower-cased `AS` name, or undefined for an unnamed stage. */
  name: string | undefined;
  /** The FROM image as written (a stage name or an external image). */
  base: string;
  /** Indexes of the stages this one uses directly. */
  deps: number[];
}

export interface StageGraph {
  stages: Stage[];
}

interface FlagLike {
  getName(): string;
  getValue(): string | null;
  getOptions(): { getName(): string; getValue(): string | null }[];
}

function flagsOf(instruction: Instruction): FlagLike[] {
  const maybe = instruction as unknown as { getFlags?: () => FlagLike[] };
  return typeof maybe.getFlags === 'function' ? maybe.getFlags() : [];
}

export function parseStages(content: string): StageGraph {
  const dockerfile = DockerfileParser.parse(content);
  const stages: Stage[] = [];
  const byName = new Map<string, number>();

  // A reference is a stage when it names an earlier stage or is a stage index;
  // anything else is an external image (alpine, ghcr.io/x/y:1).
  const resolve = (ref: string | null | undefined, current: number): number | undefined => {
    if (!ref) return undefined;
    const lower = ref.toLowerCase();
    const named = byName.get(lower);
    if (named !== undefined && named !== current) return named;
    if (/^\d+$/.test(ref)) {
      const i = Number(ref);
      return i < current ? i : undefined;
    }
    return undefined;
  };
  const addDep = (stage: Stage, dep: number | undefined) => {
    if (dep !== undefined && !stage.deps.includes(dep)) stage.deps.push(dep);
  };

  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    if (keyword === 'FROM') {
      const from = instruction as unknown as { getImage(): string | null; getBuildStage(): string | null };
      const index = stages.length;
      const image = from.getImage() ?? '';
      const name = from.getBuildStage()?.toLowerCase() ?? undefined;
      const stage: Stage = { index, name, base: image, deps: [] };
      addDep(stage, resolve(image, index));
      stages.push(stage);
      // Stryker disable next-line ConditionalExpression: a key undefined is never looked up (resolve gets a string)
      if (name !== undefined) byName.set(name, index);
      continue;
    }
    const current = stages[stages.length - 1];
    if (current === undefined) continue; // ARG before the first FROM
    for (const flag of flagsOf(instruction)) {
      const flagName = flag.getName().toLowerCase();
      if (flagName === 'from' && (keyword === 'COPY' || keyword === 'ADD')) {
        addDep(current, resolve(flag.getValue(), current.index));
      } else if (flagName === 'mount' && keyword === 'RUN') {
        for (const option of flag.getOptions()) {
          if (option.getName().toLowerCase() === 'from') addDep(current, resolve(option.getValue(), current.index));
        }
      }
    }
  }
  return { stages };
}

/** The stage a build of `target` ends at: the named stage, or the last one. */
export function findStage(graph: StageGraph, target: string | undefined): Stage | undefined {
  if (target === undefined || target === '') return graph.stages[graph.stages.length - 1];
  const lower = target.toLowerCase();
  return graph.stages.find((s) => s.name === lower);
}

/** Every stage `stage` builds on, transitively, nearest first; the stage itself excluded. */
export function ancestors(graph: StageGraph, stage: Stage): Stage[] {
  // Stryker disable next-line ArrayDeclaration: deps point at earlier stages only, so no path leads back to the stage
  const seen = new Set<number>([stage.index]);
  const out: Stage[] = [];
  const queue = [...stage.deps];
  while (queue.length > 0) {
    const i = queue.shift()!;
    if (seen.has(i)) continue;
    seen.add(i);
    const s = graph.stages[i];
    if (s === undefined) continue;
    out.push(s);
    queue.push(...s.deps);
  }
  return out;
}

export function stageNames(graph: StageGraph): string[] {
  return graph.stages.flatMap((s) => (s.name === undefined ? [] : [s.name]));
}

/**
 * Whether two stages (by cache name; `finalName` stands for an unnamed last
 * stage) share a line of descent: the same stage, or one builds on the other.
 * Unknown names are taken as related, the safe side for import planning.
 */
export function sharesLine(graph: StageGraph, finalName: string): (a: string, b: string) => boolean {
  const byName = (n: string): Stage | undefined =>
    graph.stages.find((s) => s.name === n) ?? (n === finalName ? graph.stages[graph.stages.length - 1] : undefined);
  return (a, b) => {
    const sa = byName(a);
    const sb = byName(b);
    if (sa === undefined || sb === undefined) return true;
    if (sa.index === sb.index) return true;
    return (
      ancestors(graph, sa).some((s) => s.index === sb.index) || ancestors(graph, sb).some((s) => s.index === sa.index)
    );
  };
}
