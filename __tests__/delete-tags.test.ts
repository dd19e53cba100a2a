// deleteRegistryTags (src/registry/delete-tags.ts) against a local HTTP server
// that speaks the distribution API (manifests by tag and digest, the tag list
// with Link pagination, DELETE by digest), records every request, and can be
// told to fail one: which other tags are asked, and what a fault leaves behind.
import { afterEach, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deleteRegistryTags } from '../src/registry/delete-tags.js';
import { RegistryClient } from '../src/registry/registry.js';
import { CACHE_CONFIG_TYPE } from '../src/core/cache-content.js';
import { cacheManifest, sha } from './fake-registry.js';

/** A fault instead of the answer: a status and error code, no answer at all, or the answer late. */
type Fault = 'hang' | { status: number; code: string } | { delayMs: number } | undefined;

interface Distribution {
  host: string;
  /** `METHOD /v2/...` in the order they came. */
  requests: string[];
  /** The tags HEADed, sorted. */
  heads(): string[];
  tags: Map<string, string>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections(); // a hanging answer's connection never ends by itself
      return new Promise((r) => s.close(r));
    }),
  );
});

async function distribution(
  content: Record<string, string>,
  opts: { pageSize?: number; fault?: (method: string, reference: string) => Fault } = {},
): Promise<Distribution> {
  const tags = new Map(Object.entries(content));
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const error = (status: number, code: string) =>
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code }] }));
    if (url.pathname === '/v2/acme/app/tags/list') {
      const all = [...tags.keys()].sort();
      const n = Math.min(Number(url.searchParams.get('n') ?? 100), opts.pageSize ?? 100);
      const last = url.searchParams.get('last');
      const from = last === null ? 0 : all.indexOf(last) + 1;
      const page = all.slice(from, from + n);
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (from + n < all.length) headers.Link = `</v2/acme/app/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"`;
      return res.writeHead(200, headers).end(JSON.stringify({ name: 'acme/app', tags: page }));
    }
    const m = /^\/v2\/acme\/app\/manifests\/(.+)$/.exec(url.pathname);
    if (!m) return error(404, 'NAME_UNKNOWN');
    const reference = decodeURIComponent(m[1]!);
    const fault = opts.fault?.(req.method!, reference);
    if (fault === 'hang') return;
    if (fault !== undefined && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    else if (fault !== undefined) return error(fault.status, fault.code);
    const body = reference.startsWith('sha256:')
      ? [...tags.values()].find((b) => sha(b) === reference)
      : tags.get(reference);
    if (body === undefined) return error(404, 'MANIFEST_UNKNOWN');
    if (req.method === 'DELETE') {
      for (const [t, b] of tags) if (sha(b) === reference) tags.delete(t); // every tag on it goes, as distribution does
      return res.writeHead(202).end();
    }
    const type = /"mediaType":\s*"([^"]+)"/.exec(body)?.[1] ?? 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Docker-Content-Digest': sha(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    tags,
    heads: () =>
      requests
        .flatMap((q) => /^HEAD \/v2\/acme\/app\/manifests\/(.+)$/.exec(q)?.[1] ?? [])
        .map(decodeURIComponent)
        .sort(),
  };
}

const client = (d: Distribution, timeoutMs?: number) =>
  new RegistryClient({ host: d.host, apiHost: d.host, name: 'acme/app' }, { timeoutMs });

/** A distinct BuildKit cache manifest (image-manifest=true) per name. */
const cache = (name: string) => cacheManifest(JSON.stringify({ records: [], name }));

/** The older cache layout: an index that lists the cache config among its manifests. */
const cacheIndex = (name: string) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: CACHE_CONFIG_TYPE, digest: sha(name), size: 2 }],
  });

/** An image manifest: what an inline cache's tag, or a user's tag, points to. */
const image = (name: string) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(name), size: 2 },
    layers: [],
  });

/** `n` image tags nobody asked about (sha-… and build-…, as CI tags images). */
function imageTags(n: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      i % 2 ? `sha-${i.toString(16).padStart(7, '0')}` : `build-${i}`,
      image(`u${i}`),
    ]),
  );
}

const OURS = ['cache.build.feature_x', 'cache.test.feature_x', 'cache-build-feature-x'];

