// Which untagged GHCR package versions are orphaned cache manifests: every
// overwrite of a cache tag leaves the old cache manifest behind, untagged (a
// billed package version on a private package). Only a BuildKit cache manifest
// goes (its config, or in the older index layout one of its entries, is a
// cache config: cache-content.ts); never an image, an image index, or an
// index's children, which are images too.
import { cacheConfigOf } from './cache-content.js';

export type ManifestKind = 'cache' | 'image' | 'index' | 'unknown';

const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

/** What a manifest is, from its own JSON. */
export function manifestKind(manifest: unknown): ManifestKind {
  if (typeof manifest !== 'object' || manifest === null) return 'unknown';
  if (cacheConfigOf(manifest) !== undefined) return 'cache';
  const m = manifest as { mediaType?: unknown; manifests?: unknown; config?: unknown };
  if (INDEX_TYPES.includes(String(m.mediaType)) || Array.isArray(m.manifests)) return 'index';
  return m.config !== undefined ? 'image' : 'unknown';
}

export interface UntaggedVersion {
  id: number;
  /** The manifest digest. */
  digest: string;
  kind: ManifestKind;
  bytes: number;
}

/** The versions to prune: untagged cache manifests only. */
export function prunable(versions: readonly UntaggedVersion[]): UntaggedVersion[] {
  return versions.filter((v) => v.kind === 'cache');
}
