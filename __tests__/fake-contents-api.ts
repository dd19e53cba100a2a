// A local HTTP server that answers like the GitHub REST contents API for files
// (GET /repos/{owner}/{repo}/contents/{path}?ref=): the object form with the
// content in base64, or the file itself for `Accept: application/vnd.github.raw`;
// 401 without the token, 404 for what it does not hold, the rate limit, or
// silence. It records every request. Shared by __tests__/remote-dockerfile.test.ts
// and the end-to-end test of a Git context (e2e/git-context.test.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CONTENTS_TOKEN = 'ghs_contents-token';

export interface ContentsRequest {
  method: string;
  url: string;
  authorization?: string;
  accept?: string;
}

export interface FakeContentsApi {
  url: string;
  requests: ContentsRequest[];
  close(): Promise<void>;
}

export interface FakeContentsOptions {
  /** The token it accepts (default CONTENTS_TOKEN). */
  token?: string;
  /** Answer every request with the primary rate limit (403, x-ratelimit-remaining: 0). */
  rateLimited?: boolean;
  /** Take requests and never answer. */
  silent?: boolean;
  /** The ref a request without `ref=` reads (the default branch). */
  defaultRef?: string;
}

/** `files`: "owner/repo@ref:path" -> the file's text. */
export async function fakeContentsApi(
  files: Record<string, string>,
  opts: FakeContentsOptions = {},
): Promise<FakeContentsApi> {
  const requests: ContentsRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({
      method: req.method ?? '',
      url: url.pathname + url.search,
      authorization: req.headers.authorization,
      accept: req.headers.accept,
    });
    if (opts.silent) return;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${opts.token ?? CONTENTS_TOKEN}`)
      return json(401, { message: 'Bad credentials' });
    if (opts.rateLimited) {
      const reset = String(Math.floor(Date.now() / 1000) + 600);
      return json(
        403,
        { message: 'API rate limit exceeded for installation.' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      );
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) return json(404, { message: 'Not Found' });
    const path = m[3]!.split('/').map(decodeURIComponent).join('/');
    const key = `${m[1]}/${m[2]}@${url.searchParams.get('ref') ?? opts.defaultRef ?? 'main'}:${path}`;
    const text = files[key];
    if (text === undefined) return json(404, { message: 'Not Found' });
    if (req.headers.accept === 'application/vnd.github.raw') {
      res.writeHead(200, { 'Content-Type': 'application/vnd.github.raw' });
      return res.end(text);
    }
    const content = Buffer.from(text).toString('base64').replace(/.{60}/g, '$&\n'); // GitHub wraps its base64
    json(200, { type: 'file', encoding: 'base64', name: path.split('/').pop(), path, content });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections(); // a silent server's connections never end by themselves
      return new Promise((r) => server.close(() => r()));
    },
  };
}
