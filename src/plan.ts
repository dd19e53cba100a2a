// The cache plan: which cache names to import (branch chain x stages) and the
// one to export (this branch, this stage). Names are Docker tags
// `<prefix>-<stage>[-<scope>]-<branch slug>`, at most 128 characters.
import { checkOptions, location, renderExport, renderImport, type Backend } from './backend.js';
import { InputError } from './errors.js';
import { fitSlug, isValidTag, MAX_TAG_LENGTH, shortHash, slugifyBranch } from './slug.js';

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
  /** Already-sanitised scope (e.g. a platform) that keeps matrix jobs apart. */
  scope?: string;
  /** Other branches that merely slug like it get a hashed name (see cacheName). */
  defaultBranch?: string;
  /** Passed through after the planned entries. */
  extraFrom?: string[];
  extraTo?: string[];
}

export interface CacheEntry {
  branch: string;
  stage: string;
  /** The tag: <prefix>-<stage>[-<scope>]-<slug> */
  name: string;
  /** Where it lives: <image>:<name> for registry caches, a directory, a gha scope, an s3 name. */
  ref: string;
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

export function cacheName(prefix: string, stage: string, branch: string, scope?: string, defaultBranch?: string): string {
  const head = [prefix, stage, scope].filter((p) => p !== undefined && p !== '').join('-') + '-';
  const room = MAX_TAG_LENGTH - head.length;
  let slug: string;
  try {
    slug = fitSlug(slugifyBranch(branch), branch, room);
    // `Main`, `main-` or `main!` must not write (or clean up) the default branch's cache,
    // which every branch imports: a branch that only slugs like it gets a hash of its own.
    if (defaultBranch !== undefined && branch !== defaultBranch && slug === fitSlug(slugifyBranch(defaultBranch), defaultBranch, room)) {
      slug = fitSlug(`${slug}-${shortHash(branch)}`, branch, room);
    }
  } catch {
    throw new InputError(
      'cache-tag-prefix',
      `"${head}" leaves too little room for the branch in a ${MAX_TAG_LENGTH}-character tag: shorten cache-tag-prefix, the stage name or cache-scope`,
    );
  }
  const name = head + slug;
  if (!isValidTag(name)) throw new Error(`internal: produced an invalid tag "${name}"`); // slug.ts guarantees this
  return name;
}

export function cacheFromFor(backend: Backend, imports: CacheEntry[], extra: string[] = []): string[] {
  return [...imports.map((e) => renderImport(backend, e.name)), ...extra];
}

export function planCache(input: PlanInput): CachePlan {
  const chain = [input.branch, ...input.fallbacks].filter((b): b is string => b !== undefined && b !== '');
  const stages = [input.stage, ...input.importStages.filter((s) => s !== input.stage)].filter(
    (s, i, all) => all.indexOf(s) === i,
  );
  const entry = (branch: string, stage: string): CacheEntry => {
    const name = cacheName(input.prefix, stage, branch, input.scope, input.defaultBranch);
    return { branch, stage, name, ref: location(input.backend, name) };
  };

  const imports: CacheEntry[] = [];
  const seen = new Set<string>();
  for (const branch of chain) {
    for (const stage of stages) {
      const e = entry(branch, stage);
      // Two branches can share a slug (feature/a, feature-a): import it once.
      if (!seen.has(e.ref)) {
        seen.add(e.ref);
        imports.push(e);
      }
    }
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
