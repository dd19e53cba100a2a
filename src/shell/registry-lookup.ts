// What a registry says of the planned cache refs, over the distribution API:
// a HEAD for whether each exists (registries do not count it as a pull), and a
// GET of the manifest and its cache config for what an existing one holds.
// One client per look-up, with the credentials docker would use.
import { createHash } from 'node:crypto';
import { cacheConfigOf, manifestBytes, readCacheConfig, type Descriptor } from '../core/cache-content.js';
import { errorMessage } from '../core/errors.js';
import { mapLimit } from '../core/map-limit.js';
import { requestFailure } from '../core/network-failure.js';
import type { ProbeResult } from '../core/probe.js';
import { dockerCredentials } from '../registry/credential-helper.js';
import { type CredentialLookup, dockerConfigPath, readDockerConfig } from '../registry/credentials.js';
import { parseRepository } from '../registry/reference.js';
import { MANIFEST_ACCEPT, RegistryClient } from '../registry/registry.js';
import { RegistryError } from '../registry/registry-error.js';
import type { HttpAnswer } from '../http/request.js';

/** Requests in flight at once: every ref is looked at together, politely. */
export const CONCURRENCY = 8;
/** A cache config larger than this is not read (it is still imported). */
const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

export interface LookupOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** For tests: another registry address than the repository's host. */
  baseUrl?: string;
}

function verified(body: Buffer, digest: string): boolean {
  const [algo, hex] = digest.split(':');
  return algo === 'sha256' && createHash('sha256').update(body).digest('hex') === hex;
}

class Unreadable extends Error {}

async function body(res: HttpAnswer, what: string, limit: number): Promise<Buffer> {
  const length = Number(res.headers.get('content-length') ?? '0');
  if (length > limit) throw new Unreadable(`${what} is ${length} bytes, more than this action reads`);
  return Buffer.from(await res.arrayBuffer());
}

/** One repository with docker's credentials: the client every HEAD and GET of a look-up shares. */
export interface Registry {
  client: RegistryClient;
  /** Why the credentials could not be had, said when the registry refuses. */
  note?: string;
}

export async function openRegistry(repository: string, opts: LookupOptions): Promise<Registry | { failure: string }> {
  const repo = parseRepository(repository);
  let lookup: CredentialLookup;
  try {
    lookup = await dockerCredentials(readDockerConfig(dockerConfigPath(opts.env)), repo.host, opts.env);
  } catch (e) {
    return { failure: errorMessage(e) };
  }
  const client = new RegistryClient(repo, {
    credentials: lookup.credentials,
    baseUrl: opts.baseUrl,
    timeoutMs: opts.timeoutMs,
  });
  return { client, note: lookup.note };
}

/**
 * A registry opened as soon as the inputs are read, while the plan is still
 * being made: its credentials found and, in the background, its token asked
 * for (RegistryClient.warm), so that the look-up's first requests need no 401.
 */
export interface EarlyRegistry {
  repository: string;
  opened: Promise<Registry | { failure: string }>;
}

export function openEarly(repository: string, opts: LookupOptions): EarlyRegistry {
  const opened = openRegistry(repository, opts).then((r) => {
    if ('client' in r) void r.client.warm();
    return r;
  });
  return { repository, opened };
}

/** A request's failure as a ref's `unknown` detail. */
function failure(r: Registry, e: unknown): string {
  // The client's own errors already say what failed where and why (registry.ts requestFailure).
  return e instanceof Unreadable || e instanceof RegistryError
    ? e.message
    : `reading ${r.client.ref.host}/${r.client.ref.name}: ${requestFailure(e, new URL(r.client.baseUrl).host)}`;
}

/** Any answer but a manifest: missing, or unknown with why (a refused login names the remedy). */
async function notThere(r: Registry, ref: string, res: HttpAnswer): Promise<ProbeResult> {
  await res.arrayBuffer().catch(() => undefined);
  if (res.status === 404) return { ref, state: 'missing' };
  const { host, name } = r.client.ref;
  const hint =
    res.status === 401 || res.status === 403 ? `: ${r.note ?? `log in to ${host} first (docker/login-action)`}` : '';
  return { ref, state: 'unknown', detail: `HTTP ${res.status} from ${host}/${name}${hint}` };
}

