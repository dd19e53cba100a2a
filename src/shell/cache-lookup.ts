// The shell's look at the planned cache refs before a build: for each one,
// whether it exists, its digest and the cache records it holds. Registry refs
// are looked at over the distribution API (a HEAD each; a GET of the manifest,
// then of the cache config, only for refs that exist when there is a choice to
// make; concurrent and bounded), local caches in their directory. import-plan.ts
// decides from the answers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheConfigOf, readCacheConfig, type Descriptor } from '../core/cache-content.js';
import { errorMessage } from '../core/errors.js';
import { mapLimit } from '../core/map-limit.js';
import type { CacheEntry } from '../core/plan.js';
import type { ProbeResult } from '../core/probe.js';
import { probeRefs } from './proc.js';
import {
  CONCURRENCY,
  type EarlyRegistry,
  type LookupOptions,
  openRegistry,
  probeTags,
  readExisting,
  type Registry,
} from './registry-lookup.js';

/** Refs looked at per build: a Dockerfile of 200 stages must not mean 400 look-ups (the rest are not imported). */
export const MAX_LOOKUPS = 32;

/** A local cache directory (an OCI layout written by BuildKit's local exporter). */
export function lookUpLocal(dir: string): ProbeResult {
  let index: { manifests?: Descriptor[] };
  try {
    index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests?: Descriptor[] };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ref: dir, state: 'missing' };
    return { ref: dir, state: 'exists', detail: `its index.json cannot be read (${errorMessage(e)})` };
  }
  const blob = (d: Descriptor): Buffer => readFileSync(join(dir, 'blobs', ...d.digest.split(':')));
  try {
    const top = index.manifests?.[index.manifests.length - 1];
    if (top === undefined) return { ref: dir, state: 'exists', detail: 'its index.json lists no manifest' };
    const config = cacheConfigOf(JSON.parse(blob(top).toString('utf8')));
    if (config === undefined)
      return { ref: dir, state: 'exists', digest: top.digest, detail: 'it is not a BuildKit cache' };
    return {
      ref: dir,
      state: 'exists',
      digest: top.digest,
      content: readCacheConfig(JSON.parse(blob(config).toString('utf8'))),
    };
  } catch (e) {
    return { ref: dir, state: 'exists', detail: `it cannot be read (${errorMessage(e)})` };
  }
}

export interface PlanLookupOptions extends LookupOptions {
  /** The buildx builder, for the credential-helper fallback. */
  builder?: string;
  /** The registry opened early (registry-lookup.ts openEarly), used when it is this image's. */
  early?: EarlyRegistry;
}

const tagsOf = (entries: CacheEntry[]) => entries.map((e) => ({ ref: e.ref, tag: e.name }));

/** Which of `entries` exist: a HEAD each in a registry; a local cache is read whole (no network). */
async function probeEntries(
  type: 'registry' | 'local',
  registry: Registry | { failure: string } | undefined,
  entries: CacheEntry[],
  opts: PlanLookupOptions,
): Promise<ProbeResult[]> {
  if (entries.length === 0) return [];
  if (type === 'local' || registry === undefined) return entries.map((e) => lookUpLocal(e.ref));
  const results = await probeTags(registry, tagsOf(entries));
  // A credential helper that gave this action nothing usable may still serve docker: ask it which refs exist.
  const helped = results.filter((r) => r.state === 'unknown' && r.detail?.includes('credential helper'));
  if (helped.length === 0) return results;
  const again = new Map(
    (
      await mapLimit(
        helped,
        CONCURRENCY,
        async (r) => (await probeRefs([r.ref], opts.builder, opts.timeoutMs, false))?.[0],
      )
    ).flatMap((r) => (r ? [[r.ref, r] as const] : [])),
  );
  return results.map((r) => {
    const other = again.get(r.ref);
    return other === undefined
      ? r
      : other.state === 'exists'
        ? { ...other, detail: `found by docker buildx imagetools inspect, its content not read: ${r.detail}` }
        : other;
  });
}

export interface PlanLookup {
  /** The planned entries still in play: old-scheme tags only for branches without current ones. */
  entries: CacheEntry[];
  results: ProbeResult[];
  /** How many planned refs were not looked at (beyond MAX_LOOKUPS): they are not imported. */
  skipped: number;
  /** The registry client it used, with its tokens: the read of the export after the build reuses it. */
  registry?: Registry | { failure: string };
}

/**
 * The current tags first; a branch none of whose current tags exist has its
 * old-scheme tags looked at too (legacy-tag.ts), so it is not cold after the
 * upgrade. At most MAX_LOOKUPS refs, in the plan's order of preference.
 */
export async function lookUpPlan(
  type: 'registry' | 'local',
  image: string | undefined,
  planned: CacheEntry[],
  legacyOf: (e: CacheEntry) => CacheEntry | undefined,
  opts: PlanLookupOptions,
): Promise<PlanLookup> {
  // One client for every request (one credential look-up, one token per scope).
  const early = opts.early?.repository === image ? opts.early?.opened : undefined;
  const registry = type !== 'registry' ? undefined : await (early ?? openRegistry(image!, opts));
  const first = planned.slice(0, MAX_LOOKUPS);
  let results = await probeEntries(type, registry, first, opts);
  const covered = new Set(first.filter((_, i) => results[i]!.state !== 'missing').map((e) => e.branch));
  const seen = new Set(first.map((e) => e.ref));
  // Each old tag once (branches shared them), right after its branch's current tags.
  const twins = first.flatMap((e) => {
    const twin = covered.has(e.branch) ? undefined : legacyOf(e);
    if (twin === undefined || seen.has(twin.ref)) return [];
    seen.add(twin.ref);
    return [twin];
  });
  const second = twins.slice(0, MAX_LOOKUPS - first.length);
  results.push(...(await probeEntries(type, registry, second, opts)));
  // What a ref holds matters only when there is a choice (import-plan.ts): one existing ref is imported as it is,
  // unread (a manifest GET counts as a pull on Docker Hub, a HEAD does not).
  if (registry !== undefined && results.filter((r) => r.state === 'exists').length >= 2)
    results = await readExisting(registry, tagsOf([...first, ...second]), results);
  const rank = (e: CacheEntry) => first.findIndex((f) => f.branch === e.branch) * 2 + (e.legacy ? 1 : 0);
  const looked = [...first, ...second]
    .map((e, i) => ({ e, r: results[i]!, i }))
    // An old tag that is not there was only a maybe: not worth a line in the log and summary.
    .filter((x) => !(x.e.legacy && x.r.state === 'missing'))
    .sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i);
  return {
    entries: looked.map((x) => x.e),
    results: looked.map((x) => x.r),
    skipped: planned.length - first.length,
    ...(registry !== undefined ? { registry } : {}),
  };
}
