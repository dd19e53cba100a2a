// The one GitHub REST client: http/request.ts, no SDK (the bundle stays small and every
// request is visible here). The token goes only to the API's own origin, never
// to a redirect's or a Link's elsewhere; every request is bounded in time; a
// failure is one line naming the request and the API's words. The rules
// themselves are pure, in core/github-api.ts.
import {
  apiBaseUrl,
  apiMessage,
  oneLineText,
  parseLinks,
  rateLimit,
  rateLimitReason,
  requestPath,
  sameOrigin,
  statusReason,
} from '../core/github-api.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, requestFailure } from '../core/network-failure.js';
import { type HttpAnswer, type HttpFetch, type HttpHeaders, httpFetch, redirectMethod } from '../http/request.js';

/** Redirects followed per request: GitHub redirects once (a renamed repository, a download), never in a chain. */
const MAX_REDIRECTS = 5;
/** Pages read by paginate() unless told: 10,000 items at per_page=100. */
export const DEFAULT_MAX_PAGES = 100;

interface ErrorFields {
  /** The HTTP status; 0 when no answer came (network, timeout) or the client refused. */
  status: number;
  method: string;
  /** The URL's path and query, as the log names it. */
  path: string;
  /** Why, without the request: `HTTP 404 Not Found`, `no answer from ... within 30 s`. */
  reason: string;
  /** What the caller was doing, instead of the method and path in the message (see about()). */
  context?: string;
}

export class GitHubApiError extends Error {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly reason: string;

  constructor(protected readonly fields: ErrorFields) {
    super(`${fields.context ?? `${fields.method} ${fields.path}`}: ${fields.reason}`);
    this.name = 'GitHubApiError';
    ({ status: this.status, method: this.method, path: this.path, reason: this.reason } = fields);
  }

  /** The same error told as part of `what` (`deleting version 5 of ...: HTTP 403 ...`): the log says what for. */
  about(what: string): GitHubApiError {
    return new GitHubApiError({ ...this.fields, context: what });
  }
}

/** 403 or 429 for the rate limit: the caller may wait for resetAt, and must not read it as a permission problem. */
export class GitHubRateLimitError extends GitHubApiError {
  constructor(
    fields: ErrorFields,
    readonly resetAt: Date | undefined,
  ) {
    super(fields);
    this.name = 'GitHubRateLimitError';
  }

  override about(what: string): GitHubRateLimitError {
    return new GitHubRateLimitError({ ...this.fields, context: what }, this.resetAt);
  }
}

export interface GitHubRestOptions {
  /** Sent as `Authorization: Bearer` to the API's origin only; empty sends none (public reads). */
  token: string;
  /** The API's base URL; unset reads env.GITHUB_API_URL, and without it https://api.github.com. */
  apiUrl?: string;
  env?: Record<string, string | undefined>;
  /** Each request's limit, redirects and reading the answer included; DEFAULT_REQUEST_TIMEOUT_MS unless given. */
  timeoutMs?: number;
  fetch?: HttpFetch;
  /** For the tests: the clock of rate-limit messages. */
  now?: () => number;
}

export interface GitHubResponse<T> {
  status: number;
  headers: HttpHeaders;
  /** Where the answer came from, after redirects: Link URLs are relative to it. */
  url: string;
  /** The parsed JSON; undefined for an empty answer (204). */
  data: T;
}

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
}

export interface PaginateOptions<T> {
  /** More pages than this is an error, not a silently short list. DEFAULT_MAX_PAGES unless given. */
  maxPages?: number;
  /** The items of one page's answer, for endpoints that wrap them (`{ total_count, workflow_runs: [...] }`). */
  items?: (data: unknown) => T[];
}

export class GitHubRest {
  readonly apiUrl: string;
  readonly timeoutMs: number;
  private readonly fetch: HttpFetch;
  private readonly now: () => number;

  constructor(private readonly opts: GitHubRestOptions) {
    this.apiUrl = apiBaseUrl(opts.apiUrl ?? (opts.env ?? process.env).GITHUB_API_URL);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.fetch = opts.fetch ?? httpFetch;
    this.now = opts.now ?? Date.now;
  }

