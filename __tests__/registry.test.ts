// The distribution API client against a local HTTP server that speaks the
// registry API (manifests, tags list with pagination, manifest DELETE) behind
// Basic or Bearer auth, with its own token endpoint; every request is recorded.
import { afterEach, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ghcrPackage } from '../src/registry/ghcr.js';
import { credentialsFor, dockerConfigPath, readDockerConfig, type Credentials } from '../src/registry/credentials.js';
import { deleteRegistryTags } from '../src/registry/delete-tags.js';
import { MANIFEST_ACCEPT, RegistryClient } from '../src/registry/registry.js';
import { parseChallenge } from '../src/registry/registry-auth.js';
import { parseRepository, registryBaseUrl } from '../src/registry/reference.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

const USER = 'ci';
const PASSWORD = 's3cret';
const REFRESH = 'refresh-token-1';

interface Recorded {
  method: string;
  url: string;
  authorization?: string;
  accept?: string;
  body?: string;
}

interface FakeOptions {
  auth: 'none' | 'basic' | 'bearer';
  /** 'unsupported': DELETE answers 405 UNSUPPORTED like Docker Hub or a registry without delete enabled. */
  deletes?: 'ok' | 'unsupported';
  /** Tags per page of /tags/list (the Link header points to the next page). */
  pageSize?: number;
  /** Leave out Docker-Content-Digest on HEAD, as some registries do. */
  noDigestHeader?: boolean;
  /** Bearer: a token is good for this many requests, then expired (a fresh one differs). */
  tokenUses?: number;
  /** The Link header's next page on this origin instead (absolute), e.g. another server's. */
  linkOrigin?: string;
  /** Manifest GETs and HEADs of these tags answer a redirect to this origin. */
  redirect?: { tags: string[]; origin: string };
}

interface Fake {
  host: string;
  requests: Recorded[];
  /** repository name -> tag -> manifest body */
  repos: Map<string, Map<string, string>>;
  deleted: string[];
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  removeTempDirs();
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections(); // a silent server's connections never end by themselves
      return new Promise((r) => s.close(r));
    }),
  );
});

function digestOf(body: string): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => resolve(b));
  });
}

