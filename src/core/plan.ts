// The cache plan: which cache names to import (branch chain x stages) and the
// one to export (this branch, this stage). Names are Docker tags (tag.ts).
import { location, renderExport, renderImport, type Backend } from './backend.js';
import { checkOptions } from './cache-options.js';
import { InputError } from './errors.js';
import { legacyCacheName } from './legacy-tag.js';
import { encodeTag } from './tag.js';

export type CacheMode = 'min' | 'max';

export interface PlanInput {
  backend: Backend;
  prefix: string;
  /** The stage this build exports under. */
  stage: string;
  /** Stages to import, this stage first. */
  importStages: string[];
  branch: string | undefined;
  fallbacks: string[];
  exportCache: boolean;
  mode: CacheMode;
  /** Extra or overriding key=value options for the export, in order. */
  toOptions: [string, string][];
  /** What keeps matrix jobs apart (a platform, cache-scope), as given. */
  scope?: string;
  /** A bake target: its name is in every tag, so targets sharing a stage name never overwrite each other. */
  bakeTarget?: string;
  /** Bake targets built from the same Dockerfile: their exports are imported too (after this target's own). */
  siblings?: { target: string; stage: string }[];
  /** Passed through after the planned entries. */
  extraFrom?: string[];
  extraTo?: string[];
}

export interface CacheEntry {
  branch: string;
  stage: string;
  /** The bake target whose tag this is (bake mode). */
  target?: string;
  /** The tag (tag.ts). */
  name: string;
  /** Where it lives: <image>:<name> for registry caches, a directory, a gha scope, an s3 name. */
  ref: string;
  /** A tag of the old scheme (legacy-tag.ts): looked at only when the branch has none of the current one. */
  legacy?: boolean;
}

/** The old-scheme twin of an entry, or undefined when the old scheme had no such tag. */
export function legacyEntry(
  backend: Backend,
  e: CacheEntry,
  prefix: string,
  scope: string | undefined,
  defaultBranch: string,
): CacheEntry | undefined {
  const name = legacyCacheName(prefix, e.stage, e.branch, scope, defaultBranch);
  return name === undefined ? undefined : { ...e, name, ref: location(backend, name), legacy: true };
}

export interface CachePlan {
  imports: CacheEntry[];
  /** Undefined when this build may not write the cache. */
  export: CacheEntry | undefined;
  cacheFrom: string[];
  cacheTo: string[];
}

const NAME_PART_RE = /^[a-z0-9_][a-z0-9_.-]*$/;

/** Validate a name part given by the user (prefix, stage) so that it is tag-safe. */
export function checkNamePart(input: string, value: string): string {
  const v = value.trim().toLowerCase();
  if (!NAME_PART_RE.test(v)) {
    throw new InputError(input, `"${value}" is not tag-safe: use letters, digits, '_', '.' and '-' (not first)`);
  }
  return v;
}

/** The cache tag for a stage, branch and scope (tag.ts decides the scheme). */
export function cacheName(prefix: string, stage: string, branch: string, scope?: string, target?: string): string {
  return encodeTag({
    prefix,
    ...(target !== undefined ? { target } : {}),
    stage,
    branch,
    ...(scope !== undefined && scope !== '' ? { scope } : {}),
  });
}

export function cacheFromFor(backend: Backend, imports: CacheEntry[], extra: string[] = []): string[] {
  return [...imports.map((e) => renderImport(backend, e.name)), ...extra];
}

export function planCache(input: PlanInput): CachePlan {
  const chain = [input.branch, ...input.fallbacks].filter((b): b is string => b !== undefined && b !== '');
  // Stryker disable next-line MethodExpression: a stage listed twice gives one ref twice, and add keeps one
  const stages = [input.stage, ...input.importStages.filter((s) => s !== input.stage)].filter(
    (s, i, all) => all.indexOf(s) === i,
  );
  const entry = (branch: string, stage: string, target = input.bakeTarget): CacheEntry => {
    const name = cacheName(input.prefix, stage, branch, input.scope, target);
    return { branch, stage, name, ref: location(input.backend, name), ...(target !== undefined ? { target } : {}) };
  };

  const imports: CacheEntry[] = [];
  const seen = new Set<string>();
  const add = (e: CacheEntry) => {
    if (!seen.has(e.ref)) {
      seen.add(e.ref);
      imports.push(e);
    }
  };
  for (const branch of chain) {
    for (const stage of stages) add(entry(branch, stage));
    // A sibling bake target's export holds the stages the two share (the import planning keeps what adds records).
    for (const s of input.siblings ?? []) add(entry(branch, s.stage, s.target));
  }
  const exported = input.exportCache && input.branch ? entry(input.branch, input.stage) : undefined;

  // buildx lower-cases option keys (the last one wins): so do we, or TYPE=local
  // would get past this check and Mode=min would not override mode in place.
  const toOptions = input.toOptions.map(([k, v]): [string, string] => [k.toLowerCase(), v]);
  checkOptions(input.backend, 'cache-to-options', toOptions);
  const cacheFrom = cacheFromFor(input.backend, imports, input.extraFrom);
  const cacheTo = [
    ...(exported ? [renderExport(input.backend, exported.name, input.mode, toOptions)] : []),
    ...(input.extraTo ?? []),
  ];
  return { imports, export: exported, cacheFrom, cacheTo };
}
