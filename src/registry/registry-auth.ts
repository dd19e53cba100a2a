// How a registry client authenticates, as docker does: Basic with the
// credentials from the Docker config, or a Bearer token from the realm a 401
// challenge names (an identity token through docker's OAuth2 refresh flow).
// One token exchange per scope, shared by parallel requests.
import type { Credentials } from './credentials.js';
import { errorOf, RegistryError } from './registry-error.js';
import type { HttpAnswer, HttpFetch } from '../http/request.js';

export const USER_AGENT = 'buildx-branch-cache';

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

/** HEAD and GET read alike (scope `pull`): a token one got serves the other without a second 401. */
function kind(method: string): string {
  return method === 'HEAD' ? 'GET' : method;
}

function tokenKey(challenge: Record<string, string>): string {
  return `${challenge.realm} ${challenge.service} ${challenge.scope}`;
}

/** What the client lends its authentication: the registry's host, its bounded fetch, and its error wrapper. */
export interface AuthContext {
  host: string;
  fetch: HttpFetch;
  guarded<T>(what: string, url: string | URL, op: () => Promise<T>): Promise<T>;
}

export class RegistryAuth {
  private basic = false;
  /** The last Bearer challenge per kind of request (reads and DELETE need different scopes), and tokens per scope. */
  private readonly challenges = new Map<string, Record<string, string>>();
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    private readonly credentials: Credentials | undefined,
    private readonly ctx: AuthContext,
  ) {}

  private get host(): string {
    return this.ctx.host;
  }

  private get fetch(): HttpFetch {
    return this.ctx.fetch;
  }

  private guarded<T>(what: string, url: string | URL, op: () => Promise<T>): Promise<T> {
    return this.ctx.guarded(what, url, op);
  }

  basicHeader(): string | undefined {
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
    if (!realm) throw new RegistryError(401, undefined, `${this.host} asked for a Bearer token but named no realm`);
    const url = new URL(realm);
    const what = `token request to ${url.origin}${url.pathname} for ${this.host}`;
    return this.guarded(what, url, () => this.tokenFrom(url, challenge, what));
  }

  private async tokenFrom(url: URL, challenge: Record<string, string>, what: string): Promise<string> {
    const scopes = (challenge.scope ?? '').split(' ').filter(Boolean);
    let res: HttpAnswer;
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
    if (!token) throw new RegistryError(res.status, undefined, `the token endpoint of ${this.host} returned no token`);
    return token;
  }

  /**
   * Before the first request: the challenge of `GET /v2/` (`ping`), and for
   * Bearer the pull token for repository `name`, as docker asks it. A request
   * sent meanwhile gets its own 401 and then shares that exchange (same scope);
   * once the token is there, reads carry it from the start. Best effort: a
   * failure leaves the usual 401 flow as it was.
   */
  async warm(ping: () => Promise<HttpAnswer>, name: string): Promise<void> {
    const res = await ping();
    await res.arrayBuffer().catch(() => undefined);
    if (res.status !== 401) return;
    const { scheme, params } = parseChallenge(res.headers.get('www-authenticate') ?? '');
    if (scheme === 'basic') {
      if (this.basicHeader()) this.basic = true;
      return;
    }
    if (scheme !== 'bearer' || !params.realm) return;
    const challenge = { ...params, scope: `repository:${name}:pull` };
    try {
      await this.token(challenge);
    } catch {
      this.tokens.delete(tokenKey(challenge)); // the 401 flow asks again, with the registry's own scope
      return;
    }
    if (!this.challenges.has('GET')) this.challenges.set('GET', challenge);
  }

  /** The Authorization header for a request with this method, if the registry asked for one. */
  async header(method: string): Promise<string | undefined> {
    if (this.basic) return this.basicHeader();
    const challenge = this.challenges.get(kind(method));
    return challenge ? `Bearer ${await this.token(challenge)}` : undefined;
  }

  /**
   * A 401's challenge, answered for the next try: true when a retry may
   * succeed (Basic offered for the first time; a Bearer token for a new scope,
   * or a fresh one after this one was refused). `sent` is what the refused
   * request carried: parallel requests may all have gone out before the first challenge.
   */
  async answer(method: string, header: string, sent: string | undefined): Promise<boolean> {
    const { scheme, params } = parseChallenge(header);
    if (scheme === 'basic') {
      // Refused, or nothing to offer: the answer stands.
      if (sent?.startsWith('Basic ') || !this.basicHeader()) return false;
      this.basic = true;
      return true;
    }
    if (scheme !== 'bearer') return false;
    this.challenges.set(kind(method), params);
    const key = tokenKey(params);
    const current = await this.tokens.get(key)?.catch(() => undefined);
    if (current !== undefined && sent === `Bearer ${current}`) this.tokens.delete(key);
    return true;
  }
}
