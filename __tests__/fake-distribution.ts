// A distribution registry on 127.0.0.1 (port 0) for the tests that delete
// (delete-tags.test.ts, sweep-run.test.ts), as distribution 2.8 behaves:
// manifests stored by digest with tags pointing at them, PUT by tag or digest,
// DELETE by digest only (which takes every tag on that digest with it), blob
// HEAD and upload, the tag list. One repository, acme/app. It records every
// request and can be told to fail one.
import { afterEach } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha } from './fake-registry.js';

/** A fault instead of the answer: a status and error code, no answer at all, or the answer late. */
export type Fault = 'hang' | { status: number; code: string } | { delayMs: number } | undefined;

export interface Distribution {
  host: string;
  /** `METHOD /v2/...` in the order they came. */
  requests: string[];
  /** tag -> the manifest body it points to. */
  tagged(): Map<string, string>;
  /** digest -> manifest body: every manifest stored, tagged or not. */
  manifests: Map<string, string>;
  blobs: Set<string>;
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

/** `fault` is asked with the method, the reference, and the stored manifest a digest reference names. */
export async function distribution(
  content: Record<string, string>,
  opts: {
    fault?: (method: string, reference: string, manifest?: string) => Fault;
    emptyBlob?: boolean;
    /** As gcr.io: a manifest a tag points to is not deleted (400), but a DELETE by tag removes that tag. */
    taggedDeletes?: 'refused';
    /** The upload's Location relative to the POST's URL, with a state in its query (as distribution can send). */
    relativeLocation?: boolean;
    /**
     * As distribution 2.8 under load: a DELETE looks through every tag for 20 ms, and answers 500 when a
     * manifest was written or deleted meanwhile.
     */
    racy?: boolean;
  } = {},
): Promise<Distribution> {
  const manifests = new Map(Object.values(content).map((b) => [sha(b), b]));
  const tags = new Map(Object.entries(content).map(([t, b]) => [t, sha(b)]));
  const blobs = new Set(opts.emptyBlob ? [sha('{}')] : []);
  const requests: string[] = [];
  let writes = 0;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    let body = '';
    for await (const chunk of req) body += chunk;
    const error = (status: number, code: string) =>
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code }] }));
    if (url.pathname === '/v2/acme/app/tags/list')
      return res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ name: 'acme/app', tags: [...tags.keys()].sort() }));
    if (url.pathname === '/v2/acme/app/blobs/uploads/' && req.method === 'POST')
      return res
        .writeHead(202, { Location: opts.relativeLocation ? 'u1?state=s%7E' : '/v2/acme/app/blobs/uploads/u1?state=s' })
        .end();
    if (url.pathname === '/v2/acme/app/blobs/uploads/u1' && req.method === 'PUT') {
      const state = opts.relativeLocation ? 'state=s%7E&' : 'state=s&';
      if (!url.search.startsWith(`?${state}digest=`)) return error(400, 'BLOB_UPLOAD_INVALID');
      const digest = url.searchParams.get('digest') ?? '';
      if (sha(body) !== digest) return error(400, 'DIGEST_INVALID');
      blobs.add(digest);
      return res.writeHead(201).end();
    }
    const blob = /^\/v2\/acme\/app\/blobs\/(sha256:\w+)$/.exec(url.pathname);
    if (blob) return blobs.has(blob[1]!) ? res.writeHead(200).end() : error(404, 'BLOB_UNKNOWN');
    const m = /^\/v2\/acme\/app\/manifests\/(.+)$/.exec(url.pathname);
    if (!m) return error(404, 'NAME_UNKNOWN');
    const reference = decodeURIComponent(m[1]!);
    const byDigest = reference.startsWith('sha256:');
    const stored = manifests.get(byDigest ? reference : (tags.get(reference) ?? ''));
    const fault = opts.fault?.(req.method!, reference, byDigest ? stored : undefined);
    if (fault === 'hang') return;
    if (fault !== undefined && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    else if (fault !== undefined) return error(fault.status, fault.code);
    if (req.method === 'PUT' || req.method === 'DELETE') writes++;
    if (opts.racy && req.method === 'DELETE') {
      const before = writes;
      await new Promise((r) => setTimeout(r, 20));
      if (writes !== before) return error(500, 'UNKNOWN');
    }
    if (req.method === 'PUT') {
      const config = (JSON.parse(body) as { config: { digest: string } }).config.digest;
      if (!blobs.has(config)) return error(400, 'MANIFEST_BLOB_UNKNOWN');
      if (byDigest && sha(body) !== reference) return error(400, 'DIGEST_INVALID');
      manifests.set(sha(body), body);
      if (!byDigest) tags.set(reference, sha(body));
      return res.writeHead(201, { 'Docker-Content-Digest': sha(body) }).end();
    }
    if (req.method === 'DELETE') {
      if (!byDigest && opts.taggedDeletes === 'refused') {
        if (!tags.delete(reference)) return error(404, 'MANIFEST_UNKNOWN');
        return res.writeHead(202).end();
      }
      if (!byDigest) return error(400, 'UNSUPPORTED'); // distribution 2.8 deletes by digest only
      if (opts.taggedDeletes === 'refused' && [...tags.values()].includes(reference))
        return error(400, 'GOOGLE_MANIFEST_DANGLING_TAG');
      if (stored === undefined) return error(404, 'MANIFEST_UNKNOWN');
      manifests.delete(reference);
      for (const [t, d] of tags) if (d === reference) tags.delete(t); // every tag on it goes, as distribution does
      return res.writeHead(202).end();
    }
    if (stored === undefined) return error(404, 'MANIFEST_UNKNOWN');
    res.writeHead(200, {
      'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
      'Docker-Content-Digest': sha(stored),
    });
    res.end(req.method === 'HEAD' ? undefined : stored);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    manifests,
    blobs,
    tagged: () => new Map([...tags].map(([t, d]) => [t, manifests.get(d)!])),
  };
}

/** Requests by kind: `HEAD manifest`, `PUT blob`, ... */
export function kinds(requests: string[]): Record<string, number> {
  const count: Record<string, number> = {};
  for (const q of requests) {
    const [method, path] = q.split(' ') as [string, string];
    const kind = `${method} ${path.includes('/blobs/') ? 'blob' : path.includes('/tags/') ? 'list' : 'manifest'}`;
    count[kind] = (count[kind] ?? 0) + 1;
  }
  return count;
}