async function fakeRegistry(opts: FakeOptions, content: Record<string, Record<string, string>>): Promise<Fake> {
  const repos = new Map(Object.entries(content).map(([name, tags]) => [name, new Map(Object.entries(tags))]));
  const requests: Recorded[] = [];
  const deleted: string[] = [];
  /** Manifests pushed by digest, untagged. */
  const extra = new Map<string, string>();
  let base = '';
  let issued = 0;
  const uses = new Map<string, number>();

  const errors = (res: ServerResponse, status: number, code: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify({ errors: [{ code, message: code.toLowerCase() }] }));
  };

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', base);
    requests.push({
      method: req.method!,
      url: url.pathname + url.search,
      authorization: req.headers.authorization,
      accept: req.headers.accept,
      body,
    });

    if (url.pathname === '/token') {
      const scopes =
        req.method === 'POST'
          ? (new URLSearchParams(body).get('scope') ?? '').split(' ')
          : url.searchParams.getAll('scope');
      const basicOk = req.headers.authorization === `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
      const refreshOk = req.method === 'POST' && new URLSearchParams(body).get('refresh_token') === REFRESH;
      if (!basicOk && !refreshOk) return errors(res, 401, 'UNAUTHORIZED');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const token = `tok ${scopes.join(' ')}${opts.tokenUses ? ` #${++issued}` : ''}`;
      // Docker's token servers answer `token`; OAuth ones `access_token`.
      return res.end(JSON.stringify(req.method === 'POST' ? { access_token: token } : { token }));
    }

    const m = /^\/v2\/(.+)\/(manifests|tags|blobs)\/(.+)$/.exec(url.pathname);
    if (!m) return errors(res, 404, 'NOT_FOUND');
    const [, name, kind, reference] = m as unknown as [string, string, string, string];
    const action = req.method === 'DELETE' ? 'delete' : req.method === 'PUT' || req.method === 'POST' ? 'push' : 'pull';
    if (
      opts.auth === 'basic' &&
      req.headers.authorization !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`
    ) {
      return errors(res, 401, 'UNAUTHORIZED', { 'WWW-Authenticate': 'Basic realm="fake registry"' });
    }
    if (opts.auth === 'bearer') {
      const scope = `repository:${name}:${action}`;
      const auth = req.headers.authorization ?? '';
      const used = (uses.get(auth) ?? 0) + 1;
      uses.set(auth, used);
      const valid = opts.tokenUses
        ? auth.startsWith(`Bearer tok ${scope} #`) && used <= opts.tokenUses
        : auth === `Bearer tok ${scope}`;
      if (!valid) {
        return errors(res, 401, 'UNAUTHORIZED', {
          'WWW-Authenticate': `Bearer realm="${base}/token",service="fake.registry",scope="${scope}"`,
        });
      }
    }
    const tags = repos.get(name);
    if (tags === undefined) return errors(res, 404, 'NAME_UNKNOWN');

    if (kind === 'blobs') {
      // The placeholder's empty blob (delete-tags.ts): a HEAD finds none, an upload is a POST and a PUT.
      if (req.method === 'POST') return res.writeHead(202, { Location: `/v2/${name}/blobs/uploads/1` }).end();
      return res.writeHead(req.method === 'PUT' ? 201 : 404).end();
    }
    if (req.method === 'PUT') {
      if (!reference.startsWith('sha256:')) tags.set(reference, body);
      else extra.set(reference, body);
      return res.writeHead(201).end();
    }
    if (kind === 'tags') {
      const all = [...tags.keys()].sort();
      const last = url.searchParams.get('last');
      const n = Math.min(Number(url.searchParams.get('n') ?? 1000), opts.pageSize ?? 1000);
      const from = last === null ? 0 : all.indexOf(last) + 1;
      const page = all.slice(from, from + n);
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (from + n < all.length)
        headers.Link = `<${opts.linkOrigin ?? ''}/v2/${name}/tags/list?n=${n}&last=${page[page.length - 1]}>; rel="next"`;
      res.writeHead(200, headers);
      return res.end(JSON.stringify({ name, tags: page }));
    }

    if (opts.redirect?.tags.includes(reference)) {
      res.writeHead(307, { Location: `${opts.redirect.origin}${url.pathname}` });
      return res.end();
    }
    const manifest = reference.startsWith('sha256:')
      ? (extra.get(reference) ?? [...tags.values()].find((b) => digestOf(b) === reference))
      : tags.get(reference);
    if (req.method === 'DELETE') {
      if (opts.deletes === 'unsupported') return errors(res, 405, 'UNSUPPORTED');
      if (!reference.startsWith('sha256:')) return errors(res, 400, 'DIGEST_INVALID');
      if (manifest === undefined) return errors(res, 404, 'MANIFEST_UNKNOWN');
      // Like distribution: every tag on that digest goes with it.
      for (const [t, b] of tags) if (digestOf(b) === reference) tags.delete(t);
      extra.delete(reference);
      deleted.push(`${name}@${reference}`);
      res.writeHead(202);
      return res.end();
    }
    if (manifest === undefined) return errors(res, 404, 'MANIFEST_UNKNOWN');
    const headers: Record<string, string> = { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' };
    if (!opts.noDigestHeader) headers['Docker-Content-Digest'] = digestOf(manifest);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : manifest);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}`;
  return { host, requests, repos, deleted, close: () => new Promise((r) => server.close(() => r())) };
}

const M = (s: string) =>
  JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: s } });

function client(fake: Fake, credentials?: Credentials, name = 'acme/app'): RegistryClient {
  return new RegistryClient({ host: fake.host, apiHost: fake.host, name }, { credentials });
}

describe('references', () => {
  test.each([
    ['ghcr.io/acme/app', { host: 'ghcr.io', apiHost: 'ghcr.io', name: 'acme/app' }],
    ['127.0.0.1:5000/e2e/x', { host: '127.0.0.1:5000', apiHost: '127.0.0.1:5000', name: 'e2e/x' }],
    ['localhost/app', { host: 'localhost', apiHost: 'localhost', name: 'app' }],
    ['acme/app', { host: 'docker.io', apiHost: 'registry-1.docker.io', name: 'acme/app' }],
    ['redis', { host: 'docker.io', apiHost: 'registry-1.docker.io', name: 'library/redis' }],
    ['docker.io/redis', { host: 'docker.io', apiHost: 'registry-1.docker.io', name: 'library/redis' }],
    [
      'registry.example.com:8443/a/b/c',
      { host: 'registry.example.com:8443', apiHost: 'registry.example.com:8443', name: 'a/b/c' },
    ],
  ])('%s', (repo, expected) => {
    expect(parseRepository(repo)).toEqual(expected);
  });

  test('http only on this machine', () => {
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('localhost:5001')).toBe('http://localhost:5001');
    expect(registryBaseUrl('localhost')).toBe('http://localhost');
    expect(registryBaseUrl('ghcr.io')).toBe('https://ghcr.io');
    expect(registryBaseUrl('127.example.com')).toBe('https://127.example.com');
    expect(registryBaseUrl('registry.local:5000')).toBe('https://registry.local:5000');
  });
});

describe('the Docker config', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  test('where it is: $DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: '/x/cfg', HOME: '/home/u' })).toBe('/x/cfg/config.json');
    expect(dockerConfigPath({ HOME: '/home/u' })).toBe('/home/u/.docker/config.json');
  });

  test('no file: no credentials; a broken file: a clear error', () => {
    const dir = tempDir('bbc-cfg-');
    expect(readDockerConfig(join(dir, 'config.json'))).toEqual({});
    writeFileSync(join(dir, 'config.json'), '{nope');
    expect(() => readDockerConfig(join(dir, 'config.json'))).toThrow(/config\.json is not JSON/);
  });

  test('auth (base64 user:password, a colon in the password kept), by host in any key spelling', () => {
    const config = {
      auths: {
        'https://127.0.0.1:5001': { auth: b64('bbc:pa:ss') },
        'https://index.docker.io/v1/': { auth: b64('hubuser:tok') },
      },
    };
    expect(credentialsFor(config, '127.0.0.1:5001')).toEqual({ credentials: { username: 'bbc', password: 'pa:ss' } });
    expect(credentialsFor(config, 'docker.io')).toEqual({ credentials: { username: 'hubuser', password: 'tok' } });
    expect(credentialsFor(config, 'ghcr.io')).toEqual({});
  });

  test('username/password fields and identity tokens', () => {
    expect(credentialsFor({ auths: { 'ghcr.io': { username: 'u', password: 'p' } } }, 'ghcr.io').credentials).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(
      credentialsFor({ auths: { 'r.example.com': { auth: b64('<token>:'), identitytoken: 'rt' } } }, 'r.example.com')
        .credentials,
    ).toEqual({
      username: '<token>',
      password: '',
      identityToken: 'rt',
    });
  });

  test('credential helpers are named, to ask (credential-helper.ts): credHelpers for the host, else credsStore', () => {
    expect(credentialsFor({ auths: { 'ghcr.io': {} }, credsStore: 'desktop' }, 'ghcr.io')).toEqual({
      helper: 'desktop',
    });
    const helpers = { credHelpers: { 'r.example.com': 'ecr-login' }, credsStore: 'desktop' };
    expect(credentialsFor(helpers, 'r.example.com')).toEqual({ helper: 'ecr-login' });
    expect(credentialsFor(helpers, 'ghcr.io')).toEqual({ helper: 'desktop' });
    // Credentials in auths win over any helper, as in docker.
    const both = { auths: { 'ghcr.io': { auth: Buffer.from('u:p').toString('base64') } }, credsStore: 'desktop' };
    expect(credentialsFor(both, 'ghcr.io')).toEqual({ credentials: { username: 'u', password: 'p' } });
  });

  test('WWW-Authenticate challenges', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:a/b:pull,push',
      },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry Realm' },
    });
  });
});

describe('RegistryClient', () => {
  test('Bearer: a token from the realm per scope, with Basic credentials; HEAD with every manifest type', async () => {
    const fake = await fakeRegistry({ auth: 'bearer' }, { 'acme/app': { a: M('1'), b: M('2') } });
    const c = client(fake, { username: USER, password: PASSWORD });
    expect(await c.digest('a')).toBe(digestOf(M('1')));
    expect(await c.digest('b')).toBe(digestOf(M('2')));
    expect(await c.digest('nope')).toBeUndefined();
    const tokenCalls = fake.requests.filter((r) => r.url.startsWith('/token'));
    // One challenge, one token, then reused.
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0]!.url).toBe('/token?service=fake.registry&scope=repository%3Aacme%2Fapp%3Apull');
    expect(tokenCalls[0]!.authorization).toBe(`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`);
    const heads = fake.requests.filter((r) => r.method === 'HEAD');
    expect(heads.map((r) => r.authorization)).toEqual([
      undefined,
      'Bearer tok repository:acme/app:pull',
      'Bearer tok repository:acme/app:pull',
      'Bearer tok repository:acme/app:pull',
    ]);
    for (const h of heads) expect(h.accept).toBe(MANIFEST_ACCEPT);

    // DELETE is challenged for its own scope.
    expect(await c.deleteManifest(digestOf(M('1')))).toEqual({ outcome: 'deleted' });
    const deletes = fake.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.authorization)).toEqual([undefined, 'Bearer tok repository:acme/app:delete']);
    expect(fake.deleted).toEqual([`acme/app@${digestOf(M('1'))}`]);
  });

  test('Bearer with an identity token: the OAuth refresh-token exchange', async () => {
    const fake = await fakeRegistry({ auth: 'bearer' }, { 'acme/app': { a: M('1') } });
    expect(await client(fake, { identityToken: REFRESH }).digest('a')).toBe(digestOf(M('1')));
    const post = fake.requests.find((r) => r.url === '/token')!;
    expect(post.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(post.body))).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: REFRESH,
      service: 'fake.registry',
      scope: 'repository:acme/app:pull',
    });
  });

  test('Bearer with wrong credentials: the token endpoint’s refusal, as an error', async () => {
    const fake = await fakeRegistry({ auth: 'bearer' }, { 'acme/app': { a: M('1') } });
    await expect(client(fake, { username: USER, password: 'wrong' }).digest('a')).rejects.toThrow(
      /token request to .*\/token for 127\.0\.0\.1:\d+: HTTP 401/,
    );
  });

  test('Bearer: an expired token is replaced once, then the request goes through', async () => {
    const fake = await fakeRegistry({ auth: 'bearer', tokenUses: 2 }, { 'acme/app': { a: M('1') } });
    const c = client(fake, { username: USER, password: PASSWORD });
    for (let i = 0; i < 5; i++) expect(await c.digest('a')).toBe(digestOf(M('1')));
    expect(fake.requests.filter((r) => r.url.startsWith('/token'))).toHaveLength(3);
  });

  test('Basic: challenged once, then sent up front', async () => {
    const fake = await fakeRegistry({ auth: 'basic' }, { 'acme/app': { a: M('1') } });
    const c = client(fake, { username: USER, password: PASSWORD });
    await c.digest('a');
    await c.digest('a');
    expect(fake.requests.map((r) => Boolean(r.authorization))).toEqual([false, true, true]);
  });

  test('without credentials a Basic registry answers 401, and that is the error', async () => {
    const fake = await fakeRegistry({ auth: 'basic' }, { 'acme/app': { a: M('1') } });
    await expect(client(fake).digest('a')).rejects.toThrow(/HEAD 127\.0\.0\.1:\d+\/acme\/app:a: HTTP 401/);
  });

  test('tags: every page, following the Link header; an unknown repository has none', async () => {
    const tags = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`t${i}`, M(String(i))]));
    const fake = await fakeRegistry({ auth: 'none', pageSize: 3 }, { 'acme/app': tags });
    expect((await client(fake).tags()).sort()).toEqual(Object.keys(tags).sort());
    expect(fake.requests.filter((r) => r.url.includes('/tags/list'))).toHaveLength(3);
    expect(await client(fake, undefined, 'other/app').tags()).toEqual([]);
  });

  test('no Docker-Content-Digest on HEAD: the manifest is fetched and hashed', async () => {
    const fake = await fakeRegistry({ auth: 'none', noDigestHeader: true }, { 'acme/app': { a: M('1') } });
    expect(await client(fake).digest('a')).toBe(digestOf(M('1')));
    expect(fake.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });
});

describe('deleteRegistryTags', () => {
  const ours = ['cache.deps.feature_x', 'cache.build.feature_x', 'cache.test.feature_x', 'cache.lint.feature_x'];

  function content() {
    return {
      'acme/app': {
        'cache.deps.feature_x': M('deps-x'),
        'cache.build.feature_x': M('build-x'),
        // Same cache content as main's: deleting the digest would delete main's tag.
        'cache.test.feature_x': M('shared'),
        'cache.test.main': M('shared'),
        'cache.deps.main': M('deps-main'),
        'feature-x': M('image'),
      },
    };
  }

  test('deletes each existing tag alone (registry/delete-tags.ts); a missing one is fine; main’s tag on a shared digest stays', async () => {
    const fake = await fakeRegistry({ auth: 'bearer', pageSize: 2 }, content());
    const results = await deleteRegistryTags(client(fake, { username: USER, password: PASSWORD }), ours, {
      dryRun: false,
    });
    expect(results).toEqual([
      { tag: 'cache.deps.feature_x', state: 'deleted', detail: digestOf(M('deps-x')) },
      { tag: 'cache.build.feature_x', state: 'deleted', detail: digestOf(M('build-x')) },
      { tag: 'cache.test.feature_x', state: 'deleted', detail: digestOf(M('shared')) },
      { tag: 'cache.lint.feature_x', state: 'not found' },
    ]);
    expect(Object.fromEntries(fake.repos.get('acme/app')!)).toEqual({
      'cache.deps.main': M('deps-main'),
      'cache.test.main': M('shared'),
      'feature-x': M('image'),
    });
    // The two checks, then a placeholder per tag: none of the cache manifests themselves.
    expect(fake.deleted).toHaveLength(5);
    expect(fake.deleted).not.toContain(`acme/app@${digestOf(M('shared'))}`);
  });

  test('a dry run asks but sends no DELETE', async () => {
    const fake = await fakeRegistry({ auth: 'none' }, content());
    const results = await deleteRegistryTags(client(fake), ours, { dryRun: true });
    expect(results.map((r) => r.state)).toEqual(['would delete', 'would delete', 'would delete', 'not found']);
    expect(fake.requests.filter((r) => r.method !== 'HEAD')).toEqual([]);
    expect(fake.repos.get('acme/app')!.size).toBe(6);
  });

  test('nothing exists: a HEAD per tag, nothing else', async () => {
    const fake = await fakeRegistry({ auth: 'none' }, { 'acme/app': {} });
    expect((await deleteRegistryTags(client(fake), ours, { dryRun: false })).map((r) => r.state)).toEqual(
      ours.map(() => 'not found'),
    );
    expect(fake.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD', 'HEAD', 'HEAD']);
  });

  test('405 UNSUPPORTED (Docker Hub, or delete not enabled): named, with the way out, asked once, nothing touched', async () => {
    const fake = await fakeRegistry({ auth: 'none', deletes: 'unsupported' }, content());
    const results = await deleteRegistryTags(client(fake), ours, { dryRun: false });
    expect(results.map((r) => r.state)).toEqual(['unsupported', 'unsupported', 'unsupported', 'not found']);
    expect(results[0]!.detail).toMatch(
      /^127\.0\.0\.1:\d+ does not delete manifests through the registry API \(it answered HTTP 405 UNSUPPORTED\): set a retention policy/,
    );
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(Object.fromEntries(fake.repos.get('acme/app')!)).toEqual(content()['acme/app']);
  });

  test.each(['basic', 'bearer'] as const)(
    '%s auth with parallel requests, all challenged before the first answer: all get through',
    async (auth) => {
      const fake = await fakeRegistry({ auth }, content());
      const results = await deleteRegistryTags(client(fake, { username: USER, password: PASSWORD }), ours, {
        dryRun: false,
      });
      expect(results.map((r) => r.state)).toEqual(['deleted', 'deleted', 'deleted', 'not found']);
      // Bearer: one token exchange per scope (pull, push, delete), however many requests were waiting.
      if (auth === 'bearer')
        expect(fake.requests.filter((r) => r.url.startsWith('/token')).map((r) => r.url.split('scope=')[1])).toEqual([
          'repository%3Aacme%2Fapp%3Apull',
          'repository%3Aacme%2Fapp%3Apush',
          'repository%3Aacme%2Fapp%3Adelete',
        ]);
    },
  );

  test('no credentials for an authenticated registry: failed, with a hint to log in', async () => {
    const fake = await fakeRegistry({ auth: 'basic' }, content());
    const results = await deleteRegistryTags(client(fake), ours, { dryRun: false });
    expect(results.filter((r) => r.state !== 'failed')).toEqual([]);
    // A HEAD's answer has no body, so no error code.
    expect(results[0]!.detail).toMatch(
      /^HEAD 127\.0\.0\.1:\d+\/acme\/app:cache.deps.feature_x: HTTP 401: log in to 127\.0\.0\.1:\d+ first \(docker\/login-action\)$/,
    );
  });
});

/** A server that takes connections and requests and never answers (or sends headers and then nothing). */
async function silentServer(opts: { headersOnly?: boolean } = {}): Promise<{ host: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (opts.headersOnly) {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': '1000',
        'Docker-Content-Digest': 'sha256:00',
      });
      res.write('{"tags": [');
    }
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** A server that resets every connection (TCP RST) as soon as it is made. */
async function resettingServer(): Promise<string> {
  const server = createServer();
  server.on('connection', (socket) => socket.resetAndDestroy());
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const repo = (host: string, name = 'acme/app') => ({ host, apiHost: host, name });

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e);
  }
  throw new Error('expected a rejection');
}

describe('item 4: every request is bounded in time, and a failure says where, doing what, and why', () => {
  test('item 4: a registry that accepts the connection and never answers: given up after the timeout, host and operation named', async () => {
    const silent = await silentServer();
    const c = new RegistryClient(repo(silent.host), { timeoutMs: 300 });
    const start = Date.now();
    const message = await rejection(c.digest('cache-build-x'));
    expect(Date.now() - start).toBeLessThan(3000);
    expect(message).toBe(
      `HEAD ${silent.host}/acme/app:cache-build-x: no answer from ${silent.host} within 0.3 s (request-timeout)`,
    );
  });

  test('item 4: the timeout also bounds a response whose body never ends (the tags list)', async () => {
    const silent = await silentServer({ headersOnly: true });
    const start = Date.now();
    const message = await rejection(new RegistryClient(repo(silent.host), { timeoutMs: 300 }).tags());
    expect(Date.now() - start).toBeLessThan(3000);
    expect(message).toBe(
      `listing the tags of ${silent.host}/acme/app: no answer from ${silent.host} within 0.3 s (request-timeout)`,
    );
  });

  test('item 4: the default timeout is 30 s, not fetch’s 300', () => {
    expect(new RegistryClient(repo('127.0.0.1:1')).timeoutMs).toBe(30_000);
  });

  test('item 4: a connection reset: ECONNRESET, with the host and the operation', async () => {
    const host = await resettingServer();
    const message = await rejection(new RegistryClient(repo(host)).digest('t'));
    expect(message).toMatch(new RegExp(`^HEAD ${host}/acme/app:t: connection to ${host} failed: .*ECONNRESET.*$`));
  });

  test('item 4: nothing listening: ECONNREFUSED; deleteRegistryTags reports it per tag', async () => {
    const silent = await silentServer();
    servers.pop()!.close(); // the port is free again: connections are refused
    const results = await deleteRegistryTags(new RegistryClient(repo(silent.host)), ['a', 'b'], { dryRun: false });
    expect(results.map((r) => r.state)).toEqual(['failed', 'failed']);
    expect(results[0]!.detail).toMatch(
      new RegExp(
        `^HEAD ${silent.host}/acme/app:a: connection to ${silent.host} failed: connect ECONNREFUSED [^ ]+ \\(nothing listens there\\)$`,
      ),
    );
  });

  test('item 4: an unknown host: ENOTFOUND (DNS), named (no lookup leaves this machine: fetch is a stand-in)', async () => {
    const dnsFailure: typeof fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo ENOTFOUND registry.invalid'), {
          code: 'ENOTFOUND',
          hostname: 'registry.invalid',
        }),
      });
    };
    const message = await rejection(new RegistryClient(repo('registry.invalid'), { fetch: dnsFailure }).digest('t'));
    expect(message).toBe(
      'HEAD registry.invalid/acme/app:t: connection to registry.invalid failed: getaddrinfo ENOTFOUND registry.invalid (no such host: check the name, DNS)',
    );
  });

  test('item 4: a token endpoint that cannot be reached is named, not the registry', async () => {
    const silent = await silentServer();
    const realm = `http://${silent.host}/token`;
    const challenging: typeof fetch = async (input, init) => {
      const url = String(input);
      if (url.startsWith(realm)) return fetch(input, init);
      return new Response('{}', {
        status: 401,
        headers: { 'WWW-Authenticate': `Bearer realm="${realm}",service="r",scope="repository:acme/app:pull"` },
      });
    };
    const c = new RegistryClient(repo('registry.example'), {
      fetch: challenging,
      timeoutMs: 300,
      credentials: { username: USER, password: PASSWORD },
    });
    expect(await rejection(c.digest('t'))).toBe(
      `token request to ${realm} for registry.example: no answer from ${silent.host} within 0.3 s (request-timeout)`,
    );
  });
});