describe('a cache manifest: only the other cache tags are compared', () => {
  test('shared only with another cache tag: kept, naming it; no image tag is asked', async () => {
    const d = await distribution({
      'cache.build.feature_x': cache('build-x'),
      'cache.test.feature_x': cache('same'),
      'cache.test.main': cache('same'),
      'cache.build.main': cache('build-main'),
      latest: image('app'),
      main: image('app'),
      ...imageTags(20),
    });
    const results = await deleteRegistryTags(client(d), OURS, { dryRun: false });
    expect(results).toEqual([
      { tag: 'cache.build.feature_x', state: 'deleted', detail: sha(cache('build-x')) },
      {
        tag: 'cache.test.feature_x',
        state: 'kept',
        detail: `${sha(cache('same'))} is also tagged cache.test.main: deleting it would delete those too`,
      },
      { tag: 'cache-build-feature-x', state: 'not found' },
    ]);
    // The other cache tags, and no `latest`, `main`, sha-… or build-… tag.
    expect(d.heads()).toEqual(['cache.build.main', 'cache.test.main']);
    expect(d.tags.has('cache.test.main')).toBe(true);
    expect(d.tags.has('cache.build.feature_x')).toBe(false);
  });

  test('the old scheme, another prefix and a hand-made cache ref are cache tags too: each keeps a shared digest', async () => {
    const d = await distribution({
      'cache.build.feature_x': cache('a'),
      'cache-build-main': cache('a'), // the old scheme (core/legacy-tag.ts)
      'cache.test.feature_x': cache('b'),
      'ci.test.main': cache('b'), // another cache-tag-prefix
      'cache.lint.feature_x': cacheIndex('c'), // the older index layout
      buildcache: cacheIndex('c'), // a cache-to written by hand
      latest: image('app'),
    });
    const results = await deleteRegistryTags(
      client(d),
      ['cache.build.feature_x', 'cache.test.feature_x', 'cache.lint.feature_x'],
      { dryRun: false },
    );
    expect(results.map((r) => [r.tag, r.state, r.detail?.replace(/^sha256:\w+ /, '')])).toEqual([
      ['cache.build.feature_x', 'kept', 'is also tagged cache-build-main: deleting it would delete those too'],
      ['cache.test.feature_x', 'kept', 'is also tagged ci.test.main: deleting it would delete those too'],
      ['cache.lint.feature_x', 'kept', 'is also tagged buildcache: deleting it would delete those too'],
    ]);
    expect(d.heads()).toEqual(['buildcache', 'cache-build-main', 'ci.test.main']);
    expect(d.requests.filter((q) => q.startsWith('DELETE'))).toEqual([]);
  });

  test('the requests do not grow with the image tags: the same HEADs for 10 and for 3,000 of them', async () => {
    const counts: Record<string, number>[] = [];
    for (const n of [10, 3000]) {
      const d = await distribution(
        {
          'cache.build.feature_x': cache('x'),
          'cache.test.feature_x': cache('y'),
          'cache.build.main': cache('m'),
          'cache.test.main': cache('y'),
          ...imageTags(n),
        },
        { pageSize: 1000 },
      );
      const results = await deleteRegistryTags(client(d), OURS, { dryRun: false });
      expect(results.map((r) => r.state)).toEqual(['deleted', 'kept', 'not found']);
      const count: Record<string, number> = {};
      for (const q of d.requests) {
        const kind = q.includes('/tags/list') ? 'list' : q.split(' ')[0]!;
        count[kind] = (count[kind] ?? 0) + 1;
      }
      counts.push(count);
    }
    // A GET per tag of ours, a HEAD per other cache tag, a DELETE; only the list's pages grow (1000 a page).
    expect(counts).toEqual([
      { GET: 3, list: 1, HEAD: 2, DELETE: 1 },
      { GET: 3, list: 4, HEAD: 2, DELETE: 1 },
    ]);
  });

  test('tags of neither scheme asked for: nothing says what may share them, so every tag is compared', async () => {
    const d = await distribution({ 'my-cache': cache('a'), latest: image('app'), v1: image('v1') });
    const results = await deleteRegistryTags(client(d), ['my-cache'], { dryRun: false });
    expect(results.map((r) => r.state)).toEqual(['deleted']);
    expect(d.heads()).toEqual(['latest', 'v1']);
  });
});

