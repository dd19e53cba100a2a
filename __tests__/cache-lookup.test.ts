// The cache lookup against a local HTTP server that serves manifests and blobs
// as a distribution registry does (optionally behind Basic auth, or slowly),
// and against local cache directories laid out as BuildKit's local exporter does.
import { afterEach, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE_CONFIG_TYPE } from '../src/core/cache-content.js';
import { lookUpLocal, lookUpPlan, MAX_LOOKUPS } from '../src/shell/cache-lookup.js';
import { cacheBytes, lookUpRegistry } from '../src/shell/registry-lookup.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const CONFIG = JSON.stringify({
  records: [
    { digest: 'sha256:k1', layers: [{ layer: 0, createdAt: '2026-01-01T00:00:00Z' }] },
    { digest: 'sha256:k2', inputs: [[{ link: 0 }]] },
  ],
});
const manifestFor = (config: string, mediaType = CACHE_CONFIG_TYPE) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType, digest: sha(config), size: config.length },
    layers: [],
  });

interface Served {
  base: string;
  requests: string[];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  removeTempDirs();
});

/** tag → manifest, digest → blob; `basic` requires that user:password; `slow` tags never answer. */
async function registry(opts: {
  manifests: Record<string, string>;
  blobs: Record<string, string>;
  basic?: string;
  slow?: string[];
}): Promise<Served> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (opts.basic && req.headers.authorization !== `Basic ${Buffer.from(opts.basic).toString('base64')}`) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const m = /^\/v2\/acme\/app\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
    if (m?.[1] === 'manifests' && opts.slow?.includes(m[2]!)) return; // never answers
    const body = m?.[1] === 'manifests' ? opts.manifests[m[2]!] : m ? opts.blobs[m[2]!] : undefined;
    if (body === undefined) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      return;
    }
    res.writeHead(200, { 'Docker-Content-Digest': sha(body) }).end(body);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function dockerConfig(auths: Record<string, unknown> = {}): NodeJS.ProcessEnv {
  const dir = tempDir('bbc-lookup-');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths }));
  return { DOCKER_CONFIG: dir };
}

const tags = (...names: string[]) => names.map((tag) => ({ ref: `127.0.0.1:1/acme/app:${tag}`, tag }));

describe('cacheBytes', () => {
  test('what the manifest says its config and layers take; undefined for a missing tag or a registry that is down', async () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      config: { mediaType: CACHE_CONFIG_TYPE, digest: sha(CONFIG), size: 100 },
      layers: [{ size: 1000 }, { size: 24 }],
    });
    const r = await registry({ manifests: { c: manifest }, blobs: {} });
    const opts = { env: dockerConfig(), timeoutMs: 5000, baseUrl: r.base };
    expect(await cacheBytes('127.0.0.1:1/acme/app', 'c', opts)).toBe(1124);
    expect(await cacheBytes('127.0.0.1:1/acme/app', 'gone', opts)).toBeUndefined();
    expect(await cacheBytes('127.0.0.1:1/acme/app', 'c', { ...opts, baseUrl: 'http://127.0.0.1:9' })).toBeUndefined();
  });
});

