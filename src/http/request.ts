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
/** Larger answers are refused: the clients read manifests and JSON pages, never layers. */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

class Answer implements HttpAnswer {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly url: string,
    private readonly raw: IncomingMessage['headers'],
    private readonly bytes: Buffer,
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
  async text(): Promise<string> {
    return this.bytes.toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.bytes.toString('utf8'));
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return new Uint8Array(this.bytes).buffer;
  }
}

/** A failed request, as fetch words it: the network's own error (its code) is the cause. */
function failed(url: URL, cause: unknown): Error {
  return new Error(`request to ${url.host} failed`, { cause });
}

/** One request and its whole answer; a stale kept-alive connection is tried once more for an idempotent method. */
function once(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal?: AbortSignal,
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
    const abort = () => {
      req.destroy();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
    const done = () => signal?.removeEventListener('abort', abort);
    req.on('error', (e) => {
      done();
      if (req.reusedSocket && IDEMPOTENT.has(method) && (e as { code?: string }).code === 'ECONNRESET')
        once(url, method, headers, body, signal).then(resolve, reject);
      else reject(failed(url, e));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          done();
          req.destroy();
          reject(failed(url, new Error(`the answer is over ${MAX_ANSWER_BYTES} bytes`)));
        } else chunks.push(chunk);
      });
      res.on('error', (e) => {
        done();
        reject(failed(url, e));
      });
      res.on('end', () => {
        done();
        resolve(new Answer(res.statusCode ?? 0, res.statusMessage ?? '', url.href, res.headers, Buffer.concat(chunks)));
      });
    });
    req.end(payload);
  });
}

/** fetch's redirect rules: 303 (and 301/302 after a POST) become a GET; credentials stay on their origin. */
function redirected(
  from: URL,
  to: URL,
  status: number,
  init: Required<Pick<HttpInit, 'method' | 'headers'>> & HttpInit,
) {
  const toGet =
    (status === 303 && init.method !== 'HEAD') || ((status === 301 || status === 302) && init.method === 'POST');
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
  let current = { ...init, method: (init.method ?? 'GET').toUpperCase(), headers: { ...init.headers } };
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