describe('item 8: credentials go only to the origin they were issued for', () => {
  test.each(['basic', 'bearer'] as const)(
    'item 8: %s: a tags page on another server is asked for without them',
    async (auth) => {
      const tags = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`t${i}`, M(String(i))]));
      const other = await fakeRegistry({ auth: 'none', pageSize: 3 }, { 'acme/app': tags });
      const fake = await fakeRegistry({ auth, pageSize: 3, linkOrigin: `http://${other.host}` }, { 'acme/app': tags });
      const c = client(fake, { username: USER, password: PASSWORD });
      expect((await c.tags()).sort()).toEqual(Object.keys(tags));
      expect(fake.requests).toContainEqual(expect.objectContaining({ authorization: expect.stringMatching(/./) }));
      expect(other.requests.map((r) => [r.url, r.authorization])).toEqual([
        ['/v2/acme/app/tags/list?n=3&last=t2', undefined],
      ]);
    },
  );

  test('item 8: a 401 from the other server is not answered with our credentials', async () => {
    const tags = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`t${i}`, M(String(i))]));
    const other = await fakeRegistry({ auth: 'basic', pageSize: 3 }, { 'acme/app': tags });
    const fake = await fakeRegistry(
      { auth: 'basic', pageSize: 3, linkOrigin: `http://${other.host}` },
      { 'acme/app': tags },
    );
    await expect(client(fake, { username: USER, password: PASSWORD }).tags()).rejects.toThrow(/HTTP 401/);
    expect(other.requests.map((r) => r.authorization)).toEqual([undefined]);
  });

  test('item 8: a redirect to another server (a blob store) carries no credentials', async () => {
    const other = await fakeRegistry({ auth: 'none' }, { 'acme/app': { a: M('1') } });
    const fake = await fakeRegistry(
      { auth: 'basic', redirect: { tags: ['a'], origin: `http://${other.host}` } },
      { 'acme/app': { a: M('1') } },
    );
    expect(await client(fake, { username: USER, password: PASSWORD }).digest('a')).toBe(digestOf(M('1')));
    expect(other.requests.map((r) => r.authorization)).toEqual([undefined]);
  });
});

