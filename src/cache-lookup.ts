// The shell's look at the planned cache refs before a build: for each one,
// whether it exists, its digest and the cache records it holds. Registry refs
// are read over the distribution API (a GET of the manifest, then of the cache
// config, only for refs that exist; concurrent and bounded), local caches from
// their directory. import-plan.ts decides from the answers.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheConfigOf, readCacheConfig, type Descriptor } from './cache-content.js';
import { errorMessage } from './errors.js';
import type { ProbeResult } from './probe.js';
import {
  credentialsFor,
  dockerConfigPath,
  MANIFEST_ACCEPT,
  mapLimit,
  parseRepository,
  readDockerConfig,
  RegistryClient,
  RegistryError,
} from './registry.js';

/** Requests in flight at once: every ref is looked at together, politely. */
const CONCURRENCY = 8;
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
async function lookUpTag(client: RegistryClient, ref: string, tag: string, note: string | undefined): Promise<ProbeResult> {
  const where = `${client.ref.host}/${client.ref.name}`;
  try {
    const res = await client.request('GET', `/v2/${client.ref.name}/manifests/${tag}`, { Accept: MANIFEST_ACCEPT });
    if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined);
      return { ref, state: 'missing' };
    }
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      const hint = res.status === 401 || res.status === 403 ? `: ${note ?? `log in to ${client.ref.host} first (docker/login-action)`}` : '';
      return { ref, state: 'unknown', detail: `HTTP ${res.status} from ${where}${hint}` };
    }
    const manifestBody = await body(res, 'the manifest', 4 * 1024 * 1024);
    const digest = res.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(manifestBody).digest('hex')}`;
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
    if (!verified(configBody, config.digest)) return { ...exists, detail: `its cache config does not match ${config.digest}` };
    return { ...exists, content: readCacheConfig(JSON.parse(configBody.toString('utf8'))) };
  } catch (e) {
    return { ref, state: 'unknown', detail: failure(e, where) };
  }
}

/** A fetch failure in words: timeouts by name, network errors with their cause (ECONNREFUSED...). */
function failure(e: unknown, where: string): string {
  const name = (e as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `timed out reading ${where}`;
  if (e instanceof Unreadable || e instanceof RegistryError) return e.message;
  const cause = (e as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const why = cause ? String(cause.code ?? cause.message ?? '') : '';
  return `${errorMessage(e)}${why ? ` (${why})` : ''} reading ${where}`;
}

/**
 * Look up `tags` of one registry repository with the credentials in the Docker
 * config (as buildx will use them). A result of `unknown` is imported as before.
 */
export async function lookUpRegistry(repository: string, tags: { ref: string; tag: string }[], opts: LookupOptions): Promise<ProbeResult[]> {
  const repo = parseRepository(repository);
  let lookup: ReturnType<typeof credentialsFor>;
  try {
    lookup = credentialsFor(readDockerConfig(dockerConfigPath(opts.env)), repo.host);
  } catch (e) {
    return tags.map(({ ref }) => ({ ref, state: 'unknown', detail: errorMessage(e) }));
  }
  const timed: typeof fetch = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(opts.timeoutMs) });
  const client = new RegistryClient(repo, { credentials: lookup.credentials, baseUrl: opts.baseUrl, fetch: timed });
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
    if (config === undefined) return { ref: dir, state: 'exists', digest: top.digest, detail: 'it is not a BuildKit cache' };
    return { ref: dir, state: 'exists', digest: top.digest, content: readCacheConfig(JSON.parse(blob(config).toString('utf8'))) };
  } catch (e) {
    return { ref: dir, state: 'exists', detail: `it cannot be read (${errorMessage(e)})` };
  }
}