describe('lookUpRegistry', () => {
  test('a HEAD for each ref; reads what each existing one holds; asks nothing more of a missing one', async () => {
    const manifest = manifestFor(CONFIG);
    const r = await registry({ manifests: { 'cache-main': manifest }, blobs: { [sha(CONFIG)]: CONFIG } });
    const got = await lookUpRegistry('127.0.0.1:1/acme/app', tags('cache-main', 'cache-x'), {
      env: dockerConfig(),
      timeoutMs: 5000,
      baseUrl: r.base,
    });
    expect(got.map((g) => [g.state, g.digest, g.content?.records.size, g.detail])).toEqual([
      ['exists', sha(manifest), 2, undefined],
      ['missing', undefined, undefined, undefined],
    ]);
    expect(r.requests.sort()).toEqual([
      `GET /v2/acme/app/blobs/${sha(CONFIG)}`,
      'GET /v2/acme/app/manifests/cache-main',
      'HEAD /v2/acme/app/manifests/cache-main',
      'HEAD /v2/acme/app/manifests/cache-x',
    ]);
  });

  test('the older index layout is read too', async () => {
    const index = JSON.stringify({
      manifests: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: 'sha256:l' },
        { mediaType: CACHE_CONFIG_TYPE, digest: sha(CONFIG) },
      ],
    });
    const r = await registry({ manifests: { c: index }, blobs: { [sha(CONFIG)]: CONFIG } });
    const [got] = await lookUpRegistry('127.0.0.1:1/acme/app', tags('c'), {
      env: dockerConfig(),
      timeoutMs: 5000,
      baseUrl: r.base,
    });
    expect(got?.content?.records.size).toBe(2);
  });

  test('a ref that exists but cannot be read says why, and keeps state exists', async () => {
    const image = manifestFor('{}', 'application/vnd.oci.image.config.v1+json');
    const lying = manifestFor(CONFIG);
    const r = await registry({
      manifests: { image, lying, nojson: 'not json', noblob: manifestFor('{"records":[]}') },
      blobs: { [sha(CONFIG)]: '{"records":[{"digest":"sha256:other"}]}' },
    });
    const got = await lookUpRegistry('127.0.0.1:1/acme/app', tags('image', 'lying', 'nojson', 'noblob'), {
      env: dockerConfig(),
      timeoutMs: 5000,
      baseUrl: r.base,
    });
    expect(got.map((g) => [g.state, g.content, g.detail])).toEqual([
      ['exists', undefined, 'it is not a BuildKit cache manifest'],
      ['exists', undefined, `its cache config does not match ${sha(CONFIG)}`],
      ['exists', undefined, 'its manifest is not JSON'],
      ['exists', undefined, 'its cache config answered HTTP 404'],
    ]);
  });

  test('with the Docker config credentials; without them, unknown with the remedy', async () => {
    const r = await registry({
      manifests: { c: manifestFor(CONFIG) },
      blobs: { [sha(CONFIG)]: CONFIG },
      basic: 'ci:pw',
    });
    const auth = Buffer.from('ci:pw').toString('base64');
    const [ok] = await lookUpRegistry('127.0.0.1:1/acme/app', tags('c'), {
      env: dockerConfig({ '127.0.0.1:1': { auth } }),
      timeoutMs: 5000,
      baseUrl: r.base,
    });
    expect(ok?.content?.records.size).toBe(2);
    const [denied] = await lookUpRegistry('127.0.0.1:1/acme/app', tags('c'), {
      env: dockerConfig(),
      timeoutMs: 5000,
      baseUrl: r.base,
    });
    expect(denied).toEqual({
      ref: '127.0.0.1:1/acme/app:c',
      state: 'unknown',
      detail: 'HTTP 401 from 127.0.0.1:1/acme/app: log in to 127.0.0.1:1 first (docker/login-action)',
    });
    const [helper] = await lookUpRegistry('127.0.0.1:1/acme/app', tags('c'), {
      env: {
        DOCKER_CONFIG: (() => {
          const d = tempDir('bbc-lookup-');
          writeFileSync(join(d, 'config.json'), '{"credsStore":"pass"}');
          return d;
        })(),
      },
      timeoutMs: 5000,
      baseUrl: r.base,
    });
    expect(helper?.detail).toContain('credential helper docker-credential-pass');
  });

  test('a registry that does not answer in time, or is not there, is unknown', async () => {
    const r = await registry({ manifests: {}, blobs: {}, slow: ['slow'] });
    const [slow] = await lookUpRegistry('127.0.0.1:1/acme/app', tags('slow'), {
      env: dockerConfig(),
      timeoutMs: 300,
      baseUrl: r.base,
    });
    expect(slow).toEqual({
      ref: '127.0.0.1:1/acme/app:slow',
      state: 'unknown',
      detail: `reading 127.0.0.1:1/acme/app: no answer from ${new URL(r.base).host} in time`,
    });
    const closed = await registry({ manifests: {}, blobs: {} });
    await new Promise((done) => servers.pop()!.close(done));
    const [down] = await lookUpRegistry('127.0.0.1:1/acme/app', tags('x'), {
      env: dockerConfig(),
      timeoutMs: 2000,
      baseUrl: closed.base,
    });
    expect(down?.state).toBe('unknown');
    expect(down?.detail).toMatch(
      new RegExp(
        `^reading 127\\.0\\.0\\.1:1/acme/app: connection to ${new URL(closed.base).host} failed: .*ECONNREFUSED`,
      ),
    );
  });

  test('a registry that answers 429 (too many requests): unknown, with the status', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(429, { 'Retry-After': '30', 'Content-Type': 'application/json' });
      res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit"}]}');
    });
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const [limited] = await lookUpRegistry('127.0.0.1:1/acme/app', tags('c'), {
      env: dockerConfig(),
      timeoutMs: 2000,
      baseUrl: base,
    });
    expect(limited).toEqual({
      ref: '127.0.0.1:1/acme/app:c',
      state: 'unknown',
      detail: 'HTTP 429 from 127.0.0.1:1/acme/app',
    });
  });

  test('a Docker config that is not JSON makes every ref unknown, saying so', async () => {
    const dir = tempDir('bbc-lookup-');
    writeFileSync(join(dir, 'config.json'), '{');
    const got = await lookUpRegistry('127.0.0.1:1/acme/app', tags('a', 'b'), {
      env: { DOCKER_CONFIG: dir },
      timeoutMs: 1000,
    });
    expect(got.map((g) => g.state)).toEqual(['unknown', 'unknown']);
    expect(got[0]?.detail).toContain('is not JSON');
  });
});