describe('item 15: registry host names are case-insensitive', () => {
  test.each([
    ['GHCR.IO/acme/app', { host: 'ghcr.io', apiHost: 'ghcr.io', name: 'acme/app' }],
    [
      'Registry.Example.COM:8443/a/b',
      { host: 'registry.example.com:8443', apiHost: 'registry.example.com:8443', name: 'a/b' },
    ],
    ['LocalHost/app', { host: 'localhost', apiHost: 'localhost', name: 'app' }],
    ['Docker.IO/redis', { host: 'docker.io', apiHost: 'registry-1.docker.io', name: 'library/redis' }],
    ['INDEX.DOCKER.IO/acme/app', { host: 'docker.io', apiHost: 'registry-1.docker.io', name: 'acme/app' }],
  ])('item 15: %s', (repository, expected) => {
    expect(parseRepository(repository)).toEqual(expected);
  });

  test('item 15: plain http for LOCALHOST too; credentials under any spelling of the host; GHCR under any spelling', () => {
    expect(registryBaseUrl('LOCALHOST:5000')).toBe('http://LOCALHOST:5000');
    const auth = Buffer.from('u:p').toString('base64');
    expect(credentialsFor({ auths: { 'https://GHCR.io': { auth } } }, 'ghcr.IO').credentials).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(credentialsFor({ credHelpers: { 'Registry.Example.com': 'ecr-login' } }, 'registry.example.COM')).toEqual({
      helper: 'ecr-login',
    });
    expect(ghcrPackage('GHCR.IO/acme/app')).toEqual({ owner: 'acme', name: 'app' });
  });
});
