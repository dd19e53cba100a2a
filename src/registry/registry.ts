// A small client for the OCI distribution API (distribution/registry, Harbor,
// Quay, ...), on fetch: enough to find a branch's cache tags and delete them.
// Authenticates as docker does: credentials from the Docker config, then
// Basic, or a Bearer token from the realm a 401 challenge names.
import { createHash } from 'node:crypto';
import { DEFAULT_REQUEST_TIMEOUT_MS, requestFailure } from '../core/network-failure.js';
import type { Credentials } from './credentials.js';
import { registryBaseUrl, type RegistryRef } from './reference.js';

/** Every manifest kind a cache or an image may be stored as; HEAD must accept them all or get a 404. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const USER_AGENT = 'buildx-branch-cache';
const TAGS_PAGE = 1000;
/**
 * Run `op` (a request and the reading of its answer); a network failure or
 * timeout becomes a RegistryError saying `what` failed where and why.
 */
async function failingAs<T>(
  what: string,
  host: string,
  timeoutMs: number | undefined,
  op: () => Promise<T>,
): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof RegistryError) throw e;
    throw new RegistryError(0, undefined, `${what}: ${requestFailure(e, host, timeoutMs)}`);
  }
}

// ----------------------------------------------------------------- client --

export class RegistryError extends Error {
  constructor(
    readonly status: number,
    /** The first error code of the distribution API's error body (UNSUPPORTED, DENIED, ...), if any. */
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** `Bearer realm="...",service="...",scope="..."` -> scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  const params: Record<string, string> = {};
  if (!m) return { scheme: '', params };
  for (const p of m[2]!.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

function tokenKey(challenge: Record<string, string>): string {
  return `${challenge.realm} ${challenge.service} ${challenge.scope}`;
}

async function errorOf(res: Response, what: string): Promise<RegistryError> {
  let code: string | undefined;
  let detail = '';
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
      code = body.errors?.[0]?.code;
      detail = body.errors?.map((e) => [e.code, e.message].filter(Boolean).join(' ')).join('; ') ?? '';
    } catch {
      detail = text.trim().slice(0, 200);
    }
  } catch {
    // no body
  }
  return new RegistryError(res.status, code, `${what}: HTTP ${res.status}${detail ? ` ${detail}` : ''}`);
}

export interface RegistryOptions {
  credentials?: Credentials;
  /** Overrides http/https and host (tests). */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Each request's limit, reading its answer included; DEFAULT_REQUEST_TIMEOUT_MS unless given. */
  timeoutMs?: number;
}

export class RegistryClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** The origin the credentials were issued for: nothing of them goes anywhere else. */
  private readonly origin: string;
  /** Undefined when a caller's own fetch may bound requests otherwise (the wording then names no duration). */
  private readonly statedTimeoutMs: number | undefined;
  private readonly fetch: typeof fetch;
  private readonly credentials: Credentials | undefined;
  private basic = false;
  /** The last Bearer challenge per method (HEAD and DELETE need different scopes) and the tokens per scope. */
  private readonly challenges = new Map<string, Record<string, string>>();
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    readonly ref: RegistryRef,
    opts: RegistryOptions = {},
  ) {
    this.baseUrl = opts.baseUrl ?? registryBaseUrl(ref.apiHost);
    this.origin = new URL(this.baseUrl).origin;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.statedTimeoutMs = opts.fetch !== undefined && opts.timeoutMs === undefined ? undefined : this.timeoutMs;
    const base = opts.fetch ?? fetch;
    // Every request bounded: a registry that takes the connection and never answers must not hold the step.
    this.fetch = (input, init) => base(input, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    this.credentials = opts.credentials;
  }

  /** `what` failed at `url`'s host: a RegistryError with the cause (see requestFailure). */
  private guarded<T>(what: string, url: string | URL, op: () => Promise<T>): Promise<T> {
    return failingAs(what, new URL(url).host, this.statedTimeoutMs, op);
  }

  private basicHeader(): string | undefined {
    const c = this.credentials;
    return c?.username !== undefined && c.password !== undefined
      ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`
      : undefined;
  }

  /** A token for a Bearer challenge; one exchange per scope, shared by parallel requests. */
  private token(challenge: Record<string, string>): Promise<string> {
    const key = tokenKey(challenge);
    let pending = this.tokens.get(key);
    if (pending === undefined) {
      pending = this.exchange(challenge);
      this.tokens.set(key, pending);
    }
    return pending;
  }

  /** Ask the challenge's realm for a token. */
  private async exchange(challenge: Record<string, string>): Promise<string> {
    if (this.credentials?.registryToken) return this.credentials.registryToken;
    const realm = challenge.realm;
    if (!realm) throw new RegistryError(401, undefined, `${this.ref.host} asked for a Bearer token but named no realm`);
    const url = new URL(realm);
    const what = `token request to ${url.origin}${url.pathname} for ${this.ref.host}`;
    return this.guarded(what, url, () => this.tokenFrom(url, challenge, what));
  }

  private async tokenFrom(url: URL, challenge: Record<string, string>, what: string): Promise<string> {
    const scopes = (challenge.scope ?? '').split(' ').filter(Boolean);
    let res: Response;
    if (this.credentials?.identityToken) {
      // docker's OAuth2 flow for an identity (refresh) token.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: this.credentials.identityToken,
        client_id: USER_AGENT,
      });
      if (challenge.service) form.set('service', challenge.service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      res = await this.fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': USER_AGENT },
        body: form.toString(),
      });
    } else {
      if (challenge.service) url.searchParams.set('service', challenge.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = { 'User-Agent': USER_AGENT };
      const basic = this.basicHeader();
      if (basic) headers.Authorization = basic;
      res = await this.fetch(url, { headers });
    }
    if (!res.ok) throw await errorOf(res, what);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token)
      throw new RegistryError(res.status, undefined, `the token endpoint of ${this.ref.host} returned no token`);
    return token;
  }

  private async authHeader(method: string): Promise<string | undefined> {
    if (this.basic) return this.basicHeader();
    const challenge = this.challenges.get(method);
    return challenge ? `Bearer ${await this.token(challenge)}` : undefined;
  }

  /**
   * One API request; answers a 401 challenge once (Basic or Bearer) and
   * retries. A URL on another origin (a pagination link) gets no credentials,
   * and its challenges are not answered: they were issued for this registry.
   */
  async request(method: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = /^https?:\/\//.test(path) ? path : `${this.baseUrl}${path}`;
    const ours = new URL(url).origin === this.origin;
    let sent: string | undefined;
    const send = async () => {
      sent = ours ? await this.authHeader(method) : undefined;
      return this.fetch(url, {
        method,
        headers: { 'User-Agent': USER_AGENT, ...headers, ...(sent ? { Authorization: sent } : {}) },
      });
    };
    const res = await send();
    if (res.status !== 401 || !ours) return res;
    const { scheme, params } = parseChallenge(res.headers.get('www-authenticate') ?? '');
    if (scheme === 'basic') {
      // Judge by what this request sent: parallel requests may all have gone out before the first challenge.
      // Refused, or nothing to offer: the answer stands.
      if (sent?.startsWith('Basic ') || !this.basicHeader()) return res;
      this.basic = true;
    } else if (scheme === 'bearer') {
      // A new scope (DELETE after HEAD): a token for this challenge. The same
      // token refused (expired): a fresh one. Parallel requests share the exchange.
      this.challenges.set(method, params);
      const key = tokenKey(params);
      const current = await this.tokens.get(key)?.catch(() => undefined);
      if (current !== undefined && sent === `Bearer ${current}`) this.tokens.delete(key);
    } else {
      return res;
    }
    await res.arrayBuffer().catch(() => undefined); // free the connection
    return send();
  }

  private manifestPath(reference: string): string {
    return `/v2/${this.ref.name}/manifests/${reference}`;
  }

  /** The digest a tag points to, or undefined when there is no such tag. */
  async digest(tag: string): Promise<string | undefined> {
    return this.guarded(`HEAD ${this.ref.host}/${this.ref.name}:${tag}`, this.baseUrl, () => this.digestOf(tag));
  }

  private async digestOf(tag: string): Promise<string | undefined> {
    const res = await this.request('HEAD', this.manifestPath(tag), { Accept: MANIFEST_ACCEPT });
    if (res.status === 404) return undefined;
    if (!res.ok) throw await errorOf(res, `HEAD ${this.ref.host}/${this.ref.name}:${tag}`);
    const header = res.headers.get('docker-content-digest');
    if (header) return header;
    // Not every registry sends the header on HEAD: hash the manifest itself.
    const got = await this.request('GET', this.manifestPath(tag), { Accept: MANIFEST_ACCEPT });
    if (got.status === 404) return undefined;
    if (!got.ok) throw await errorOf(got, `GET ${this.ref.host}/${this.ref.name}:${tag}`);
    const body = Buffer.from(await got.arrayBuffer());
    return got.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
  }

  /** Every tag of the repository (all pages); empty when the repository does not exist. */
  async tags(): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `/v2/${this.ref.name}/tags/list?n=${TAGS_PAGE}`;
    const what = `listing the tags of ${this.ref.host}/${this.ref.name}`;
    for (let page = 0; next !== undefined && page < 10_000; page++) {
      const url: string = next.startsWith('/') ? `${this.baseUrl}${next}` : next;
      const answer = await this.guarded(what, url, async () => {
        const res = await this.request('GET', url);
        if (res.status === 404) return undefined;
        if (!res.ok)
          throw await errorOf(
            res,
            `${what}${new URL(url).origin === this.origin ? '' : ` (page at ${new URL(url).host})`}`,
          );
        return { res, body: (await res.json()) as { tags?: string[] | null } };
      });
      if (answer === undefined) return out;
      const { res, body } = answer;
      out.push(...(body.tags ?? []));
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.get('link') ?? '')?.[1];
      next = link === undefined ? undefined : new URL(link, `${this.baseUrl}/`).toString();
    }
    return out;
  }

  /** DELETE a manifest by digest: what the registry answered, as a word; throws on other errors. */
  async deleteManifest(digest: string): Promise<{ outcome: 'deleted' | 'not found' | 'unsupported'; detail?: string }> {
    const what = `DELETE ${this.ref.host}/${this.ref.name}@${digest}`;
    const res = await this.guarded(what, this.baseUrl, () => this.request('DELETE', this.manifestPath(digest)));
    if (res.status === 202 || res.status === 200 || res.status === 204) {
      await res.arrayBuffer().catch(() => undefined);
      return { outcome: 'deleted' };
    }
    const err = await errorOf(res, what);
    if (res.status === 404) return { outcome: 'not found' };
    if (res.status === 405 || err.code === 'UNSUPPORTED')
      return { outcome: 'unsupported', detail: `HTTP ${res.status} ${err.code ?? ''}`.trim() };
    throw err;
  }
}
