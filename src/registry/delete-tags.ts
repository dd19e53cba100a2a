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

/** The placeholder's artifact type (OCI image-spec: required when the config is the empty descriptor). */
export const PLACEHOLDER_TYPE = 'application/vnd.buildx-branch-cache.placeholder.v1';

/** A manifest that is on `tag` only: its annotations make its digest unique to the tag and this run. */
export function placeholder(tag: string, run: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: PLACEHOLDER_TYPE,
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
 * Before any tag is touched: the placeholder's blob; a placeholder pushed by
 * digest alone and deleted, which says whether this registry deletes at all
 * (and leaves nothing behind where it does not); then one pushed under a tag
 * of its own and deleted by digest, as every tag will be (some registries
 * refuse to delete a manifest a tag points to). Why no tag can be removed, or
 * undefined when they can; throws when the check fails.
 */
async function cannotRemove(client: RegistryClient, run: string): Promise<string | undefined> {
  await client.ensureBlob(EMPTY);
  const untagged = placeholder('', run);
  const r = await client.deleteManifest(await client.putManifest(sha256(untagged), untagged, OCI_MANIFEST));
  if (r.outcome === 'unsupported') return unsupportedMessage(client.ref.host, r.detail ?? 'UNSUPPORTED');
  const tag = `buildx-branch-cache-check-${run}`;
  const digest = await client.putManifest(tag, placeholder(tag, run), OCI_MANIFEST);
  try {
    const t = await client.deleteManifest(digest);
    if (t.outcome !== 'deleted')
      throw new Error(`DELETE ${client.ref.host}/${client.ref.name}@${digest}: ${t.outcome}`);
  } catch (e) {
    // Take the check's own tag away by its name where the registry allows that; if not, say it is left.
    const gone = await client.deleteManifest(tag).catch(() => undefined);
    throw new Error(`${errorMessage(e)}${gone?.outcome === 'deleted' ? '' : ` (its tag ${tag} is left)`}`, {
      cause: e,
    });
  }
  return undefined;
}

const LEFT = 'the tag now holds an empty placeholder manifest; run the cleanup again to remove it';

/** Point a tag at its own placeholder: the placeholder's digest, or the tag's result when that failed. */
async function pointAway(client: RegistryClient, tag: string, run: string): Promise<string | TagResult> {
  try {
    return await client.putManifest(tag, placeholder(tag, run), OCI_MANIFEST);
  } catch (e) {
    return { tag, state: 'failed', detail: authHint(client.ref.host, e) };
  }
}

/** Delete a tag's placeholder by its digest: the tag goes with it. */
async function dropPlaceholder(client: RegistryClient, tag: string, pushed: string, old: string): Promise<TagResult> {
  const host = client.ref.host;
  try {
    const r = await client.deleteManifest(pushed);
    if (r.outcome === 'deleted') return { tag, state: 'deleted', detail: old };
    const answer = r.outcome === 'unsupported' ? unsupportedMessage(host, r.detail ?? 'UNSUPPORTED') : 'not found';
    return { tag, state: 'failed', detail: `DELETE ${host}/${client.ref.name}@${pushed}: ${answer} (${LEFT})` };
  } catch (e) {
    return { tag, state: 'failed', detail: `${authHint(host, e)} (${LEFT})` };
  }
}

/**
 * Delete `tags` through the distribution API, each tag alone (see the top of
 * this file). Tags that do not exist are fine. Requests: a HEAD per tag; then,
 * unless it is a dry run or none exists, 5 or 7 to prepare and check (a blob
 * HEAD, its upload if missing, twice a PUT and a DELETE) and a PUT and a DELETE per
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
  // Every tag onto its placeholder, CONCURRENCY at a time; after a failure no new tag is started (a 429 is not
  // pressed, and no more tags are left on a placeholder).
  let stop: string | undefined;
  const pushed = await mapLimit(found, CONCURRENCY, async ({ tag }): Promise<string | TagResult> => {
    if (stop !== undefined) return { tag, state: 'failed', detail: `not tried after an earlier failure: ${stop}` };
    const r = await pointAway(client, tag, run);
    if (typeof r !== 'string') stop ??= r.detail;
    return r;
  });
  // Then the placeholders deleted one after another: distribution looks through every tag of the repository
  // on a DELETE, and answers 500 when a tag is being written meanwhile (as bench:cleanup's sweep found).
  for (const [i, p] of pushed.entries()) {
    const { tag, digest } = found[i]!;
    results.set(tag, typeof p === 'string' ? await dropPlaceholder(client, tag, p, digest) : p);
  }
  return tags.map((t) => results.get(t)!);
}
