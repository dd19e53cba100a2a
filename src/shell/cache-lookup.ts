// The shell's look at the planned cache refs before a build: for each one,
// whether it exists, its digest and the cache records it holds. Registry refs
// are read over the distribution API (a GET of the manifest, then of the cache
// config, only for refs that exist; concurrent and bounded), local caches from
// their directory. import-plan.ts decides from the answers.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheConfigOf, readCacheConfig, type Descriptor } from '../core/cache-content.js';
import { errorMessage } from '../core/errors.js';
import type { CacheEntry } from '../core/plan.js';
import type { ProbeResult } from '../core/probe.js';
import { probeRefs } from './proc.js';
import { dockerCredentials } from '../registry/credential-helper.js';
import { type CredentialLookup, dockerConfigPath, readDockerConfig } from '../registry/credentials.js';
import { requestFailure } from '../core/network-failure.js';
import { MANIFEST_ACCEPT, RegistryClient } from '../registry/registry.js';
import { RegistryError } from '../registry/registry-error.js';
import { mapLimit } from '../core/map-limit.js';
import { parseRepository } from '../registry/reference.js';

/** Requests in flight at once: every ref is looked at together, politely. */
const CONCURRENCY = 8;
/** Refs looked at per build: a Dockerfile of 200 stages must not mean 400 look-ups (the rest are not imported). */
export const MAX_LOOKUPS = 32;
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

async function body(res: Response, what: string, limit: number): Promise<Buffer> {
  const length = Number(res.headers.get('content-length') ?? '0');
  if (length > limit) throw new Unreadable(`${what} is ${length} bytes, more than this action reads`);
  return Buffer.from(await res.arrayBuffer());
}

/** Read one tag of one repository: state, digest, content. Never throws. */
async function lookUpTag(
  client: RegistryClient,
  ref: string,
  tag: string,
  note: string | undefined,
): Promise<ProbeResult> {
  const where = `${client.ref.host}/${client.ref.name}`;
  try {
    const res = await client.request('GET', `/v2/${client.ref.name}/manifests/${tag}`, { Accept: MANIFEST_ACCEPT });
    if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined);
      return { ref, state: 'missing' };
    }
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      const hint =
        res.status === 401 || res.status === 403
          ? `: ${note ?? `log in to ${client.ref.host} first (docker/login-action)`}`
          : '';
      return { ref, state: 'unknown', detail: `HTTP ${res.status} from ${where}${hint}` };
    }
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
    const blob = await client.request('GET', `/v2/${client.ref.name}/blobs/${config.digest}`);
    if (!blob.ok) {
      await blob.arrayBuffer().catch(() => undefined);
      return { ...exists, detail: `its cache config answered HTTP ${blob.status}` };
    }
    const configBody = await body(blob, 'its cache config', MAX_CONFIG_BYTES);
    if (!verified(configBody, config.digest))
      return { ...exists, detail: `its cache config does not match ${config.digest}` };
    return { ...exists, content: readCacheConfig(JSON.parse(configBody.toString('utf8'))) };
  } catch (e) {
    // The client's own errors already say what failed where and why (registry.ts requestFailure).
    const why =
      e instanceof Unreadable || e instanceof RegistryError
        ? e.message
        : `reading ${where}: ${requestFailure(e, new URL(client.baseUrl).host)}`;
    return { ref, state: 'unknown', detail: why };
  }
}

/**
 * Look up `tags` of one registry repository with the credentials in the Docker
 * config (as buildx will use them). A result of `unknown` is imported as before.
 */
export async function lookUpRegistry(
  repository: string,
  tags: { ref: string; tag: string }[],
  opts: LookupOptions,
): Promise<ProbeResult[]> {
  const repo = parseRepository(repository);
  let lookup: CredentialLookup;
  try {
    lookup = await dockerCredentials(readDockerConfig(dockerConfigPath(opts.env)), repo.host, opts.env);
  } catch (e) {
    return tags.map(({ ref }) => ({ ref, state: 'unknown', detail: errorMessage(e) }));
  }
  const client = new RegistryClient(repo, {
    credentials: lookup.credentials,
    baseUrl: opts.baseUrl,
    timeoutMs: opts.timeoutMs,
  });
  return mapLimit(tags, CONCURRENCY, ({ ref, tag }) => lookUpTag(client, ref, tag, lookup.note));
}

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
}

/** Look at `entries` of a registry or local cache. */
async function lookUpEntries(
  type: 'registry' | 'local',
  image: string | undefined,
  entries: CacheEntry[],
  opts: PlanLookupOptions,
): Promise<ProbeResult[]> {
  if (entries.length === 0) return [];
  if (type === 'local') return entries.map((e) => lookUpLocal(e.ref));
  const results = await lookUpRegistry(
    image!,
    entries.map((e) => ({ ref: e.ref, tag: e.name })),
    opts,
  );
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
  const first = planned.slice(0, MAX_LOOKUPS);
  const results = await lookUpEntries(type, image, first, opts);
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
  results.push(...(await lookUpEntries(type, image, second, opts)));
  const rank = (e: CacheEntry) => first.findIndex((f) => f.branch === e.branch) * 2 + (e.legacy ? 1 : 0);
  const looked = [...first, ...second]
    .map((e, i) => ({ e, r: results[i]!, i }))
    // An old tag that is not there was only a maybe: not worth a line in the log and summary.
    .filter((x) => !(x.e.legacy && x.r.state === 'missing'))
    .sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i);
  return { entries: looked.map((x) => x.e), results: looked.map((x) => x.r), skipped: planned.length - first.length };
}
