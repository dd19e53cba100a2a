// A small client for the OCI distribution API (distribution/registry, Harbor,
// Quay, ...), over http/request.ts: enough to find a branch's cache tags and delete them.
// It authenticates as docker does (registry-auth.ts).
import { createHash } from 'node:crypto';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../core/network-failure.js';
import type { Credentials } from './credentials.js';
import { registryBaseUrl, type RegistryRef } from './reference.js';
import { RegistryAuth, USER_AGENT } from './registry-auth.js';
import { errorOf, failingAs } from './registry-error.js';
import { type HttpAnswer, type HttpFetch, httpFetch } from '../http/request.js';

/** Every manifest kind a cache or an image may be stored as; HEAD must accept them all or get a 404. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const TAGS_PAGE = 1000;

export const sha256 = (bytes: string | Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface RegistryOptions {
  credentials?: Credentials;
  /** Overrides http/https and host (tests). */
  baseUrl?: string;
  fetch?: HttpFetch;
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
  private readonly fetch: HttpFetch;
  private readonly auth: RegistryAuth;

  constructor(
    readonly ref: RegistryRef,
    opts: RegistryOptions = {},
  ) {
    this.baseUrl = opts.baseUrl ?? registryBaseUrl(ref.apiHost);
    this.origin = new URL(this.baseUrl).origin;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.statedTimeoutMs = opts.fetch !== undefined && opts.timeoutMs === undefined ? undefined : this.timeoutMs;
    const base = opts.fetch ?? httpFetch;
    // Every request bounded: a registry that takes the connection and never answers must not hold the step.
    this.fetch = (input, init) => base(input, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    this.auth = new RegistryAuth(opts.credentials, {
      host: ref.host,
      fetch: this.fetch,
      guarded: (what, url, op) => this.guarded(what, url, op),
    });
  }

  /** `what` failed at `url`'s host: a RegistryError with the cause (see requestFailure). */
  private guarded<T>(what: string, url: string | URL, op: () => Promise<T>): Promise<T> {
    return failingAs(what, new URL(url).host, this.statedTimeoutMs, op);
  }

  /**
   * One API request; answers a 401 challenge once (Basic or Bearer) and
   * retries. A URL on another origin (a pagination link) gets no credentials,
   * and its challenges are not answered: they were issued for this registry.
   */
  async request(
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<HttpAnswer> {
    const url = /^https?:\/\//.test(path) ? path : `${this.baseUrl}${path}`;
    const ours = new URL(url).origin === this.origin;
    let sent: string | undefined;
    const send = async () => {
      sent = ours ? await this.auth.header(method) : undefined;
      return this.fetch(url, {
        method,
        headers: { 'User-Agent': USER_AGENT, ...headers, ...(sent ? { Authorization: sent } : {}) },
        body,
      });
    };
    const res = await send();
    if (res.status !== 401 || !ours) return res;
    if (!(await this.auth.answer(method, res.headers.get('www-authenticate') ?? '', sent))) return res;
    await res.arrayBuffer().catch(() => undefined); // free the connection
    return send();
  }

  /** Learn the registry's challenge and get the pull token before the first request (registry-auth.ts warm). */
  async warm(): Promise<void> {
    await this.auth
      .warm(() => this.fetch(`${this.baseUrl}/v2/`, { headers: { 'User-Agent': USER_AGENT } }), this.ref.name)
      .catch(() => undefined);
  }

  private manifestPath(reference: string): string {
    return `/v2/${this.ref.name}/manifests/${reference}`;
  }

  /**
   * A manifest's JSON, by tag or digest; undefined when the registry answers anything but a manifest (a 404, a
   * refusal) or no JSON. A request that fails on the way throws, as every request of this client does.
   */
  async manifest(reference: string): Promise<unknown> {
    const res = await this.request('GET', this.manifestPath(reference), { Accept: MANIFEST_ACCEPT });
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined); // free the connection
      return undefined;
    }
    return res.json().catch(() => undefined);
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
    return got.headers.get('docker-content-digest') ?? sha256(body);
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

  /** Store `content` as a blob of the repository unless it is there: a HEAD, and a two-request upload if not. */
  async ensureBlob(content: string): Promise<void> {
    const digest = sha256(content);
    const what = `uploading ${digest} to ${this.ref.host}/${this.ref.name}`;
    await this.guarded(what, this.baseUrl, async () => {
      const blob = `/v2/${this.ref.name}/blobs/${digest}`;
      const head = await this.request('HEAD', blob);
      if (head.ok) return;
      const uploads = `${this.baseUrl}/v2/${this.ref.name}/blobs/uploads/`;
      const start = await this.request('POST', uploads);
      const location = start.headers.get('location');
      if (start.status !== 202 || location === null) throw await errorOf(start, what);
      await start.arrayBuffer().catch(() => undefined); // free the connection
      // Relative to the POST's URL; its query (an upload state, a signature) is kept as sent.
      const url = new URL(location, uploads).toString();
      const put = await this.request(
        'PUT',
        `${url}${url.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`,
        { 'Content-Type': 'application/octet-stream' },
        content,
      );
      if (!put.ok) throw await errorOf(put, what);
      await put.arrayBuffer().catch(() => undefined);
    });
  }

  /** `repo:tag` or `repo@digest`, for messages. */
  private named(reference: string): string {
    return `${this.ref.host}/${this.ref.name}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
  }

  /**
   * PUT a manifest under a tag or its digest: the digest the registry gives it
   * (its own hash of the body when it says none). Throws when it is refused.
   */
  async putManifest(reference: string, body: string, mediaType: string): Promise<string> {
    const what = `PUT ${this.named(reference)}`;
    return this.guarded(what, this.baseUrl, async () => {
      const res = await this.request('PUT', this.manifestPath(reference), { 'Content-Type': mediaType }, body);
      if (!res.ok) throw await errorOf(res, what);
      await res.arrayBuffer().catch(() => undefined);
      return res.headers.get('docker-content-digest') ?? sha256(body);
    });
  }

  /** DELETE a manifest by digest (or a tag, where a registry takes one): what the registry answered, as a word. */
  async deleteManifest(digest: string): Promise<{ outcome: 'deleted' | 'not found' | 'unsupported'; detail?: string }> {
    const what = `DELETE ${this.named(digest)}`;
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
