// Deleting cache tags through the distribution API, one tag at a time and
// nothing else. A manifest DELETE (by digest: the API has no other delete
// that every registry speaks) removes every tag on that digest, and finding
// those tags would mean asking every tag of the repository, one request each.
// So each tag is first pointed at a placeholder manifest of its own, unique to
// it, and the placeholder is deleted: that tag goes, and whatever else shared
// its old manifest (another branch's cache with the same content, the image an
// inline cache sits on) keeps it. The old manifest is left untagged, for the
// registry's own clean-up of untagged manifests (README: "Cleaning up branch caches").
import { randomBytes } from 'node:crypto';
import { unsupportedMessage, type TagResult } from '../core/cleanup-report.js';
import { errorMessage } from '../core/errors.js';
import { mapLimit } from '../core/map-limit.js';
import { type RegistryClient, sha256 } from './registry.js';
import { RegistryError } from './registry-error.js';

/** Parallel requests: polite to the registry, still quick. */
const CONCURRENCY = 8;

/** OCI's empty descriptor: the placeholder's config and only layer (an artifact with no content). */
const EMPTY = '{}';
const EMPTY_DESCRIPTOR = { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(EMPTY), size: 2 };
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** A manifest that is on `tag` only: its annotations make its digest unique to the tag and this run. */
export function placeholder(tag: string, run: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: EMPTY_DESCRIPTOR,
    layers: [EMPTY_DESCRIPTOR],
    annotations: { 'io.github.buildx-branch-cache.removing': tag, 'io.github.buildx-branch-cache.run': run },
  });
}

function authHint(host: string, e: unknown): string {
  const status = e instanceof RegistryError ? e.status : 0;
  if (status === 401) return `${errorMessage(e)}: log in to ${host} first (docker/login-action)`;
  if (status === 403) return `${errorMessage(e)}: the credentials for ${host} may not push and delete`;
  return errorMessage(e);
}

/** `fn` over `items`, CONCURRENCY at a time; after the first failure no new request starts (a 429 is not pressed). */
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

/**
 * Before any tag is touched: the placeholder's blob, and one placeholder
 * pushed by digest and deleted, which says whether this registry deletes at
 * all. Why no tag can be removed, or undefined when they can.
 */
async function cannotRemove(client: RegistryClient, run: string): Promise<string | undefined> {
  await client.ensureBlob(EMPTY);
  const probe = placeholder('', run);
  await client.putManifest(sha256(probe), probe, OCI_MANIFEST);
  const r = await client.deleteManifest(sha256(probe));
  return r.outcome === 'unsupported' ? unsupportedMessage(client.ref.host, r.detail ?? 'UNSUPPORTED') : undefined;
}

/** Remove one tag: point it at its own placeholder, then delete the placeholder. */
async function removeTag(client: RegistryClient, tag: string, digest: string, run: string): Promise<TagResult> {
  const host = client.ref.host;
  const body = placeholder(tag, run);
  try {
    await client.putManifest(tag, body, OCI_MANIFEST);
  } catch (e) {
    return { tag, state: 'failed', detail: authHint(host, e) };
  }
  try {
    const r = await client.deleteManifest(sha256(body));
    if (r.outcome === 'unsupported') throw new Error(unsupportedMessage(host, r.detail ?? 'UNSUPPORTED'));
    return { tag, state: 'deleted', detail: digest };
  } catch (e) {
    const left = `the tag now holds an empty placeholder manifest; run the cleanup again to remove it`;
    return { tag, state: 'failed', detail: `${authHint(host, e)} (${left})` };
  }
}

/**
 * Delete `tags` through the distribution API, each tag alone (see the top of
 * this file). Tags that do not exist are fine. Requests: a HEAD per tag; then,
 * unless it is a dry run or none exists, 4 or 5 to prepare and check (a blob
 * HEAD, its upload if missing, a PUT and a DELETE) and a PUT and a DELETE per
 * existing tag. No request depends on how many other tags the repository has.
 */
export async function deleteRegistryTags(
  client: RegistryClient,
  tags: string[],
  opts: { dryRun: boolean },
): Promise<TagResult[]> {
  const host = client.ref.host;
  let digests: (string | undefined)[];
  try {
    digests = await eachBounded(tags, (t) => client.digest(t));
  } catch (e) {
    return tags.map((tag) => ({ tag, state: 'failed', detail: authHint(host, e) }));
  }
  const found = tags.flatMap((tag, i) => (digests[i] === undefined ? [] : [{ tag, digest: digests[i]! }]));
  const results = new Map<string, TagResult>(tags.map((tag) => [tag, { tag, state: 'not found' }]));
  const all = (state: TagResult['state'], detail: (digest: string) => string) => {
    for (const { tag, digest } of found) results.set(tag, { tag, state, detail: detail(digest) });
    return tags.map((t) => results.get(t)!);
  };
  if (found.length === 0) return tags.map((t) => results.get(t)!);
  if (opts.dryRun) return all('would delete', (digest) => digest);

  const run = randomBytes(8).toString('hex');
  try {
    const why = await cannotRemove(client, run);
    if (why !== undefined) return all('unsupported', () => why);
  } catch (e) {
    const why = `${authHint(host, e)} (in the check before any tag is touched: nothing was deleted)`;
    return all('failed', () => why);
  }
  const removed = await mapLimit(found, CONCURRENCY, ({ tag, digest }) => removeTag(client, tag, digest, run));
  for (const r of removed) results.set(r.tag, r);
  return tags.map((t) => results.get(t)!);
}
