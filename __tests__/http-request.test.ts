// src/http/request.ts against real HTTP servers the tests start: what the
// clients rely on from fetch (status, headers, bodies, redirects, credentials
// kept on their origin, timeouts, network errors with their codes).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { requestFailure } from '../src/core/network-failure.js';
import { httpFetch, MAX_ANSWER_BYTES, redirectMethod } from '../src/http/request.js';
import { makeSigningCertificate } from './token-server.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  socket: number;
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A server on a port of its own (an origin of its own), recording what it was sent. */
async function serve(handler: Handler): Promise<{ url: string; seen: Seen[]; server: Server; sockets: Socket[] }> {
  const seen: Seen[] = [];
  const sockets: Socket[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body,
        socket: sockets.indexOf(req.socket),
      });
      handler(req, body, res);
    });
  });
  server.on('connection', (s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server, sockets };
}

const servers: Server[] = [];
async function started(handler: Handler) {
  const s = await serve(handler);
  servers.push(s.server);
  return s;
}
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe('an answer', () => {
  test('status, status text, headers by any case (repeated ones joined), body as text, JSON and bytes', async () => {
    const s = await started((_req, _body, res) => {
      res.writeHead(201, 'Made', { 'Docker-Content-Digest': 'sha256:abc', 'Set-Cookie': ['a=1', 'b=2'] });
      res.end('{"tags":["x"]}');
    });
    const res = await httpFetch(`${s.url}/v2/x`);
    expect({ status: res.status, text: res.statusText, ok: res.ok, url: res.url }).toEqual({
      status: 201,
      text: 'Made',
      ok: true,
      url: `${s.url}/v2/x`,
    });
    expect(res.headers.get('docker-content-digest')).toBe('sha256:abc');
    expect(res.headers.get('DOCKER-CONTENT-DIGEST')).toBe('sha256:abc');
    expect(res.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(res.headers.get('link')).toBeNull();
    expect(await res.text()).toBe('{"tags":["x"]}');
    expect(await res.json()).toEqual({ tags: ['x'] });
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('{"tags":["x"]}');
  });

  test('ok is for 2xx only', async () => {
    const s = await started((req, _body, res) => {
      res.writeHead(Number(req.url!.slice(1)));
      res.end();
    });
    const oks = [];
    for (const status of [200, 204, 299, 300, 404]) oks.push([status, (await httpFetch(`${s.url}/${status}`)).ok]);
    expect(oks).toEqual([
      [200, true],
      [204, true],
      [299, true],
      [300, false],
      [404, false],
    ]);
  });

  test('a HEAD has its headers and no body; a body is sent with its length, and a POST without one says 0', async () => {
    const s = await started((req, body, res) => {
      res.writeHead(200, req.method === 'HEAD' ? { 'Content-Length': '7' } : {});
      res.end(body);
    });
    const head = await httpFetch(`${s.url}/h`, { method: 'head' });
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, '7', '']);
    await httpFetch(`${s.url}/put`, { method: 'PUT', headers: { 'Content-Type': 'application/x' }, body: 'héllo!' });
    await httpFetch(`${s.url}/post`, { method: 'POST' });
    const [, put, post] = s.seen;
    expect([put!.method, put!.headers['content-type'], put!.headers['content-length'], put!.body]).toEqual([
      'PUT',
      'application/x',
      '7',
      'héllo!',
    ]);
    expect([post!.method, post!.headers['content-length'], post!.headers['transfer-encoding']]).toEqual([
      'POST',
      '0',
      undefined,
    ]);
  });

  test('an answer over the limit is refused, not held in memory', async () => {
    const s = await started((_req, _body, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(1024 * 1024);
      let sent = 0;
      const more = () => {
        while (sent <= MAX_ANSWER_BYTES && res.write(chunk)) sent += chunk.length;
        if (sent <= MAX_ANSWER_BYTES) res.once('drain', more);
        else res.end();
      };
      res.on('error', () => undefined);
      more();
    });
    const e = await httpFetch(`${s.url}/big`).catch((x: Error) => x);
    expect(requestFailure(e, 'host')).toBe(`connection to host failed: the answer is over ${MAX_ANSWER_BYTES} bytes`);
  });
});

