// Pruning orphaned cache manifests on GHCR (`prune-untagged: true` with a
// sweep): list the package's versions, read the manifest of each untagged one
// from ghcr.io's registry API (the GitHub token, exchanged for a pull token as
// docker does), and delete those core/prune.ts calls cache manifests.
import { errorMessage } from '../core/errors.js';
import { mapLimit } from '../core/map-limit.js';
import { manifestBytes } from '../core/cache-content.js';
import { manifestKind, prunable, type UntaggedVersion } from '../core/prune.js';
import { GhcrClient, ghcrPackage } from '../registry/ghcr.js';
import { parseRepository } from '../registry/reference.js';
import { RegistryClient } from '../registry/registry.js';

const CONCURRENCY = 8;

export interface PruneResult {
  version: UntaggedVersion;
  state: 'deleted' | 'would delete' | 'failed';
  detail?: string;
}

export interface PruneOutcome {
  /** Untagged versions seen, and what each is. */
  untagged: UntaggedVersion[];
  results: PruneResult[];
}

export async function pruneUntagged(opts: {
  image: string;
  token: string;
  dryRun: boolean;
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** For tests: ghcr.io's registry API at another address. */
  registryUrl?: string;
}): Promise<PruneOutcome> {
  const pkg = ghcrPackage(opts.image);
  const ghcr = new GhcrClient({ token: opts.token, apiUrl: opts.env.GITHUB_API_URL, timeoutMs: opts.timeoutMs });
  const listed = await ghcr.versions(pkg);
  if (listed === undefined) return { untagged: [], results: [] };
  const registry = new RegistryClient(parseRepository(opts.image), {
    // ghcr.io takes the GitHub token as the password of any user name, for a Bearer token per scope.
    credentials: { username: 'buildx-branch-cache', password: opts.token },
    baseUrl: opts.registryUrl,
    timeoutMs: opts.timeoutMs,
  });
  const bare = listed.versions.filter((v) => (v.metadata?.container?.tags ?? []).length === 0);
  const untagged = await mapLimit(bare, CONCURRENCY, async (v): Promise<UntaggedVersion> => {
    const base = { id: v.id, digest: v.name, kind: 'unknown' as const, bytes: 0 };
    try {
      const manifest = await registry.manifest(v.name);
      return { ...base, kind: manifestKind(manifest), bytes: manifestBytes(manifest) ?? 0 };
    } catch {
      // Unreadable: not known to be a cache manifest, so it stays.
      return base;
    }
  });
  const results: PruneResult[] = [];
  for (const version of prunable(untagged)) {
    if (opts.dryRun) {
      results.push({ version, state: 'would delete' });
      continue;
    }
    try {
      await ghcr.deleteVersion(listed.kind, pkg, version.id);
      results.push({ version, state: 'deleted' });
    } catch (e) {
      results.push({ version, state: 'failed', detail: errorMessage(e) });
    }
  }
  return { untagged, results };
}

/** One log line per pruned (or prunable) version, then the count and the space. */
export function pruneLines(image: string, outcome: PruneOutcome): string[] {
  const counts = (kind: string) => outcome.untagged.filter((v) => v.kind === kind).length;
  const freed = outcome.results.filter((r) => r.state !== 'failed').reduce((n, r) => n + r.version.bytes, 0);
  return [
    ...outcome.results.map(
      (r) => `${r.state}: ${image}@${r.version.digest} (version ${r.version.id})${r.detail ? `: ${r.detail}` : ''}`,
    ),
    `untagged versions: ${outcome.untagged.length} (${counts('cache')} cache manifests, ${counts('image')} images, ` +
      `${counts('index')} indexes, ${counts('unknown')} unread); up to ${freed} bytes in the cache manifests pruned`,
  ];
}
