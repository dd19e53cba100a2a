// Deleting cache tags through the distribution API: find each tag's digest and
// the other tags on it, then delete what core/deletion.ts says may go.
// The API has no reverse look-up (which tags are on this digest?), so other
// tags are asked one by one, and only those that can be on it: a BuildKit
// cache manifest is tagged only by cache tags (the action tags no image with
// one), while an image (an inline cache's tag) may carry any tag.
import { createHash } from 'node:crypto';
import { cacheConfigOf } from '../core/cache-content.js';
import { unsupportedMessage, type TagResult } from '../core/cleanup-report.js';
import { planDeletion } from '../core/deletion.js';
import { errorMessage } from '../core/errors.js';
import { mapLimit } from '../core/map-limit.js';
import { parseTag } from '../core/tag.js';
import { MANIFEST_ACCEPT, type RegistryClient } from './registry.js';
import { errorOf, failingAs, RegistryError } from './registry-error.js';

/** Parallel requests when comparing digests: polite to the registry, still quick. */
const CONCURRENCY = 8;

function authHint(host: string, e: unknown): string {
  const status = e instanceof RegistryError ? e.status : 0;
  if (status === 401) return `${errorMessage(e)}: log in to ${host} first (docker/login-action)`;
  if (status === 403) return `${errorMessage(e)}: the credentials for ${host} may not delete`;
  return errorMessage(e);
}

/** `fn` over `items`, `CONCURRENCY` at a time; after the first failure no new request starts (a 429 is not pressed). */
async function eachBounded<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  let failed: unknown;
  return mapLimit(items, CONCURRENCY, async (item) => {
    if (failed !== undefined) throw failed;
    try {
      return await fn(item);
    } catch (e) {
      failed ??= e;
      throw e;
    }
  });
}

interface Manifest {
  digest: string;
  /** A BuildKit cache manifest (core/cache-content.ts), not an image. */
  cache: boolean;
}

/** A tag's manifest: its digest and whether it is a cache; undefined when there is no such tag. */
async function manifestOf(client: RegistryClient, tag: string): Promise<Manifest | undefined> {
  const what = `GET ${client.ref.host}/${client.ref.name}:${tag}`;
  return failingAs(what, new URL(client.baseUrl).host, client.timeoutMs, async () => {
    const res = await client.request('GET', `/v2/${client.ref.name}/manifests/${tag}`, { Accept: MANIFEST_ACCEPT });
    if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined); // free the connection
      return undefined;
    }
    if (!res.ok) throw await errorOf(res, what);
    const body = Buffer.from(await res.arrayBuffer());
    const digest =
      res.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined; // not JSON: not a cache manifest, so every tag is checked
    }
    return { digest, cache: cacheConfigOf(parsed) !== undefined };
  });
}

/**
 * The tags that may carry a cache manifest's digest: this scheme's (core/tag.ts,
 * any prefix), the old scheme's (core/legacy-tag.ts: `<prefix>-...`, with the
 * prefixes of the tags being deleted), and any with "cache" in its name (a
 * hand-made cache ref may hold the same bytes). Undefined when a tag being
 * deleted is of neither scheme: then nothing tells what may share it.
 */
function cacheTagTest(requested: readonly string[]): ((tag: string) => boolean) | undefined {
  const prefixes = [...new Set(requested.flatMap((t) => parseTag(t)?.prefix ?? []))];
  const legacy = (t: string) => prefixes.some((p) => t.startsWith(`${p}-`));
  if (requested.some((t) => parseTag(t) === undefined && !legacy(t))) return undefined;
  return (t) => parseTag(t) !== undefined || legacy(t) || /cache/i.test(t);
}

/**
 * Delete `tags` through the distribution API. A manifest DELETE removes every
 * tag on that digest, so a digest another tag also points to is kept (and
 * said so). Tags that do not exist are fine. Requests: a GET per tag, the tag
 * list's pages, a HEAD per other tag that may share a digest (the cache tags
 * when every manifest found is a cache, else all), a DELETE per digest.
 */
export async function deleteRegistryTags(
  client: RegistryClient,
  tags: string[],
  opts: { dryRun: boolean },
): Promise<TagResult[]> {
  const host = client.ref.host;
  let manifests: (Manifest | undefined)[];
  try {
    manifests = await eachBounded(tags, (t) => manifestOf(client, t));
  } catch (e) {
    return tags.map((tag) => ({ tag, state: 'failed', detail: authHint(host, e) }));
  }
  const results = new Map<string, TagResult>(
    tags.map((t, i) => [t, { tag: t, state: manifests[i] === undefined ? 'not found' : 'failed' }]),
  );
  const byDigest = new Map<string, string[]>();
  tags.forEach((t, i) => {
    const d = manifests[i]?.digest;
    if (d !== undefined) byDigest.set(d, [...(byDigest.get(d) ?? []), t]);
  });
  if (byDigest.size === 0) return tags.map((t) => results.get(t)!);

  // Which other tags share a digest: only cache tags can share a cache manifest's; an image's, any tag.
  const mayShare = manifests.every((m) => m === undefined || m.cache) ? cacheTagTest(tags) : undefined;
  const wanted = new Set(tags);
  const others = new Map<string, string[]>();
  try {
    const rest = (await client.tags()).filter((t) => !wanted.has(t) && (mayShare?.(t) ?? true));
    const restDigests = await eachBounded(rest, (t) => client.digest(t));
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
