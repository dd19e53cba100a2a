// The GitHub REST client (src/github/rest.ts) against real HTTP servers on
// 127.0.0.1 that the tests start: what it sends, where the token goes, pages,
// redirects, rate limits, timeouts and how failures read. No fetch mock.
import { afterEach, describe, expect, test } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitHubApiError, GitHubRateLimitError, GitHubRest } from '../src/github/rest.js';
import { deleteGhcrTags, GhcrClient } from '../src/registry/ghcr.js';

const TOKEN = 'ghs_rest-test-token';

interface Recorded {
  method: string;
  url: string;
  host?: string;
  authorization?: string;
  accept?: string;
  apiVersion?: string;
  contentType?: string;
  body: string;
}

interface Served {
  url: string;
  requests: Recorded[];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections(); // a silent server's connections never end by themselves
      return new Promise((r) => s.close(r));
    }),
  );
});

/** A server that records every request (with its body) and answers with `handler`. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, base: string) => void): Promise<Served> {
  const requests: Recorded[] = [];
  let base = '';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({
        method: req.method!,
        url: req.url!,
        host: req.headers.host,
        authorization: req.headers.authorization,
        accept: req.headers.accept,
        apiVersion: req.headers['x-github-api-version'] as string | undefined,
        contentType: req.headers['content-type'],
        body,
      });
      handler(req, res, base);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, requests };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** 7 items, 3 a page: pages 1..3, the Link header as GitHub writes it (absolute URLs, next/last/first/prev). */
function pages(linkOrigin?: string) {
  return (req: IncomingMessage, res: ServerResponse, base: string) => {
    const url = new URL(req.url!, base);
    const page = Number(url.searchParams.get('page') ?? 1);
    const at = (p: number) => `<${linkOrigin ?? base}${url.pathname}?per_page=3&page=${p}>`;
    const links = [];
    if (page < 3) links.push(`${at(page + 1)}; rel="next"`, `${at(3)}; rel="last"`);
    if (page > 1) links.push(`${at(1)}; rel="first"`, `${at(page - 1)}; rel="prev"`);
    const items = [1, 2, 3, 4, 5, 6, 7].slice((page - 1) * 3, page * 3).map((id) => ({ id }));
    json(res, 200, items, links.length ? { Link: links.join(', ') } : {});
  };
}

const client = (url: string, more: Partial<ConstructorParameters<typeof GitHubRest>[0]> = {}) =>
  new GitHubRest({ token: TOKEN, apiUrl: url, ...more });

async function failure(p: Promise<unknown>): Promise<GitHubApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GitHubApiError) return e;
    throw e;
  }
  throw new Error('expected a GitHubApiError');
}

describe('requests', () => {
  test("GitHub's headers and the token, to the API's base (GITHUB_API_URL, with a path as on GHES)", async () => {
    const api = await serve((_req, res) => json(res, 200, { ok: true }));
    const rest = new GitHubRest({ token: TOKEN, env: { GITHUB_API_URL: `${api.url}/api/v3/` } });
    expect(rest.apiUrl).toBe(`${api.url}/api/v3`);
    expect(await rest.get('/repos/acme/app')).toEqual({ ok: true });
    expect(await rest.get('orgs/acme')).toEqual({ ok: true });
    expect(api.requests.map((r) => r.url)).toEqual(['/api/v3/repos/acme/app', '/api/v3/orgs/acme']);
    expect(api.requests[0]).toMatchObject({
      method: 'GET',
      authorization: `Bearer ${TOKEN}`,
      accept: 'application/vnd.github+json',
      apiVersion: '2022-11-28',
    });
  });

  test('apiUrl wins over GITHUB_API_URL; neither is api.github.com; the default timeout is 30 s', () => {
    expect(
      new GitHubRest({ token: '', apiUrl: 'http://a.test', env: { GITHUB_API_URL: 'http://b.test' } }).apiUrl,
    ).toBe('http://a.test');
    const rest = new GitHubRest({ token: '', env: {} });
    expect([rest.apiUrl, rest.timeoutMs]).toEqual(['https://api.github.com', 30_000]);
  });

  test('a JSON body, a 204 answer (data undefined), and no Authorization without a token', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const r = await client(api.url).request('POST', '/repos/acme/app/dispatches', { body: { event_type: 'x' } });
    expect([r.status, r.data]).toEqual([204, undefined]);
    expect(api.requests[0]).toMatchObject({ contentType: 'application/json', body: '{"event_type":"x"}' });
    await client(api.url, { token: '' }).request('DELETE', '/x');
    expect(api.requests[1]!.authorization).toBeUndefined();
  });

  test('a 200 that is not JSON: one line that says so', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>proxy</html>');
    });
    const e = await failure(client(api.url).get('/x'));
    expect([e.status, e.message]).toEqual([200, 'GET /x: HTTP 200, but not JSON']);
  });
});

