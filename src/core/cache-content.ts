// What a BuildKit cache manifest holds, as plain data: the set of cache records
// (one per build step it can serve) with when each result was made. Two refs
// that hold records for the same steps are compared by these sets (import-plan.ts).
import { createHash } from 'node:crypto';

/** The media type of BuildKit's cache config, in either registry layout. */
export const CACHE_CONFIG_TYPE = 'application/vnd.buildkit.cacheconfig.v0';

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
}

/**
 * Where the cache config is: the manifest's config (image-manifest=true) or the
 * index entry of that media type (the older index layout). Undefined when the
 * manifest is not a BuildKit cache (an image pushed to the cache tag, say).
 */
export function cacheConfigOf(manifest: unknown): Descriptor | undefined {
  if (typeof manifest !== 'object' || manifest === null) return undefined;
  const m = manifest as { config?: Descriptor; manifests?: Descriptor[] };
  if (m.config?.mediaType === CACHE_CONFIG_TYPE && typeof m.config.digest === 'string') return m.config;
  return (m.manifests ?? []).find((d) => d?.mediaType === CACHE_CONFIG_TYPE && typeof d.digest === 'string');
}

/**
 * The bytes a manifest names: its config and layers, or (the older cache layout, an index) its entries. "Up to":
 * blobs another manifest shares are stored once. Undefined for what names neither.
 */
export function manifestBytes(manifest: unknown): number | undefined {
  const m = manifest as { config?: { size?: unknown }; layers?: unknown; manifests?: unknown } | null;
  if (!Array.isArray(m?.layers) && !Array.isArray(m?.manifests)) return undefined;
  const entries = [...(Array.isArray(m.layers) ? m.layers : []), ...(Array.isArray(m.manifests) ? m.manifests : [])];
  const sizes = [m.config?.size, ...entries.map((e) => (e as { size?: unknown } | null)?.size)];
  return sizes.reduce<number>((sum, s) => sum + (typeof s === 'number' && s > 0 ? s : 0), 0);
}

export interface CacheContent {
  /**
   * Record identity (the step's key and, recursively, the keys it was built
   * from) → newest result time (ms), or 0.
   */
  records: Map<string, number>;
}

interface RawRecord {
  digest?: string;
  inputs?: { selector?: string; link?: number }[][];
  layers?: { createdAt?: string }[];
  chains?: { createdAt?: string }[];
}

/**
 * Read a cache config. A record's own `digest` is the step's cache key without
 * its inputs, so its identity folds in the identities of the records it links
 * to: two manifests share a record only when they share the whole chain to it.
 */
export function readCacheConfig(config: unknown): CacheContent {
  if (typeof config !== 'object' || config === null || !Array.isArray((config as { records?: unknown }).records)) {
    throw new Error('not a BuildKit cache config (no records)');
  }
  const raw = (config as { records: RawRecord[] }).records;
  const ids: (string | undefined)[] = new Array(raw.length);
  const visiting = new Set<number>();
  const idOf = (i: number): string => {
    const known = ids[i];
    if (known !== undefined) return known;
    const r = raw[i];
    if (r === undefined || typeof r.digest !== 'string' || visiting.has(i))
      throw new Error(`cache record ${i} is malformed`);
    visiting.add(i);
    const inputs = (r.inputs ?? []).map((group) =>
      group
        .map((inp) => `${inp.selector ?? ''}@${idOf(inp.link ?? -1)}`)
        .sort()
        .join(','),
    );
    visiting.delete(i);
    const id = createHash('sha256')
      .update(`${r.digest}|${inputs.join(';')}`)
      .digest('hex')
      .slice(0, 32);
    ids[i] = id;
    return id;
  };
  const records = new Map<string, number>();
  raw.forEach((r, i) => {
    const times = [...(r.layers ?? []), ...(r.chains ?? [])]
      .map((x) => Date.parse(x.createdAt ?? ''))
      .filter(Number.isFinite);
    const id = idOf(i);
    records.set(id, Math.max(records.get(id) ?? 0, 0, ...times));
  });
  return { records };
}
