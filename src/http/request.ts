// HTTP requests on node:http and node:https, in the shape of the part of fetch
// the clients use (registry/, github/). Node's fetch loads undici on its first
// call: about 70 ms of a job's start on the test machine against 15 ms for the
// same first round on node:http (README, Benchmarks: the action's own cost).
// Answers are read whole (manifests, configs, JSON pages), so the caller's
// signal bounds the reading too.
import { type IncomingMessage, request as plainRequest } from 'node:http';
import { request as tlsRequest } from 'node:https';

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** 'follow' (the default) follows up to 20 redirects, as fetch does; 'manual' answers the redirect. */
  redirect?: 'follow' | 'manual';
  signal?: AbortSignal;
}

export interface HttpHeaders {
  get(name: string): string | null;
}

/** What the clients read of an answer; fetch's Response has it too, so a test may pass fetch itself. */
export interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  /** Where the answer came from, after redirects. */
  readonly url: string;
  readonly headers: HttpHeaders;
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export type HttpFetch = (input: string | URL, init?: HttpInit) => Promise<HttpAnswer>;

const MAX_REDIRECTS = 20;
/** Larger answers are not read: the clients read manifests and JSON pages, never layers. */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** What a kept-alive connection the server had closed fails with, before any answer. */
const STALE = new Set(['ECONNRESET', 'EPIPE']);

/** An answer's body, or why it was not read (its declared size, an encoding nobody asked for). */
type Body = { bytes: Buffer } | { unread: string };

class Answer implements HttpAnswer {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly url: string,
    private readonly raw: IncomingMessage['headers'],
    private readonly body: Body,
  ) {}
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  readonly headers: HttpHeaders = {
    get: (name) => {
      const v = this.raw[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };
  private bytes(): Buffer {
    if ('unread' in this.body) throw new Error(`${this.url}: ${this.body.unread}`);
    return this.body.bytes;
  }
  async text(): Promise<string> {
    // As fetch decodes UTF-8: a leading byte order mark is not part of the text.
    return this.bytes()
      .toString('utf8')
      .replace(/^\uFEFF/, '');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return new Uint8Array(this.bytes()).buffer;
  }
}

/** A failed request, as fetch words it: the network's own error (its code) is the cause. */
function failed(url: URL, cause: unknown): Error {
  return new Error(`request to ${url.host} failed`, { cause });
}

/** Why an answer's body is not read: over the size limit, or compressed although nobody asked for it. */
function unreadable(headers: IncomingMessage['headers']): string | undefined {
  const declared = Number(headers['content-length'] ?? '0');
  if (declared > MAX_ANSWER_BYTES) return `the answer is ${declared} bytes, more than ${MAX_ANSWER_BYTES} read here`;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity')
    return `the answer is ${encoding}-encoded, which the request did not ask for`;
  return undefined;
}

/**
 * One request and its whole answer. A kept-alive connection the server had
 * closed fails before any answer: an idempotent request is then sent once more
 * on a new one. Every way the request can end settles the promise (an upgrade,
 * a close without an answer), so nothing waits on an unref'd timer forever.
 */
function once(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal?: AbortSignal,
  retried = false,
) {
  return new Promise<Answer>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return reject(failed(url, new Error(`not an HTTP URL: ${url.protocol}`)));
    const send = url.protocol === 'https:' ? tlsRequest : plainRequest;
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const sized = payload !== undefined || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method);
    const req = send(url, {
      method,
      headers: sized ? { ...headers, 'Content-Length': String(payload?.length ?? 0) } : headers,
    });
    let answered = false;
    let settled = false;
    const settle = (then: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      then();
    };
    const fail = (cause: unknown) => settle(() => reject(failed(url, cause)));
    const abort = () => {
      req.destroy();
      settle(() => reject(signal?.reason));
    };
    signal?.addEventListener('abort', abort, { once: true });
    req.on('error', (e) => {
      const stale = req.reusedSocket && !answered && !retried && STALE.has((e as { code?: string }).code ?? '');
      if (stale && IDEMPOTENT.has(method))
        settle(() => once(url, method, headers, body, signal, true).then(resolve, reject));
      else fail(e);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      fail(new Error('the server switched protocols (101), which was not asked for'));
    });
    const cut = () => fail(new Error('the connection closed before the answer was complete'));
    req.on('close', () => answered || cut());
    req.on('response', (res) => {
      answered = true;
      const why = unreadable(res.headers);
      const answer = (b: Body) => new Answer(res.statusCode ?? 0, res.statusMessage ?? '', url.href, res.headers, b);
      if (why !== undefined && method !== 'HEAD') {
        res.destroy();
        req.destroy();
        return settle(() => resolve(answer({ unread: why })));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) return void chunks.push(chunk);
        req.destroy();
        fail(new Error(`the answer is over ${MAX_ANSWER_BYTES} bytes`));
      });
      res.on('error', fail);
      res.on('end', () => settle(() => resolve(answer({ bytes: Buffer.concat(chunks) }))));
      // After 'end' this does nothing; without one, the answer was cut short.
      res.on('close', cut);
    });
    req.end(payload);
  });
}

/** The method a redirect is followed with, by fetch's rules: 303 (but after a HEAD), and 301/302 after a POST, GET. */
export function redirectMethod(status: number, method: string): string {
  const toGet = (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
  return toGet ? 'GET' : method;
}

/** A redirect's next request: its method (redirectMethod), no body for a GET; credentials stay on their origin. */
function redirected(
  from: URL,
  to: URL,
  status: number,
  init: Required<Pick<HttpInit, 'method' | 'headers'>> & HttpInit,
) {
  const toGet = redirectMethod(status, init.method) !== init.method;
  const headers = Object.fromEntries(
    Object.entries(init.headers).filter(([k]) => {
      const key = k.toLowerCase();
      if (to.origin !== from.origin && (key === 'authorization' || key === 'cookie')) return false;
      return !(toGet && (key === 'content-type' || key === 'content-length'));
    }),
  );
  return { ...init, method: toGet ? 'GET' : init.method, headers, body: toGet ? undefined : init.body };
}

/** A request with fetch's meaning for the parts of HttpInit; network failures throw with their cause. */
export const httpFetch: HttpFetch = async (input, init = {}) => {
  let url = new URL(input);
  // fetch's default Accept, unless the caller names one.
  const named = Object.keys(init.headers ?? {}).some((k) => k.toLowerCase() === 'accept');
  const accept: Record<string, string> = named ? {} : { Accept: '*/*' };
  let current = { ...init, method: (init.method ?? 'GET').toUpperCase(), headers: { ...accept, ...init.headers } };
  for (let hop = 0; ; hop++) {
    const res = await once(url, current.method, current.headers, current.body, init.signal);
    const location = res.headers.get('location');
    if (init.redirect === 'manual' || ![301, 302, 303, 307, 308].includes(res.status) || location === null) return res;
    if (hop >= MAX_REDIRECTS) throw failed(url, new Error(`more than ${MAX_REDIRECTS} redirects`));
    const next = new URL(location, url);
    current = redirected(url, next, res.status, current);
    url = next;
  }
};