describe('pagination', () => {
  test('three pages, followed by their Link rel="next", each with the token', async () => {
    const api = await serve(pages());
    expect(await client(api.url).paginate<{ id: number }>('/orgs/acme/items?per_page=3')).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((id) => ({ id })),
    );
    expect(api.requests.map((r) => r.url)).toEqual([
      '/orgs/acme/items?per_page=3',
      '/orgs/acme/items?per_page=3&page=2',
      '/orgs/acme/items?per_page=3&page=3',
    ]);
    expect(api.requests.map((r) => r.authorization)).toEqual(Array(3).fill(`Bearer ${TOKEN}`));
  });

  test('wrapped lists ({ total_count, workflow_runs }) through items()', async () => {
    const api = await serve((req, res, base) => {
      const second = req.url!.includes('page=2');
      json(
        res,
        200,
        { total_count: 2, workflow_runs: [{ id: second ? 2 : 1 }] },
        second ? {} : { Link: `<${base}/runs?page=2>; rel="next"` },
      );
    });
    const runs = await client(api.url).paginate('/runs', {
      items: (d) => (d as { workflow_runs: { id: number }[] }).workflow_runs,
    });
    expect(runs).toEqual([{ id: 1 }, { id: 2 }]);
  });

  test('the page cap: more pages than allowed is an error, not a short list', async () => {
    const api = await serve(pages());
    const e = await failure(client(api.url).paginate('/items?per_page=3', { maxPages: 2 }));
    expect(e.message).toBe('GET /items?per_page=3&page=3: stopped: more than 2 pages (the page cap)');
    expect(api.requests).toHaveLength(2);
  });

  test('a next page at another host gets neither the token nor a request', async () => {
    const other = await serve(pages());
    const api = await serve(pages(other.url));
    const e = await failure(client(api.url).paginate('/items?per_page=3'));
    expect(e.message).toBe(
      `GET /items?per_page=3: the next page is at ${other.url}, not at the API (${api.url}): not sending the token there`,
    );
    expect(other.requests).toEqual([]);
  });

  test('not a list: one line that says so', async () => {
    const api = await serve((_req, res) => json(res, 200, { message: 'an object' }));
    expect((await failure(client(api.url).paginate('/x'))).message).toBe('GET /x: HTTP 200, but not a list');
  });
});

describe('redirects', () => {
  test('to another host (a download URL): followed without the token', async () => {
    const blob = await serve((_req, res) => json(res, 200, { from: 'blob' }));
    const api = await serve((_req, res) => {
      res.writeHead(302, { Location: `${blob.url}/signed?sig=1` });
      res.end();
    });
    const r = await client(api.url).request('GET', '/repos/acme/app/actions/artifacts/1/zip');
    expect([r.data, r.url]).toEqual([{ from: 'blob' }, `${blob.url}/signed?sig=1`]);
    expect(api.requests[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(blob.requests).toHaveLength(1);
    expect(blob.requests[0]!.authorization).toBeUndefined();
  });

  test('the same port under another name (localhost) is another host: no token', async () => {
    let hops = 0;
    const api = await serve((req, res, base) => {
      if (hops++ === 0) {
        res.writeHead(307, { Location: `${base.replace('127.0.0.1', 'localhost')}/moved` });
        return res.end();
      }
      json(res, 200, { auth: req.headers.authorization ?? null });
    });
    expect(await client(api.url).get('/x')).toEqual({ auth: null });
  });

  test('within the API (a renamed repository): followed with the token; 303 turns a POST into a GET', async () => {
    const api = await serve((req, res) => {
      if (req.url === '/repos/old/app') {
        res.writeHead(303, { Location: '/repos/new/app' });
        return res.end();
      }
      json(res, 200, { method: req.method, auth: req.headers.authorization });
    });
    expect(await client(api.url).request('POST', '/repos/old/app', { body: {} })).toMatchObject({
      data: { method: 'GET', auth: `Bearer ${TOKEN}` },
    });
    expect(api.requests[1]).toMatchObject({ url: '/repos/new/app', body: '' });
  });

  test('a redirect loop ends', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(301, { Location: '/again' });
      res.end();
    });
    expect((await failure(client(api.url).get('/start'))).message).toBe('GET /start: more than 5 redirects');
    expect(api.requests).toHaveLength(6);
  });
});

