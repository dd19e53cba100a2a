// The GitHub REST API's conventions as plain data, for src/github/rest.ts:
// which origin is the API (the token goes nowhere else), its Link header's
// pages, what a rate-limit answer says, and how a failure reads in the log.
// No I/O here, so each rule is tested on its own.

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** How long a message from the API may be in our one-line errors. */
const MAX_MESSAGE = 300;

/**
 * GITHUB_API_URL (GitHub Enterprise Server's is https://host/api/v3) as a base
 * without a trailing slash; unset or empty is api.github.com. Anything but an
 * http(s) URL is refused here: it decides where the token goes.
 */
export function apiBaseUrl(value: string | undefined): string {
  const raw = (value ?? '').trim() || DEFAULT_GITHUB_API_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`GITHUB_API_URL "${raw}" is not a URL: e.g. ${DEFAULT_GITHUB_API_URL}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`GITHUB_API_URL "${raw}" is not an http(s) URL: e.g. ${DEFAULT_GITHUB_API_URL}`);
  if (url.username || url.password || url.search || url.hash)
    throw new Error(`GITHUB_API_URL "${url.origin}${url.pathname}…" has credentials, a query or a fragment`);
  return url.toString().replace(/\/+$/, '');
}

/** Scheme, host and port equal (URL.origin spells default ports alike): only then may the token go along. */
export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/**
 * A Link header (RFC 8288) as rel -> absolute URL. URLs are resolved against
 * the URL of the answer they came with; a link with several rels ("next last")
 * counts for each; the first link of a rel wins.
 */
export function parseLinks(header: string | null | undefined, base: string): Record<string, string> {
  const links: Record<string, string> = {};
  // <uri> then ;-parameters up to the next comma outside quotes.
  for (const m of (header ?? '').matchAll(/<([^>]*)>((?:\s*;\s*[^;,"=\s]+\s*(?:=\s*(?:"[^"]*"|[^;,\s]*))?)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(m[2]!);
    if (!rel) continue;
    let url: string;
    try {
      url = new URL(m[1]!.trim(), base).toString();
    } catch {
      continue;
    }
    for (const r of (rel[1] ?? rel[2]!).toLowerCase().split(/\s+/)) if (r && !(r in links)) links[r] = url;
  }
  return links;
}

export interface RateLimit {
  /** When the API will answer again; undefined when it did not say. */
  resetAt?: Date;
}

/**
 * Whether an answer is GitHub's rate limit: 429, or 403 with
 * x-ratelimit-remaining 0 or a retry-after (the secondary limits). A plain 403
 * is a permission answer, not a limit. retry-after wins over
 * x-ratelimit-reset: it is the more specific of the two.
 */
export function rateLimit(
  status: number,
  header: (name: string) => string | null,
  nowMs: number,
): RateLimit | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = header('retry-after');
  const remaining = header('x-ratelimit-remaining');
  if (status === 403 && retryAfter === null && remaining?.trim() !== '0') return undefined;
  if (retryAfter !== null) {
    const seconds = Number(retryAfter.trim());
    if (retryAfter.trim() !== '' && Number.isFinite(seconds) && seconds >= 0)
      return { resetAt: new Date(nowMs + seconds * 1000) };
    const date = Date.parse(retryAfter); // retry-after may also be an HTTP date
    if (!Number.isNaN(date)) return { resetAt: new Date(date) };
  }
  const reset = Number(header('x-ratelimit-reset') ?? '');
  if (header('x-ratelimit-reset')?.trim() && Number.isFinite(reset) && reset > 0)
    return { resetAt: new Date(reset * 1000) };
  return {};
}

function duration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 120) return `${s} s`;
  return s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 360) / 10} h`;
}

/** The reset time in UTC and how long from now, for the log: a user decides whether to wait or re-run later. */
export function rateLimitReason(limit: RateLimit, nowMs: number): string {
  if (limit.resetAt === undefined) return 'rate limited: the API did not say when the limit resets';
  const at = limit.resetAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `rate limited: the limit resets at ${at} (in ${duration(limit.resetAt.getTime() - nowMs)})`;
}

/**
 * Text for a one-line error: line breaks of any kind become spaces, the
 * secrets `***`, and it is cut at `max` characters (the API's message: a
 * proxy's page or a long list of errors must not flood the log).
 */
export function oneLineText(text: string, secrets: readonly string[] = [], max = MAX_MESSAGE): string {
  let out = text;
  for (const s of secrets) if (s !== '') out = out.split(s).join('***');
  out = out.replace(/[\s\u2028\u2029]+/g, ' ').trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/**
 * The API's own words from an error body: `message`, and the `errors`' messages
 * a 422 carries. Undefined for a body that is not GitHub's JSON (a proxy's HTML
 * page says nothing a user can act on).
 */
export function apiMessage(body: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const { message, errors } = json as { message?: unknown; errors?: unknown };
  const details = Array.isArray(errors)
    ? errors.flatMap((e) => {
        const m = typeof e === 'string' ? e : (e as { message?: unknown } | null)?.message;
        return typeof m === 'string' && m !== '' ? [m] : [];
      })
    : [];
  const words = [typeof message === 'string' ? message : '', details.length > 0 ? `(${details.join('; ')})` : '']
    .filter((w) => w !== '')
    .join(' ');
  return words === '' ? undefined : words;
}

/** What failed, for a one-line error: `HTTP 404 Not Found`, with the API's message when it gave one. */
export function statusReason(status: number, statusText: string, message: string | undefined): string {
  const words = message ?? statusText;
  return `HTTP ${status}${words ? ` ${words}` : ''}`;
}

/** `/orgs/acme/packages?page=2`: a URL as an error names it (path and query; no host, nor credentials in it). */
export function requestPath(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}
