// Why a request over the network failed, in words a user can act on: shared
// by the registry client (registry/registry.ts) and the GitHub REST client
// (github/rest.ts). Pure: it reads the error a request threw (http/request.ts), it sends nothing.
import { errorMessage } from './errors.js';

/** Each request's limit unless told otherwise (the `request-timeout` input's default): fetch's own is 300 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** What a network error's code means, for the ones a user can act on. */
const NETWORK_CODES: Record<string, string> = {
  ENOTFOUND: 'no such host: check the name, DNS',
  EAI_AGAIN: 'the DNS lookup failed for now',
  ECONNREFUSED: 'nothing listens there',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
  UND_ERR_SOCKET: 'the connection was closed',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host cannot be reached',
  ENETUNREACH: 'the network cannot be reached',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate is not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another name',
};

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Why a request to `host` failed, in words: a timeout as such, a network
 * error with its code (ECONNRESET, ECONNREFUSED, ENOTFOUND...) and what it
 * means. Errors from fetch may come from another realm (jest), so nothing
 * here relies on instanceof.
 */
export function requestFailure(e: unknown, host: string, timeoutMs?: number): string {
  const err = e as { name?: unknown; code?: unknown; cause?: unknown } | null;
  const name = err?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return timeoutMs === undefined
      ? `no answer from ${host} in time`
      : `no answer from ${host} within ${seconds(timeoutMs)} (request-timeout)`;
  }
  const cause = (err?.cause ?? undefined) as { code?: unknown; message?: unknown; errors?: unknown } | undefined;
  const code = String(cause?.code ?? err?.code ?? '');
  if (!code && cause === undefined) return `connection to ${host} failed: ${errorMessage(e)}`;
  let why = typeof cause?.message === 'string' && cause.message !== '' ? cause.message : errorMessage(e);
  // Several addresses tried (an AggregateError): the first one's words.
  const first = Array.isArray(cause?.errors) ? (cause.errors[0] as { message?: unknown } | undefined) : undefined;
  if (why === '' && typeof first?.message === 'string') why = first.message;
  if (code && !why.includes(code)) why = `${why ? `${why} ` : ''}(${code})`;
  const meaning = NETWORK_CODES[code];
  return `connection to ${host} failed: ${why}${meaning ? ` (${meaning})` : ''}`;
}