describe('rate limits', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);

  test('403 with x-ratelimit-remaining 0: a GitHubRateLimitError that says when the limit resets', async () => {
    const api = await serve((_req, res) =>
      json(
        res,
        403,
        { message: 'API rate limit exceeded for installation ID 1.' },
        {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(now / 1000 + 754),
        },
      ),
    );
    const e = await failure(client(api.url, { now: () => now }).get('/orgs/acme'));
    expect(e).toBeInstanceOf(GitHubRateLimitError);
    expect((e as GitHubRateLimitError).resetAt).toEqual(new Date(now + 754_000));
    expect([e.status, e.message]).toEqual([
      403,
      'GET /orgs/acme: HTTP 403 API rate limit exceeded for installation ID 1.: ' +
        'rate limited: the limit resets at 2025-01-01T12:12:34Z (in 13 min)',
    ]);
  });

  test('429 with retry-after', async () => {
    const api = await serve((_req, res) =>
      json(res, 429, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '60' }),
    );
    const e = await failure(client(api.url, { now: () => now }).request('DELETE', '/x/1'));
    expect(e).toBeInstanceOf(GitHubRateLimitError);
    expect(e.message).toBe(
      'DELETE /x/1: HTTP 429 You have exceeded a secondary rate limit.: ' +
        'rate limited: the limit resets at 2025-01-01T12:01:00Z (in 60 s)',
    );
  });

  test('a plain 403 is not a rate limit', async () => {
    const api = await serve((_req, res) => json(res, 403, { message: 'Resource not accessible by integration' }));
    const e = await failure(client(api.url).get('/x'));
    expect(e).not.toBeInstanceOf(GitHubRateLimitError);
    expect(e.message).toBe('GET /x: HTTP 403 Resource not accessible by integration');
  });
});

describe('timeouts and network failures', () => {
  test('an API that never answers: given up after the timeout, naming the request and the host', async () => {
    const api = await serve(() => {});
    const start = Date.now();
    const e = await failure(client(api.url, { timeoutMs: 200 }).get('/slow'));
    expect(Date.now() - start).toBeLessThan(3000);
    expect([e.status, e.message]).toEqual([
      0,
      `GET /slow: no answer from ${new URL(api.url).host} within 0.2 s (request-timeout)`,
    ]);
  });

  test('an answer whose body never ends: the timeout covers reading it', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('[{"id":1},');
    });
    const e = await failure(client(api.url, { timeoutMs: 300 }).get('/half'));
    expect(e.message).toMatch(/^GET \/half: no answer from 127\.0\.0\.1:\d+ within 0\.3 s \(request-timeout\)$/);
  });

  test('nothing listening: the cause, on one line', async () => {
    const api = await serve(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    const e = await failure(client(api.url).get('/x'));
    expect(e.message).toMatch(
      /^GET \/x: connection to 127\.0\.0\.1:\d+ failed: .*ECONNREFUSED.*\(nothing listens there\)$/,
    );
  });
});

describe('error wording', () => {
  test('one line: method, path, status and the API message; never the token, even when the API repeats it', async () => {
    const api = await serve((req, res) =>
      json(res, 404, { message: `Not Found\nfor ${req.headers.authorization}\r\n(see docs)` }),
    );
    const e = await failure(client(api.url).get('/repos/acme/app/contents/x?ref=main'));
    expect(e.message).toBe('GET /repos/acme/app/contents/x?ref=main: HTTP 404 Not Found for Bearer *** (see docs)');
    expect([e.status, e.method, e.path, e.reason]).toEqual([
      404,
      'GET',
      '/repos/acme/app/contents/x?ref=main',
      'HTTP 404 Not Found for Bearer *** (see docs)',
    ]);
  });

  test('no JSON message: the status text', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html>\n<h1>502</h1>\n</html>');
    });
    expect((await failure(client(api.url).request('PATCH', '/x'))).message).toBe('PATCH /x: HTTP 502 Bad Gateway');
  });

  test('about(): the same error told as part of what the caller was doing; a rate limit stays one', async () => {
    const api = await serve((_req, res) => json(res, 429, { message: 'slow down' }, { 'retry-after': '1' }));
    const e = (await failure(client(api.url).get('/x'))).about('listing the versions of ghcr.io/acme/app');
    expect(e).toBeInstanceOf(GitHubRateLimitError);
    expect(e.message).toMatch(/^listing the versions of ghcr\.io\/acme\/app: HTTP 429 slow down: rate limited: /);
    expect([e.status, e.path]).toEqual([429, '/x']);
  });
});

describe('GHCR cleanup on the client (src/registry/ghcr.ts)', () => {
  test('a rate-limited listing: every tag failed, saying when to retry, without the packages: write hint', async () => {
    const api = await serve((_req, res) =>
      json(
        res,
        403,
        { message: 'API rate limit exceeded' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' },
      ),
    );
    const results = await deleteGhcrTags(new GhcrClient({ token: TOKEN, apiUrl: api.url }), 'ghcr.io/acme/app', ['a'], {
      dryRun: false,
    });
    expect(results).toEqual([
      {
        tag: 'a',
        state: 'failed',
        detail:
          'listing the versions of ghcr.io/acme/app: HTTP 403 API rate limit exceeded: ' +
          'rate limited: the limit resets at 1970-01-01T00:00:01Z (in 0 s)',
      },
    ]);
    expect(api.requests).toHaveLength(1);
  });

  test('a GhcrClient on a shared GitHubRest uses its API and timeout', () => {
    const rest = new GitHubRest({ token: TOKEN, apiUrl: 'http://127.0.0.1:9', timeoutMs: 1234 });
    expect(new GhcrClient(rest).timeoutMs).toBe(1234);
  });
});
