// The cache plan: which cache names to import (branch chain x stages) and the
// one to export (this branch, this stage). Names are Docker tags
// `<prefix>-<stage>[-<scope>]-<branch slug>`, at most 128 characters.
import { InputError } from './errors.js';
import { fitSlug, isValidTag, MAX_TAG_LENGTH, slugifyBranch } from './slug.js';

export type CacheMode = 'min' | 'max';

export interface PlanInput {
  /** Normalised repository, e.g. ghcr.io/acme/app */
  image: string;
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
}

export interface CacheEntry {
  branch: string;
  stage: string;
  /** The tag: <prefix>-<stage>[-<scope>]-<slug> */
  name: string;
  /** The full reference: <image>:<name> */
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

export function cacheName(prefix: string, stage: string, branch: string, scope?: string): string {
  const head = [prefix, stage, scope].filter((p) => p !== undefined && p !== '').join('-') + '-';
  const room = MAX_TAG_LENGTH - head.length;
  let slug: string;
  try {
    slug = fitSlug(slugifyBranch(branch), branch, room);
  } catch {
    throw new InputError(
      'cache-tag-prefix',
      `"${head}" leaves too little room for the branch in a ${MAX_TAG_LENGTH}-character tag: shorten the prefix, stage or scope`,
    );
  }
  const name = head + slug;
  if (!isValidTag(name)) throw new Error(`internal: produced an invalid tag "${name}"`); // slug.ts guarantees this
  return name;
}

/** Render key=value pairs; later keys override earlier ones, in place. */
export function renderOptions(pairs: [string, string][]): string {
  const merged = new Map<string, string>();
  for (const [k, v] of pairs) merged.set(k, v);
  return [...merged].map(([k, v]) => `${k}=${v}`).join(',');
}

export function registryCacheFrom(imports: CacheEntry[]): string[] {
  return imports.map((e) => `type=registry,ref=${e.ref}`);
}

export function planCache(input: PlanInput): CachePlan {
  const chain = [input.branch, ...input.fallbacks].filter((b): b is string => b !== undefined && b !== '');
  const stages = [input.stage, ...input.importStages.filter((s) => s !== input.stage)].filter(
    (s, i, all) => all.indexOf(s) === i,
  );
  const entry = (branch: string, stage: string): CacheEntry => {
    const name = cacheName(input.prefix, stage, branch, input.scope);
    return { branch, stage, name, ref: `${input.image}:${name}` };
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
  for (const [k] of toOptions) {
    if (k === 'type' || k === 'ref') {
      throw new InputError('cache-to-options', `cannot override "${k}": the action decides where the cache goes`);
    }
  }
  const cacheFrom = registryCacheFrom(imports);
  const cacheTo = exported
    ? [
        renderOptions([
          ['type', 'registry'],
          ['ref', exported.ref],
          ['mode', input.mode],
          // The image-manifest layout is what GHCR, ECR and Harbor accept.
          ['image-manifest', 'true'],
          ['oci-mediatypes', 'true'],
          // A failed cache export must not fail a good build (it is reported instead).
          ['ignore-error', 'true'],
          ...toOptions,
        ]),
      ]
    : [];
  return { imports, export: exported, cacheFrom, cacheTo };
}