/** Does the tag exist, and which manifest is it? A HEAD, which registries do not count as a pull. Never throws. */
async function headTag(r: Registry, ref: string, tag: string): Promise<ProbeResult> {
  try {
    const res = await r.client.request('HEAD', `/v2/${r.client.ref.name}/manifests/${tag}`, {
      Accept: MANIFEST_ACCEPT,
    });
    if (!res.ok) return await notThere(r, ref, res);
    await res.arrayBuffer().catch(() => undefined);
    const digest = res.headers.get('docker-content-digest');
    return { ref, state: 'exists', ...(digest ? { digest } : {}) };
  } catch (e) {
    return { ref, state: 'unknown', detail: failure(r, e) };
  }
}

/** What an existing tag holds: its manifest, then its cache config. Never throws; a failure keeps it existing. */
async function readTag(r: Registry, found: ProbeResult, tag: string): Promise<ProbeResult> {
  const { ref } = found;
  try {
    const res = await r.client.request('GET', `/v2/${r.client.ref.name}/manifests/${tag}`, { Accept: MANIFEST_ACCEPT });
    if (!res.ok) return await notThere(r, ref, res);
    const manifestBody = await body(res, 'the manifest', 4 * 1024 * 1024);
    const digest =
      res.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(manifestBody).digest('hex')}`;
    const exists = { ref, state: 'exists' as const, digest };
    let config: Descriptor | undefined;
    try {
      config = cacheConfigOf(JSON.parse(manifestBody.toString('utf8')));
    } catch {
      return { ...exists, detail: 'its manifest is not JSON' };
    }
    if (config === undefined) return { ...exists, detail: 'it is not a BuildKit cache manifest' };
    const blob = await r.client.request('GET', `/v2/${r.client.ref.name}/blobs/${config.digest}`);
    if (!blob.ok) {
      await blob.arrayBuffer().catch(() => undefined);
      return { ...exists, detail: `its cache config answered HTTP ${blob.status}` };
    }
    const configBody = await body(blob, 'its cache config', MAX_CONFIG_BYTES);
    if (!verified(configBody, config.digest))
      return { ...exists, detail: `its cache config does not match ${config.digest}` };
    return { ...exists, content: readCacheConfig(JSON.parse(configBody.toString('utf8'))) };
  } catch (e) {
    return { ...found, detail: `its content could not be read: ${failure(r, e)}` };
  }
}

/** HEAD each tag, a bounded number at once. */
export async function probeTags(
  r: Registry | { failure: string },
  tags: { ref: string; tag: string }[],
): Promise<ProbeResult[]> {
  if ('failure' in r) return tags.map(({ ref }) => ({ ref, state: 'unknown', detail: r.failure }));
  return mapLimit(tags, CONCURRENCY, ({ ref, tag }) => headTag(r, ref, tag));
}

/** GET what the existing refs among `results` hold (those whose content no other way has said). */
export async function readExisting(
  r: Registry | { failure: string },
  tags: { ref: string; tag: string }[],
  results: ProbeResult[],
): Promise<ProbeResult[]> {
  if ('failure' in r) return results;
  return mapLimit(
    results.map((found, i) => ({ found, tag: tags[i]!.tag })),
    CONCURRENCY,
    ({ found, tag }) =>
      found.state === 'exists' && found.content === undefined && found.detail === undefined
        ? readTag(r, found, tag)
        : Promise.resolve(found),
  );
}

/**
 * Look up `tags` of one registry repository with the credentials docker would
 * use, and read what each existing one holds. A result of `unknown` is imported as before.
 */
export async function lookUpRegistry(
  repository: string,
  tags: { ref: string; tag: string }[],
  opts: LookupOptions,
): Promise<ProbeResult[]> {
  const r = await openRegistry(repository, opts);
  return readExisting(r, tags, await probeTags(r, tags));
}

/**
 * The bytes a cache tag's manifest says it takes (config and layers: "up to"), or undefined. Never throws.
 * `registry`: the look-up's client, whose token serves again; else one is opened for `repository`.
 */
export async function cacheBytes(
  repository: string,
  tag: string,
  opts: LookupOptions,
  registry?: Registry | { failure: string },
): Promise<number | undefined> {
  const r = registry ?? (await openRegistry(repository, opts));
  if ('failure' in r) return undefined;
  try {
    return manifestBytes(await r.client.manifest(tag));
  } catch {
    return undefined;
  }
}