test('an answer declared over the limit, or compressed unasked, keeps its status and headers; its body is refused', async () => {
  const s = await started((req, _body, res) => {
    if (req.url === '/declared') res.writeHead(200, { 'Content-Length': String(MAX_ANSWER_BYTES + 1) });
    else res.writeHead(200, { 'Content-Encoding': 'gzip' });
    if (req.url === '/declared') res.write('x');
    else res.end('not really gzip');
  });
  const declared = await httpFetch(`${s.url}/declared`);
  expect([declared.status, declared.headers.get('content-length')]).toEqual([200, String(MAX_ANSWER_BYTES + 1)]);
  await expect(declared.text()).rejects.toThrow(`the answer is ${MAX_ANSWER_BYTES + 1} bytes, more than`);
  const zipped = await httpFetch(`${s.url}/zipped`);
  await expect(zipped.arrayBuffer()).rejects.toThrow('the answer is gzip-encoded, which the request did not ask for');
});

test("a byte order mark is not part of the text; fetch's Accept */* goes unless the caller names one", async () => {
  const s = await started((_req, _body, res) => res.end('\uFEFF{"a":1}'));
  expect(await (await httpFetch(`${s.url}/bom`)).json()).toEqual({ a: 1 });
  await httpFetch(`${s.url}/named`, { headers: { accept: 'x/y' } });
  expect(s.seen.map((r) => r.headers.accept)).toEqual(['*/*', 'x/y']);
});

describe('redirects', () => {
  test('redirectMethod: 303 (but after a HEAD), and 301/302 after a POST, become a GET; nothing else changes', () => {
    const cases = [303, 301, 302, 307, 308].flatMap((status) =>
      ['GET', 'HEAD', 'POST', 'PUT'].map((method) => `${status} ${method} -> ${redirectMethod(status, method)}`),
    );
    expect(cases.filter((c) => c.endsWith('-> GET') && !c.includes(' GET '))).toEqual([
      '303 POST -> GET',
      '303 PUT -> GET',
      '301 POST -> GET',
      '302 POST -> GET',
    ]);
    expect(redirectMethod(303, 'HEAD')).toBe('HEAD');
  });

  let target: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    target = await started((req, _body, res) => {
      res.writeHead(200);
      res.end(`at ${req.url}`);
    });
  });

  test('followed to the end, relative or on another origin; the credentials stay on their origin', async () => {
    const s = await started((req, _body, res) => {
      if (req.url === '/start') res.writeHead(302, { Location: '/same' }).end();
      else res.writeHead(307, { Location: `${target.url}/elsewhere` }).end();
    });
    const res = await httpFetch(`${s.url}/start`, { headers: { Authorization: 'Bearer t', Accept: 'x/y' } });
    expect([res.status, await res.text(), res.url]).toEqual([200, 'at /elsewhere', `${target.url}/elsewhere`]);
    expect(s.seen.map((r) => [r.url, r.headers.authorization])).toEqual([
      ['/start', 'Bearer t'],
      ['/same', 'Bearer t'],
    ]);
    const there = target.seen.at(-1)!;
    expect([there.url, there.headers.authorization, there.headers.accept]).toEqual(['/elsewhere', undefined, 'x/y']);
  });

  test('a 303, and a 301 or 302 after a POST, become a GET without the body; a 307 keeps both', async () => {
    const s = await started((req, _body, res) => {
      const to = { '/303': '/done', '/301': '/done', '/307': '/done' }[req.url!];
      if (to) res.writeHead(Number(req.url!.slice(1)), { Location: to }).end();
      else res.writeHead(200).end();
    });
    for (const status of ['303', '301', '307'])
      await httpFetch(`${s.url}/${status}`, { method: 'POST', body: 'b', headers: { 'Content-Type': 'text/x' } });
    await httpFetch(`${s.url}/303`, { method: 'HEAD' });
    const landed = s.seen.filter((r) => r.url === '/done').map((r) => [r.method, r.body, r.headers['content-type']]);
    expect(landed).toEqual([
      ['GET', '', undefined],
      ['GET', '', undefined],
      ['POST', 'b', 'text/x'],
      ['HEAD', '', undefined],
    ]);
  });

  test("'manual' answers the redirect itself; more than 20 hops is an error", async () => {
    const s = await started((req, _body, res) => {
      res.writeHead(302, { Location: `/hop${Number(req.url!.replace('/hop', '') || 0) + 1}` }).end();
    });
    const manual = await httpFetch(`${s.url}/hop0`, { redirect: 'manual' });
    expect([manual.status, manual.headers.get('location')]).toEqual([302, '/hop1']);
    const e = await httpFetch(`${s.url}/hop0`).catch((x: Error) => x);
    expect(requestFailure(e, 'host')).toBe('connection to host failed: more than 20 redirects');
    expect(s.seen.length).toBe(1 + 21);
  });
});