  /** `/orgs/acme` (or `orgs/acme`) under the API's base; a full URL as it is. */
  url(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
    return `${this.apiUrl}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
  }

  /** The token is in nothing the client writes; this keeps it out of what others wrote (a cause, a URL). */
  private scrub(text: string): string {
    return oneLineText(text, [this.opts.token], Number.POSITIVE_INFINITY);
  }

  private fail(fields: ErrorFields): GitHubApiError {
    return new GitHubApiError({ ...fields, reason: this.scrub(fields.reason) });
  }

  private headers(url: string, json: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'buildx-branch-cache',
    };
    if (json) headers['Content-Type'] = 'application/json';
    if (this.opts.token !== '' && sameOrigin(url, this.apiUrl)) headers.Authorization = `Bearer ${this.opts.token}`;
    return headers;
  }

  /**
   * One request and its JSON answer. Redirects are followed here, not by the
   * transport, so that the token is decided for each hop. A 2xx answers; anything
   * else throws a GitHubApiError (a GitHubRateLimitError for the rate limit).
   */
  async request<T = unknown>(method: string, pathOrUrl: string, opts: RequestOptions = {}): Promise<GitHubResponse<T>> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let url = this.url(pathOrUrl);
    const [verb, path] = [method.toUpperCase(), requestPath(url)];
    let current = { method: verb, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) };
    try {
      for (let hop = 0; ; hop++) {
        const res = await this.fetch(url, {
          method: current.method,
          body: current.body,
          headers: this.headers(url, current.body !== undefined),
          redirect: 'manual',
          signal,
        });
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location !== null) {
          await res.arrayBuffer().catch(() => undefined); // free the connection
          if (hop >= MAX_REDIRECTS)
            throw this.fail({ status: res.status, method: verb, path, reason: `more than ${MAX_REDIRECTS} redirects` });
          url = new URL(location, url).toString();
          // fetch's rules: 303, and 301/302 after a POST, turn into a GET without the body.
          const next = redirectMethod(res.status, current.method);
          if (next !== current.method) current = { method: next, body: undefined };
          continue;
        }
        const text = await res.text();
        if (res.ok) return { status: res.status, headers: res.headers, url, data: parseJson<T>(text, res.status) };
        throw this.answerError(res, text, verb, path);
      }
    } catch (e) {
      if (e instanceof GitHubApiError) throw e;
      if (e instanceof NotJson)
        throw this.fail({ status: e.status, method: verb, path, reason: `HTTP ${e.status}, but not JSON` });
      // Network failure or timeout: where it went (a redirect may have left the API's host) and why.
      throw this.fail({ status: 0, method: verb, path, reason: requestFailure(e, new URL(url).host, this.timeoutMs) });
    }
  }

  private answerError(res: HttpAnswer, text: string, method: string, path: string): GitHubApiError {
    const said = apiMessage(text);
    const message = said === undefined ? undefined : oneLineText(said, [this.opts.token]);
    const fields = { status: res.status, method, path, reason: statusReason(res.status, res.statusText, message) };
    const limit = rateLimit(res.status, (h) => res.headers.get(h), this.now());
    if (limit === undefined) return this.fail(fields);
    const reason = this.scrub(`${fields.reason}: ${rateLimitReason(limit, this.now())}`);
    return new GitHubRateLimitError({ ...fields, reason }, limit.resetAt);
  }

  /** GET and its JSON. */
  async get<T = unknown>(pathOrUrl: string): Promise<T> {
    return (await this.request<T>('GET', pathOrUrl)).data;
  }

  /**
   * Every item of a list endpoint, following `Link: <...>; rel="next"`. A next
   * page at another origin is refused: GitHub pages within its API, so a Link
   * elsewhere is a proxy's or an attacker's, and gets neither the token nor a
   * request.
   */
  async paginate<T = unknown>(pathOrUrl: string, opts: PaginateOptions<T> = {}): Promise<T[]> {
    const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;
    const out: T[] = [];
    let url: string | undefined = this.url(pathOrUrl);
    for (let page = 1; url !== undefined; page++) {
      const path = requestPath(url);
      if (page > maxPages)
        throw this.fail({
          status: 0,
          method: 'GET',
          path,
          reason: `stopped: more than ${maxPages} pages (the page cap)`,
        });
      const res: GitHubResponse<unknown> = await this.request('GET', url);
      const items = opts.items ? opts.items(res.data) : res.data;
      if (!Array.isArray(items))
        throw this.fail({ status: res.status, method: 'GET', path, reason: `HTTP ${res.status}, but not a list` });
      out.push(...(items as T[]));
      const next: string | undefined = parseLinks(res.headers.get('link'), res.url).next;
      if (next !== undefined && !sameOrigin(next, this.apiUrl)) {
        const elsewhere = `the next page is at ${new URL(next).origin}, not at the API (${this.apiUrl})`;
        throw this.fail({ status: 0, method: 'GET', path, reason: `${elsewhere}: not sending the token there` });
      }
      url = next;
    }
    return out;
  }
}

class NotJson extends Error {
  constructor(readonly status: number) {
    super('not JSON');
  }
}

function parseJson<T>(text: string, status: number): T {
  if (text.trim() === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new NotJson(status);
  }
}