describe('lookUpLocal', () => {
  function layout(files: Record<string, string>): string {
    const dir = tempDir('bbc-local-');
    for (const [path, body] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), body);
    }
    return dir;
  }
  const blobPath = (body: string) => `blobs/sha256/${sha(body).slice(7)}`;

  test('reads the cache config through index.json', () => {
    const manifest = manifestFor(CONFIG);
    const dir = layout({
      'index.json': JSON.stringify({ manifests: [{ digest: sha(manifest) }] }),
      [blobPath(manifest)]: manifest,
      [blobPath(CONFIG)]: CONFIG,
    });
    const got = lookUpLocal(dir);
    expect([got.state, got.digest, got.content?.records.size]).toEqual(['exists', sha(manifest), 2]);
  });

  test('missing, unreadable and foreign directories', () => {
    expect(lookUpLocal(join(tmpdir(), 'bbc-no-such-dir')).state).toBe('missing');
    expect(lookUpLocal(layout({ 'index.json': '{' }))).toMatchObject({
      state: 'exists',
      detail: expect.stringContaining('index.json cannot be read'),
    });
    expect(lookUpLocal(layout({ 'index.json': '{"manifests":[]}' }))).toMatchObject({
      state: 'exists',
      detail: 'its index.json lists no manifest',
    });
    const manifest = manifestFor(CONFIG);
    expect(
      lookUpLocal(
        layout({
          'index.json': JSON.stringify({ manifests: [{ digest: sha(manifest) }] }),
          [blobPath(manifest)]: manifest,
        }),
      ),
    ).toMatchObject({
      state: 'exists',
      detail: expect.stringContaining('cannot be read'),
    });
  });
});

