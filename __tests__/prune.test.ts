// Pruning orphaned cache manifests on GHCR: core/prune.ts on manifests as
// registries serve them, and shell/prune.ts against a fake Packages API
// (__tests__/fake-github.ts) and a registry stand-in serving manifests by digest.
import { afterEach, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { manifestBytes } from '../src/core/cache-content.js';
import { manifestKind } from '../src/core/prune.js';
import { pruneLines, pruneUntagged } from '../src/shell/prune.js';
import { closeFakeGitHubs, fakeGitHub, TOKEN } from './fake-github.js';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const CACHE_CONFIG = 'application/vnd.buildkit.cacheconfig.v0';
const manifests: Record<string, unknown> = {
  // What overwriting a cache tag leaves: the image-manifest layout, and the older index layout.
  cacheManifest: {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: CACHE_CONFIG, digest: sha('c'), size: 100 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha('l'), size: 900 }],
  },
  cacheIndex: {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha('l2'), size: 40 },
      { mediaType: CACHE_CONFIG, digest: sha('c2'), size: 10 },
    ],
  },
  image: {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha('i'), size: 10 },
    layers: [],
  },
  imageIndex: {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha('x'), size: 500 }],
  },
};
const digestOf = (name: string) => sha(JSON.stringify(manifests[name]));

const servers: Server[] = [];
afterEach(async () => {
  await closeFakeGitHubs();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('manifestKind', () => {
  test('cache manifests in both layouts; images, image indexes and the rest are not', () => {
    expect(Object.keys(manifests).map((k) => [k, manifestKind(manifests[k])])).toEqual([
      ['cacheManifest', 'cache'],
      ['cacheIndex', 'cache'],
      ['image', 'image'],
      ['imageIndex', 'index'],
    ]);
    expect([manifestKind(null), manifestKind('x'), manifestKind({ schemaVersion: 2 })]).toEqual([
      'unknown',
      'unknown',
      'unknown',
    ]);
    expect([manifestBytes(manifests.cacheManifest), manifestBytes(manifests.cacheIndex)]).toEqual([1000, 50]);
    // A manifest list by its media type alone (no entries listed) is an index all the same.
    expect(manifestKind({ mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' })).toBe('index');
    // Sizes that are no positive number add nothing; what is missing counts as nothing.
    expect(
      manifestBytes({ config: { size: -1 }, layers: [{ size: '5' }, { size: 0 }], manifests: [{ size: 3 }] }),
    ).toBe(3);
    // A manifest that names neither layers nor entries has no size to say.
    expect(manifestBytes({})).toBeUndefined();
  });
});

describe('pruneUntagged', () => {
  /** ghcr.io's registry API stand-in: manifests by digest; one answers 500. */
  async function registry(): Promise<{ url: string; asked: string[] }> {
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? '');
      const digest = /\/manifests\/(sha256:[0-9a-f]+)$/.exec(req.url ?? '')?.[1];
      if (digest === sha('broken')) return void res.writeHead(500).end();
      const name = Object.keys(manifests).find((k) => digestOf(k) === digest);
      if (name === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(manifests[name]));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
  }

  const versions = () => [
    { id: 1, name: digestOf('image'), metadata: { package_type: 'container', container: { tags: ['v1'] } } },
    { id: 2, name: digestOf('cacheManifest'), metadata: { package_type: 'container', container: { tags: [] } } },
    { id: 3, name: digestOf('cacheIndex'), metadata: { package_type: 'container', container: { tags: [] } } },
    // An untagged multi-platform index and its untagged child (an image): they stay.
    { id: 4, name: digestOf('imageIndex'), metadata: { package_type: 'container', container: { tags: [] } } },
    { id: 5, name: digestOf('image'), metadata: { package_type: 'container', container: { tags: [] } } },
    // A manifest the registry will not serve: not known to be a cache, so it stays.
    { id: 6, name: sha('broken'), metadata: { package_type: 'container', container: { tags: [] } } },
    // A tagged cache manifest: the sweep's business, not the prune's.
    {
      id: 7,
      name: digestOf('cacheManifest'),
      metadata: { package_type: 'container', container: { tags: ['cache.b.main'] } },
    },
  ];

  test('only the untagged cache manifests go; the count and the space are said', async () => {
    const api = await fakeGitHub({ 'orgs/acme/app': versions() });
    const reg = await registry();
    const env = { GITHUB_API_URL: api.url };
    const opts = { image: 'ghcr.io/acme/app', token: TOKEN, timeoutMs: 5000, env, registryUrl: reg.url };

    const dry = await pruneUntagged({ ...opts, dryRun: true });
    expect(dry.results.map((r) => [r.version.id, r.state])).toEqual([
      [2, 'would delete'],
      [3, 'would delete'],
    ]);
    expect(api.packages.get('orgs/acme/app')).toHaveLength(7);
    // Only the untagged versions' manifests were read.
    expect(reg.asked).toHaveLength(5);

    const done = await pruneUntagged({ ...opts, dryRun: false });
    expect(done.results.map((r) => [r.version.id, r.state])).toEqual([
      [2, 'deleted'],
      [3, 'deleted'],
    ]);
    expect(api.packages.get('orgs/acme/app')!.map((v) => v.id)).toEqual([1, 4, 5, 6, 7]);
    expect(pruneLines('ghcr.io/acme/app', done).at(-1)).toBe(
      'untagged versions: 5 (2 cache manifests, 1 images, 1 indexes, 1 unread); ' +
        'up to 1050 bytes in the cache manifests pruned',
    );
  });

  test('a version the API refuses to delete is failed, said, and the others still go', async () => {
    const api = await fakeGitHub(
      { 'orgs/acme/app': versions() },
      {
        fault: (method, url) =>
          method === 'DELETE' && url.endsWith('/2') ? { status: 403, body: { message: 'no' } } : undefined,
      },
    );
    const reg = await registry();
    const done = await pruneUntagged({
      image: 'ghcr.io/acme/app',
      token: TOKEN,
      timeoutMs: 5000,
      env: { GITHUB_API_URL: api.url },
      registryUrl: reg.url,
      dryRun: false,
    });
    expect(done.results.map((r) => [r.version.id, r.state])).toEqual([
      [2, 'failed'],
      [3, 'deleted'],
    ]);
    expect(done.results[0]!.detail).toMatch(/403/);
  });
});