describe('an image (an inline cache): every tag is compared', () => {
  test('a cache tag on the image a user tag also carries: kept, naming the user tag; every other tag asked', async () => {
    const tags = {
      'cache.build.feature_x': image('app-x'),
      'feature-x-1.0': image('app-x'), // the user's own tag on the same image
      'cache.test.feature_x': cache('t'),
      latest: image('app'),
      ...imageTags(6),
    };
    const d = await distribution(tags);
    const results = await deleteRegistryTags(client(d), OURS, { dryRun: false });
    expect(results).toEqual([
      {
        tag: 'cache.build.feature_x',
        state: 'kept',
        detail: `${sha(image('app-x'))} is also tagged feature-x-1.0: deleting it would delete those too`,
      },
      { tag: 'cache.test.feature_x', state: 'deleted', detail: sha(cache('t')) },
      { tag: 'cache-build-feature-x', state: 'not found' },
    ]);
    const others = Object.keys(tags).filter((t) => !OURS.includes(t));
    expect(d.heads()).toEqual(others.sort());
    expect(d.tags.get('feature-x-1.0')).toBe(image('app-x'));
  });

  test('a manifest that is not JSON counts as an image: every tag asked', async () => {
    const d = await distribution({ 'cache.build.feature_x': '{"mediaType":"x"', latest: image('app') });
    const results = await deleteRegistryTags(client(d), ['cache.build.feature_x'], { dryRun: true });
    expect(results.map((r) => r.state)).toEqual(['would delete']);
    expect(d.heads()).toEqual(['latest']);
  });
});

describe('faults: what was deleted and what not is said, tag by tag', () => {
  const content = () => ({
    'cache.build.feature_x': cache('b'),
    'cache.test.feature_x': cache('t'),
    'cache.lint.feature_x': cache('l'),
    ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`cache.build.branch${i}`, cache(`o${i}`)])),
  });
  const ours = ['cache.build.feature_x', 'cache.test.feature_x', 'cache.lint.feature_x'];

  test('a 429 while comparing digests: nothing deleted, every tag failed with the answer; no new HEAD after it', async () => {
    const d = await distribution(content(), {
      // The first HEAD (tags are listed sorted) is refused at once; the others answer late, so the 429 comes first.
      fault: (method, ref) =>
        method !== 'HEAD'
          ? undefined
          : ref === 'cache.build.branch0'
            ? { status: 429, code: 'TOOMANYREQUESTS' }
            : { delayMs: 200 },
    });
    const results = await deleteRegistryTags(client(d), ours, { dryRun: false });
    for (const r of results) {
      expect([r.tag, r.state, r.detail]).toEqual([
        r.tag,
        'failed',
        // A HEAD's answer has no body, so no error code.
        `HEAD ${d.host}/acme/app:cache.build.branch0: HTTP 429`,
      ]);
    }
    expect(d.requests.filter((q) => q.startsWith('DELETE'))).toEqual([]);
    expect(d.tags.size).toBe(43);
    // Late answers came in after the result: once they have, no new HEAD followed them (8 at a time, not 40).
    await new Promise((r) => setTimeout(r, 500));
    expect(d.heads().length).toBeLessThanOrEqual(8);
  });

  test('a DELETE that never answers: that tag failed after the timeout, the ones before and after deleted', async () => {
    const hung = sha(cache('t'));
    const d = await distribution(content(), {
      fault: (method, ref) => (method === 'DELETE' && ref === hung ? 'hang' : undefined),
    });
    const results = await deleteRegistryTags(client(d, 300), ours, { dryRun: false });
    expect(results).toEqual([
      { tag: 'cache.build.feature_x', state: 'deleted', detail: sha(cache('b')) },
      {
        tag: 'cache.test.feature_x',
        state: 'failed',
        detail: `DELETE ${d.host}/acme/app@${hung}: no answer from ${d.host} within 0.3 s (request-timeout)`,
      },
      { tag: 'cache.lint.feature_x', state: 'deleted', detail: sha(cache('l')) },
    ]);
    expect([...d.tags.keys()].filter((t) => t.endsWith('feature_x'))).toEqual(['cache.test.feature_x']);
  });

  test('a manifest GET that never answers: every tag failed, nothing listed or deleted', async () => {
    const d = await distribution(content(), {
      fault: (method, ref) => (method === 'GET' && ref === 'cache.test.feature_x' ? 'hang' : undefined),
    });
    const results = await deleteRegistryTags(client(d, 300), ours, { dryRun: false });
    expect(new Set(results.map((r) => r.detail))).toEqual(
      new Set([`GET ${d.host}/acme/app:cache.test.feature_x: no answer from ${d.host} within 0.3 s (request-timeout)`]),
    );
    expect(results.map((r) => r.state)).toEqual(['failed', 'failed', 'failed']);
    expect(d.requests.filter((q) => !q.startsWith('GET /v2/acme/app/manifests/'))).toEqual([]);
  });
});
