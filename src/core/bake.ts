// Bake mode, the pure part: the definition buildx resolved (`docker buildx bake
// --print`: HCL variables, functions, inheritance, matrices and compose files are
// buildx's business), which targets run, which share a Dockerfile, the same
// definition with each target's planned caches added, and each target's share
// of the progress report. shell/bake.ts runs it.
import { UNNAMED_FINAL } from './decide.js';
import { InputError } from './errors.js';
import { findStage, parseStages } from './stages.js';
import { type ProgressReport, summarize, type Vertex } from './step-report.js';

/** One target as `--print` writes it; `raw` is written back whole, with the caches added. */
export interface BakeTarget {
  name: string;
  context: string;
  dockerfile: string;
  dockerfileInline?: string;
  /** The Dockerfile stage it builds (its last stage when unset). */
  stage?: string;
  platforms: string[];
  raw: Record<string, unknown>;
}

export interface BakeDefinition {
  groups: Record<string, string[]>;
  targets: Record<string, BakeTarget>;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);

/** `--print`'s JSON, checked for what the plan reads. */
export function parseBakeDefinition(json: unknown): BakeDefinition {
  if (!isObject(json) || !isObject(json.target))
    throw new Error('docker buildx bake --print gave no "target" object: is this a bake definition?');
  const groups = Object.fromEntries(
    Object.entries(isObject(json.group) ? json.group : {}).map(([name, g]) => [
      name,
      strings(isObject(g) ? g.targets : []),
    ]),
  );
  const targets: Record<string, BakeTarget> = {};
  for (const [name, raw] of Object.entries(json.target)) {
    if (!isObject(raw)) continue;
    const str = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
    targets[name] = {
      name,
      context: str('context') ?? '.',
      dockerfile: str('dockerfile') ?? 'Dockerfile',
      ...(str('dockerfile-inline') !== undefined ? { dockerfileInline: str('dockerfile-inline') } : {}),
      ...(str('target') !== undefined ? { stage: str('target') } : {}),
      platforms: strings(raw.platforms),
      raw,
    };
  }
  return { groups, targets };
}

/**
 * The targets a run builds, in order and once each: the requested names (groups
 * expanded), else the `default` group or target, as bake chooses. `--print`
 * has already resolved the requested names, so an unknown one is this
 * definition's gap, said with the names there are.
 */
export function targetsToBuild(def: BakeDefinition, requested: readonly string[]): BakeTarget[] {
  const names = requested.length > 0 ? requested : ['default'];
  const out: string[] = [];
  const expand = (name: string, seen: Set<string>) => {
    if (def.groups[name] !== undefined) {
      if (seen.has(name))
        throw new InputError('targets', `group "${name}" includes itself (${[...seen, name].join(' -> ')}): remove it`);
      for (const t of def.groups[name]!) expand(t, new Set([...seen, name]));
    } else if (def.targets[name] !== undefined) {
      if (!out.includes(name)) out.push(name);
    } else {
      const known = [...Object.keys(def.groups), ...Object.keys(def.targets)].sort().join(', ');
      throw new InputError('targets', `"${name}" is not a target or group of the bake definition: use one of ${known}`);
    }
  };
  for (const n of names) expand(n, new Set());
  return out.map((n) => def.targets[n]!);
}

/** What makes two targets' Dockerfiles the same one: the context and file, or the inline text. */
export function dockerfileKey(t: BakeTarget): string {
  return t.dockerfileInline !== undefined ? `inline:${t.dockerfileInline}` : `${t.context}\u0000${t.dockerfile}`;
}

/**
 * The other targets built from the same Dockerfile that export another stage, with that stage: what the two
 * share (a base stage) is in their export. One that exports the same stage (a matrix variant, other args) is a
 * rival build of it, not a source: its records diverge from this target's own, and could win the planning.
 */
export function siblingsOf(t: BakeTarget, all: readonly BakeTarget[], stages: ReadonlyMap<string, string>) {
  const stageOf = (o: BakeTarget) => stages.get(o.name)!;
  return all
    .filter((o) => o.name !== t.name && dockerfileKey(o) === dockerfileKey(t) && stageOf(o) !== stageOf(t))
    .map((o) => ({ target: o.name, stage: stageOf(o) }));
}

/**
 * The stage a target exports under, as decide.ts names it: its `target`, else its Dockerfile's last stage
 * (`final` when unnamed). `dockerfile` undefined (a remote context): the `target` as written.
 */
export function exportStage(t: BakeTarget, dockerfile: string | undefined): string {
  if (dockerfile === undefined) return (t.stage ?? UNNAMED_FINAL).toLowerCase();
  return findStage(parseStages(dockerfile), t.stage)?.name ?? UNNAMED_FINAL;
}

/** The definition to run: the resolved one, only the targets built, each with its planned cache-from and -to. */
export function withCaches(
  def: BakeDefinition,
  caches: Record<string, { cacheFrom: string[]; cacheTo: string[] }>,
): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  for (const [name, c] of Object.entries(caches)) {
    const raw = def.targets[name]!.raw;
    // The user's own cache-from/-to (a bake file may name some) come after the planned ones.
    target[name] = {
      ...raw,
      'cache-from': [...c.cacheFrom, ...strings(raw['cache-from'])],
      'cache-to': [...c.cacheTo, ...strings(raw['cache-to'])],
    };
  }
  return { target };
}

/**
 * One target's part of a bake's progress: with several targets BuildKit names
 * each vertex `[<target> <stage> 2/3]` or `[<target>] exporting cache ...`; with
 * one, as a build does. A step two targets share is built once, under one name.
 */
export function reportOf(
  vertices: readonly Vertex[],
  target: string,
  several: boolean,
  more: { warnings?: string[]; malformed?: number } = {},
): ProgressReport {
  if (!several) return summarize([...vertices], more);
  const mine = vertices.flatMap((v) => {
    const m = /^\[([^\s\]]+)(?: |\] )(.*)$/s.exec(v.name);
    if (m === null || m[1] !== target) return [];
    // `[api base 1/3] RUN x` -> `[base 1/3] RUN x`; `[api] exporting cache` -> `exporting cache`.
    return [{ ...v, name: v.name.startsWith(`[${target}] `) ? m[2]! : `[${m[2]!}` }];
  });
  return summarize(mine, more);
}
