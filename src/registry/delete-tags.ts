// Deleting cache tags through the distribution API: find each tag's digest and
// the other tags on it, then delete what core/deletion.ts says may go.
import { unsupportedMessage, type TagResult } from '../core/cleanup-report.js';
import { planDeletion } from '../core/deletion.js';
import { errorMessage } from '../core/errors.js';
import { mapLimit } from '../core/map-limit.js';
import type { RegistryClient } from './registry.js';
import { RegistryError } from './registry-error.js';

/** Parallel HEADs when comparing digests: polite to the registry, still quick. */
const CONCURRENCY = 8;

function authHint(host: string, e: unknown): string {
  const status = e instanceof RegistryError ? e.status : 0;
  if (status === 401) return `${errorMessage(e)}: log in to ${host} first (docker/login-action)`;
  if (status === 403) return `${errorMessage(e)}: the credentials for ${host} may not delete`;
  return errorMessage(e);
}

/**
 * Delete `tags` through the distribution API. A manifest DELETE removes every
 * tag on that digest, so a digest another tag also points to is kept (and
 * said so). Tags that do not exist are fine.
 */
export async function deleteRegistryTags(
  client: RegistryClient,
  tags: string[],
  opts: { dryRun: boolean },
): Promise<TagResult[]> {
  const host = client.ref.host;
  let digests: (string | undefined)[];
  try {
    digests = await mapLimit(tags, CONCURRENCY, (t) => client.digest(t));
  } catch (e) {
    return tags.map((tag) => ({ tag, state: 'failed', detail: authHint(host, e) }));
  }
  const results = new Map<string, TagResult>(
    tags.map((t, i) => [t, { tag: t, state: digests[i] === undefined ? 'not found' : 'failed' }]),
  );
  const byDigest = new Map<string, string[]>();
  tags.forEach((t, i) => {
    const d = digests[i];
    if (d !== undefined) byDigest.set(d, [...(byDigest.get(d) ?? []), t]);
  });
  if (byDigest.size === 0) return tags.map((t) => results.get(t)!);

  // Which other tags share a digest: the API has no reverse lookup, so ask per tag.
  const others = new Map<string, string[]>();
  try {
    const rest = (await client.tags()).filter((t) => !tags.includes(t));
    const restDigests = await mapLimit(rest, CONCURRENCY, (t) => client.digest(t));
    rest.forEach((t, i) => {
      const d = restDigests[i];
      if (d !== undefined && byDigest.has(d)) others.set(d, [...(others.get(d) ?? []), t]);
    });
  } catch (e) {
    for (const group of byDigest.values())
      for (const t of group) results.set(t, { tag: t, state: 'failed', detail: authHint(host, e) });
    return tags.map((t) => results.get(t)!);
  }

  const holders = [...byDigest].map(([digest, group]) => ({
    id: digest,
    label: digest,
    tags: [...group, ...(others.get(digest) ?? [])],
  }));
  const plan = planDeletion(tags, holders, opts.dryRun);
  for (const r of plan.decided) if (r.state !== 'not found') results.set(r.tag, r);
  let unsupported: string | undefined;
  for (const { holder, tags: group } of plan.deletions) {
    const set = (state: TagResult['state'], detail?: string) => {
      for (const t of group) results.set(t, { tag: t, state, detail });
    };
    if (unsupported !== undefined) {
      set('unsupported', unsupported);
      continue;
    }
    try {
      const r = await client.deleteManifest(holder.id);
      if (r.outcome === 'unsupported') {
        unsupported = unsupportedMessage(host, r.detail ?? 'UNSUPPORTED');
        set('unsupported', unsupported);
      } else {
        set(r.outcome, r.outcome === 'deleted' ? holder.id : undefined);
      }
    } catch (e) {
      set('failed', authHint(host, e));
    }
  }
  return tags.map((t) => results.get(t)!);
}
