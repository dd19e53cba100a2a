// A distribution registry on 127.0.0.1 (port 0), for the unit tests that look
// cache refs up through the shell (prepare.ts): it serves BuildKit cache
// manifests and their cache configs for the tags it is given, 404 otherwise,
// and records every request. A repository on 127.0.0.1 is read over plain
// http (registry/reference.ts), so an image 127.0.0.1:PORT/acme/app reaches it.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CACHE_CONFIG_TYPE } from '../src/core/cache-content.js';

export const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** A cache config of two records, as BuildKit writes one. */
export const CACHE_CONFIG = JSON.stringify({
  records: [
    { digest: 'sha256:k1', layers: [{ layer: 0, createdAt: '2026-01-01T00:00:00Z' }] },
    { digest: 'sha256:k2', inputs: [[{ link: 0 }]] },
  ],
});

/** An image-manifest cache (image-manifest=true) whose config is `config`. */
export const cacheManifest = (config = CACHE_CONFIG) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: CACHE_CONFIG_TYPE, digest: sha(config), size: config.length },
    layers: [],
  });

export interface FakeRegistry {
  /** host:port, the registry part of an image name. */
  host: string;
  /** `GET /v2/...` for every request, in the order they came. */
  requests: string[];
  /** The tags looked up (a HEAD each, cache-lookup.ts), in order. */
  manifestTags(repository?: string): string[];
  close(): Promise<void>;
}

/** Serves a cache for each of `tags` in every repository; every other tag is 404 MANIFEST_UNKNOWN. */
export async function fakeRegistry(tags: string[]): Promise<FakeRegistry> {
  const manifest = cacheManifest();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(req.url ?? '');
    const body =
      m?.[2] === 'manifests' && tags.includes(m[3]!)
        ? manifest
        : m?.[2] === 'blobs' && m[3] === sha(CACHE_CONFIG)
          ? CACHE_CONFIG
          : undefined;
    if (body === undefined) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      return;
    }
    res.writeHead(200, { 'Docker-Content-Digest': sha(body), 'Content-Length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    requests,
    manifestTags: (repository = 'acme/app') =>
      requests.flatMap((q) => {
        const m = /^HEAD \/v2\/(.+)\/manifests\/([^/]+)$/.exec(q);
        return m && m[1] === repository ? [m[2]!] : [];
      }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