describe('failures', () => {
  test('a server that never answers, or stops in the middle of the body, is a timeout', async () => {
    const s = await started((req, _body, res) => {
      if (req.url === '/half') {
        res.writeHead(200, { 'Content-Length': '100' });
        res.write('partial');
      }
    });
    for (const path of ['/silent', '/half']) {
      const t0 = Date.now();
      const e = await httpFetch(`${s.url}${path}`, { signal: AbortSignal.timeout(150) }).catch((x: Error) => x);
      expect([path, requestFailure(e, 'host', 150)]).toEqual([
        path,
        'no answer from host within 0.15 s (request-timeout)',
      ]);
      expect(Date.now() - t0).toBeLessThan(5000);
    }
  });

  test('nothing listening: the network error with its code and meaning', async () => {
    const s = await serve(() => undefined);
    const url = s.url;
    await new Promise((r) => s.server.close(r));
    const e = await httpFetch(`${url}/v2/`).catch((x: Error) => x);
    expect(requestFailure(e, 'the registry')).toMatch(
      /^connection to the registry failed: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(nothing listens there\)$/,
    );
  });

  test('a self-signed certificate is refused with its code', async () => {
    const cert = makeSigningCertificate('127.0.0.1');
    const server = createTlsServer({ key: cert.privateKeyPem, cert: cert.pem }, (_req, res) => res.end('no'));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const e = await httpFetch(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`).catch((x: Error) => x);
    expect(requestFailure(e, 'host')).toMatch(
      /^connection to host failed: .*\((SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)\)/,
    );
  });

  test('not an HTTP URL is an error, not a request', async () => {
    const e = await httpFetch('ftp://127.0.0.1/x').catch((x: Error) => x);
    expect(requestFailure(e, 'host')).toBe('connection to host failed: not an HTTP URL: ftp:');
  });

  test('a kept-alive connection the server dropped is tried again on a new one for GET, never for POST', async () => {
    // The second request on any connection finds it closed (as a registry's idle timeout does, unannounced).
    const perSocket = new Map<number, number>();
    const s = await started((req, _body, res) => {
      const n = (perSocket.get(s.sockets.indexOf(req.socket)) ?? 0) + 1;
      perSocket.set(s.sockets.indexOf(req.socket), n);
      if (n > 1) req.socket.destroy();
      else res.writeHead(200).end(req.url);
    });
    expect(await (await httpFetch(`${s.url}/one`)).text()).toBe('/one');
    expect(await (await httpFetch(`${s.url}/two`)).text()).toBe('/two');
    expect(s.seen.map((r) => [r.url, r.socket])).toEqual([
      ['/one', 0],
      ['/two', 0],
      ['/two', 1],
    ]);
    const post = await httpFetch(`${s.url}/three`, { method: 'POST' }).catch((x: Error) => x);
    expect(requestFailure(post, 'host')).toMatch(/^connection to host failed: socket hang up \(ECONNRESET\)/);
  });
  test('a switch of protocols (101) nobody asked for is an error, not a promise left hanging', async () => {
    const s = await started(() => undefined);
    s.server.on('upgrade', (_req, socket: Socket) =>
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n'),
    );
    const e = await httpFetch(`${s.url}/up`, { headers: { Connection: 'Upgrade', Upgrade: 'x' } }).catch(
      (x: Error) => x,
    );
    expect(requestFailure(e, 'host')).toBe(
      'connection to host failed: the server switched protocols (101), which was not asked for',
    );
  });

  test('an answer given before the request body was read, then a reset, is the answer: the request is not sent again', async () => {
    let puts = 0;
    const s = await started(() => undefined);
    s.server.removeAllListeners('request');
    s.server.on('request', (req, res) => {
      if (req.method !== 'PUT') return void req.resume().on('end', () => res.end('warm'));
      puts++;
      res.writeHead(401, { 'Content-Length': '0' }).end();
      setTimeout(() => req.socket.destroy(), 5);
    });
    await (await httpFetch(`${s.url}/warm`)).text();
    const res = await httpFetch(`${s.url}/put`, { method: 'PUT', body: 'x'.repeat(8 * 1024 * 1024) }).catch((x) => x);
    await new Promise((r) => setTimeout(r, 200));
    expect([(res as { status?: number }).status ?? requestFailure(res, 'host'), puts]).toEqual([401, 1]);
  });
});