describe('lookUpPlan', () => {
  const entry = (branch: string, stage: string, tag = `${stage}.${branch}`) => ({
    branch,
    stage,
    name: tag,
    ref: `127.0.0.1:1/acme/app:${tag}`,
  });
  const legacyOf = (e: { branch: string; stage: string; name: string; ref: string }) => ({
    ...e,
    name: `old-${e.name}`,
    ref: `${e.ref.replace(/:([^:]*)$/, ':old-$1')}`,
    legacy: true,
  });

  test('item 10: a 200-stage plan looks at no more than 32 refs, 8 at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(404).end();
      }, 20);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const planned = Array.from({ length: 400 }, (_, i) => entry(i < 200 ? 'feature' : 'main', `s${i % 200}`));
    const found = await lookUpPlan('registry', '127.0.0.1:1/acme/app', planned, () => undefined, {
      env: dockerConfig(),
      timeoutMs: 5000,
      baseUrl: base,
    });
    expect(seen).toHaveLength(MAX_LOOKUPS);
    expect(most).toBeLessThanOrEqual(8);
    expect(found.skipped).toBe(400 - MAX_LOOKUPS);
    expect(found.entries.map((e) => e.ref)).toEqual(planned.slice(0, MAX_LOOKUPS).map((e) => e.ref));
  });

  test('a HEAD each; with one existing ref nothing is read (no choice to make), with two both are', async () => {
    const manifest = manifestFor(CONFIG);
    const planned = [entry('feature', 'build'), entry('main', 'build'), entry('main', 'base')];
    const one = await registry({ manifests: { 'build.main': manifest }, blobs: { [sha(CONFIG)]: CONFIG } });
    const alone = await lookUpPlan('registry', '127.0.0.1:1/acme/app', planned, () => undefined, {
      env: dockerConfig(),
      timeoutMs: 5000,
      baseUrl: one.base,
    });
    expect(one.requests.filter((q) => !q.startsWith('HEAD '))).toEqual([]);
    expect(alone.results.map((r) => [r.ref.split(':').pop(), r.state, r.digest, r.content, r.detail])).toEqual([
      ['build.feature', 'missing', undefined, undefined, undefined],
      ['build.main', 'exists', sha(manifest), undefined, undefined],
      ['base.main', 'missing', undefined, undefined, undefined],
    ]);

    const two = await registry({
      manifests: { 'build.main': manifest, 'base.main': manifest },
      blobs: { [sha(CONFIG)]: CONFIG },
    });
    const both = await lookUpPlan('registry', '127.0.0.1:1/acme/app', planned, () => undefined, {
      env: dockerConfig(),
      timeoutMs: 5000,
      baseUrl: two.base,
    });
    expect(two.requests.filter((q) => q.startsWith('GET /v2/acme/app/manifests/')).sort()).toEqual([
      'GET /v2/acme/app/manifests/base.main',
      'GET /v2/acme/app/manifests/build.main',
    ]);
    expect(both.results.map((r) => r.content?.records.size)).toEqual([undefined, 2, 2]);
  });

  test('a branch with none of its current tags has its old ones looked at once, right after them; a branch that has them does not', async () => {
    const manifest = manifestFor(CONFIG);
    const r = await registry({
      manifests: { 'old-build.feature': manifest, 'build.main': manifest, 'old-build.main': manifest },
      blobs: { [sha(CONFIG)]: CONFIG },
    });
    const planned = [entry('feature', 'build'), entry('base', 'build'), entry('main', 'build')];
    const found = await lookUpPlan('registry', '127.0.0.1:1/acme/app', planned, legacyOf, {
      env: dockerConfig(),
      timeoutMs: 5000,
      baseUrl: r.base,
    });
    // base has neither: its old tag was looked at, and being absent is not listed.
    expect(r.requests).toContain('HEAD /v2/acme/app/manifests/old-build.base');
    expect(found.entries.map((e) => [e.name, e.legacy ?? false])).toEqual([
      ['build.feature', false],
      ['old-build.feature', true],
      ['build.base', false],
      ['build.main', false],
    ]);
    expect(found.results.map((x) => x.state)).toEqual(['missing', 'exists', 'missing', 'exists']);
    expect(r.requests.filter((q) => q.includes('old-build.main'))).toEqual([]);
  });
});
