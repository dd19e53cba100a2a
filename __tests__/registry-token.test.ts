// The Bearer token flow of the registry client (src/registry/registry-auth.ts)
// with real signatures: the token server of __tests__/token-server.ts signs
// JWTs with a certificate made here, and a registry stand-in answers as
// distribution 2.8 does: a 401 with `Bearer realm,service,scope` without a
// token, and every token verified (issuer, audience, times, the x5c chain up
// to the token server's certificate, the RS256 signature, the access it grants)
// before it serves anything. __tests__/registry.test.ts tests the same client
// against fakes whose tokens are plain strings.
import { afterEach, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRepository } from '../src/registry/reference.js';
import { RegistryClient } from '../src/registry/registry.js';
import {
  type Access,
  makeSigningCertificate,
  signToken,
  startTokenServer,
  type TokenServer,
  tokenClaims,
  verifyToken,
} from './token-server.js';

const SERVICE = 'registry.test';
const USER = 'alice';
const PASSWORD = 'correct horse battery staple';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function tokenServer(opts: { delayMs?: number } = {}): Promise<TokenServer> {
  const server = await startTokenServer({ service: SERVICE, users: { [USER]: PASSWORD }, ...opts });
  closers.push(server.close);
  return server;
}

interface Hit {
  method: string;
  path: string;
  authorization: string | undefined;
  userAgent: string | undefined;
  status: number;
  /** Why a token was refused: the challenge's error, and the verifier's reason. */
  refused?: string;
}

interface StandIn {
  host: string;
  hits: Hit[];
}

/**
 * A distribution registry's API and token check, for `repos` (name -> tag ->
 * manifest) and `blobs` (digest -> content): it trusts the tokens that
 * `trusts` (the token server's certificate, PEM) signed, and sends clients to
 * `tokens`' realm.
 */
async function standInRegistry(opts: {
  tokens: TokenServer;
  trusts?: string[];
  repos: Record<string, Record<string, string>>;
  blobs?: Record<string, string>;
}): Promise<StandIn> {
  const hits: Hit[] = [];
  const roots = opts.trusts ?? [opts.tokens.certificate.pem];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const hit: Hit = {
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'],
      status: 0,
    };
    hits.push(hit);
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      hit.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const error = (status: number, code: string) => send(status, JSON.stringify({ errors: [{ code, message: code }] }));
    const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/([^/?]+)/.exec(hit.path);
    const name = m?.[1];
    const action = req.method === 'DELETE' ? 'delete' : 'pull';
    const scope = name === undefined ? undefined : `repository:${name}:${action}`;
    // As distribution's token access controller: no token, a bad one, or one without the access needed: a challenge.
    const refuse = (why?: string, detail?: string) => {
      hit.refused = why && `${why}${detail ? `: ${detail}` : ''}`;
      const challenge =
        `Bearer realm="${opts.tokens.realm}",service="${SERVICE}"` +
        (scope ? `,scope="${scope}"` : '') +
        (why ? `,error="${why}"` : '');
      hit.status = 401;
      res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': challenge });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    };
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer === undefined) return refuse();
    let access: Access[];
    try {
      access = verifyToken(bearer, { issuer: opts.tokens.issuer, service: SERVICE, roots }).access;
    } catch (e) {
      return refuse('invalid_token', (e as Error).message);
    }
    if (
      name !== undefined &&
      !access.some((a) => a.type === 'repository' && a.name === name && a.actions.includes(action))
    )
      return refuse('insufficient_scope');
    if (!m) return send(200, '{}');
    const repo = opts.repos[name!] ?? {};
    const [, , kind, ref] = m as unknown as [string, string, string, string];
    if (kind === 'tags') return send(200, JSON.stringify({ name, tags: Object.keys(repo) }));
    if (kind === 'blobs') {
      const blob = opts.blobs?.[ref];
      return blob === undefined ? error(404, 'BLOB_UNKNOWN') : send(200, blob, { 'Docker-Content-Digest': ref });
    }
    const tags = Object.keys(repo).filter((t) => t === ref || sha(repo[t]!) === ref);
    if (tags.length === 0) return error(404, 'MANIFEST_UNKNOWN');
    if (req.method === 'DELETE') {
      for (const t of tags) delete repo[t];
      return send(202, '');
    }
    const body = repo[tags[0]!]!;
    send(200, body, {
      'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
      'Docker-Content-Digest': sha(body),
      'Content-Length': String(Buffer.byteLength(body)),
    });
  };
  const server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

/** An Authorization header as a word: none, Basic of our user, or the token server's nth token. */
function who(tokens: TokenServer, header: string | undefined): string {
  if (header === undefined) return 'none';
  if (header === BASIC) return `Basic ${USER}`;
  const i = tokens.issued().findIndex((t) => header === `Bearer ${t}`);
  return i >= 0 ? `token ${i + 1}` : `other: ${header.slice(0, 40)}`;
}

const hitsOf = (tokens: TokenServer, reg: StandIn) =>
  reg.hits.map((h) => [h.method, h.path, who(tokens, h.authorization), h.status]);

const tokenRequestsOf = (tokens: TokenServer) =>
  tokens.requests.map((r) => ({
    method: r.method,
    path: r.path,
    query: r.query,
    authorization: who(tokens, r.authorization),
    userAgent: r.userAgent,
    status: r.status,
  }));

const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json' });

/** The message `p` rejects with; fails the test when it resolves. */
async function failure(p: Promise<unknown>): Promise<string> {
  return p.then(
    (v) => {
      throw new Error(`expected a failure, got ${JSON.stringify(v)}`);
    },
    (e: Error) => e.message,
  );
}

function client(reg: StandIn, credentials?: { username: string; password: string }): RegistryClient {
  return new RegistryClient(parseRepository(`${reg.host}/acme/app`), { credentials, timeoutMs: 10_000 });
}

describe('the registry token flow, with tokens the registry verifies', () => {
  test('401, a token for the scope from the realm with Basic credentials, the request again with it', async () => {
    const tokens = await tokenServer();
    const reg = await standInRegistry({ tokens, repos: { 'acme/app': { a: MANIFEST } } });
    const c = client(reg, { username: USER, password: PASSWORD });
    expect(await c.digest('a')).toBe(sha(MANIFEST));
    expect(await c.digest('missing')).toBeUndefined();

    expect(hitsOf(tokens, reg)).toEqual([
      ['HEAD', '/v2/acme/app/manifests/a', 'none', 401],
      ['HEAD', '/v2/acme/app/manifests/a', 'token 1', 200],
      ['HEAD', '/v2/acme/app/manifests/missing', 'token 1', 404],
    ]);
    expect(tokenRequestsOf(tokens)).toEqual([
      {
        method: 'GET',
        path: '/token',
        query: [
          ['service', SERVICE],
          ['scope', 'repository:acme/app:pull'],
        ],
        authorization: `Basic ${USER}`,
        userAgent: 'buildx-branch-cache',
        status: 200,
      },
    ]);
    // What the registry verified: for this user, this registry, this repository, pull only.
    const claims = tokenClaims(tokens.issued()[0]!);
    expect({ ...claims, exp: claims.exp - claims.iat, jti: typeof claims.jti }).toEqual({
      iss: tokens.issuer,
      sub: USER,
      aud: SERVICE,
      exp: 300,
      nbf: claims.iat - 1,
      iat: claims.iat,
      jti: 'string',
      access: [{ type: 'repository', name: 'acme/app', actions: ['pull'] }],
    });
  });

  test('one token exchange per scope: HEAD, GET and tags share the pull token; DELETE gets its own', async () => {
    const tokens = await tokenServer();
    const reg = await standInRegistry({ tokens, repos: { 'acme/app': { a: MANIFEST, b: MANIFEST } } });
    const c = client(reg, { username: USER, password: PASSWORD });
    expect(await c.digest('a')).toBe(sha(MANIFEST));
    expect((await c.tags()).sort()).toEqual(['a', 'b']);
    expect(await c.deleteManifest(sha(MANIFEST))).toEqual({ outcome: 'deleted' });
    expect(await c.digest('b')).toBeUndefined();

    expect(tokens.requests.map((r) => [r.scopes, who(tokens, r.authorization), r.status])).toEqual([
      [['repository:acme/app:pull'], `Basic ${USER}`, 200],
      [['repository:acme/app:delete'], `Basic ${USER}`, 200],
    ]);
    expect(tokens.requests.map((r) => r.granted)).toEqual([
      [{ type: 'repository', name: 'acme/app', actions: ['pull'] }],
      [{ type: 'repository', name: 'acme/app', actions: ['delete'] }],
    ]);
    // The reads with the pull token, the DELETE with the delete token; whatever went without one was challenged.
    expect(hitsOf(tokens, reg).filter(([, , auth]) => auth !== 'none')).toEqual([
      ['HEAD', '/v2/acme/app/manifests/a', 'token 1', 200],
      ['GET', '/v2/acme/app/tags/list?n=1000', 'token 1', 200],
      ['DELETE', `/v2/acme/app/manifests/${sha(MANIFEST)}`, 'token 2', 202],
      ['HEAD', '/v2/acme/app/manifests/b', 'token 1', 404],
    ]);
    expect(reg.hits.filter((h) => h.authorization === undefined).map((h) => h.status)).toEqual(
      expect.arrayContaining([401]),
    );
    expect(reg.hits.filter((h) => h.authorization === undefined && h.status !== 401)).toEqual([]);
  });

  test('parallel requests, all challenged before a token exists, wait on one exchange', async () => {
    // A slow token server: every request is challenged while the one exchange is still on its way.
    const tokens = await tokenServer({ delayMs: 300 });
    const names = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'];
    const present = ['t0', 't2', 't4', 't6'];
    const reg = await standInRegistry({
      tokens,
      repos: { 'acme/app': Object.fromEntries(present.map((t) => [t, MANIFEST])) },
    });
    const c = client(reg, { username: USER, password: PASSWORD });
    expect(await Promise.all(names.map((t) => c.digest(t)))).toEqual(
      names.map((t) => (present.includes(t) ? sha(MANIFEST) : undefined)),
    );

    expect(tokenRequestsOf(tokens)).toEqual([
      {
        method: 'GET',
        path: '/token',
        query: [
          ['service', SERVICE],
          ['scope', 'repository:acme/app:pull'],
        ],
        authorization: `Basic ${USER}`,
        userAgent: 'buildx-branch-cache',
        status: 200,
      },
    ]);
    // All eight went out before the first challenge came back; then all eight again, with the one token.
    const seen = (auth: string) =>
      hitsOf(tokens, reg)
        .filter(([, , a]) => a === auth)
        .map(([method, path, , status]) => [method, path, status])
        .sort();
    expect(seen('none')).toEqual(names.map((t) => ['HEAD', `/v2/acme/app/manifests/${t}`, 401]).sort());
    expect(seen('token 1')).toEqual(
      names.map((t) => ['HEAD', `/v2/acme/app/manifests/${t}`, present.includes(t) ? 200 : 404]).sort(),
    );
    expect(reg.hits).toHaveLength(16);
  });

  test('a wrong password: the token endpoint’s refusal is the error; nothing more reaches the registry', async () => {
    const tokens = await tokenServer();
    const reg = await standInRegistry({ tokens, repos: { 'acme/app': { a: MANIFEST } } });
    const c = client(reg, { username: USER, password: 'wrong' });
    expect(await failure(c.digest('a'))).toBe(
      `token request to ${tokens.realm} for ${reg.host}: HTTP 401 UNAUTHORIZED incorrect username or password`,
    );
    expect(tokens.requests.map((r) => [r.authorization, r.status, r.token])).toEqual([
      [`Basic ${Buffer.from(`${USER}:wrong`).toString('base64')}`, 401, undefined],
    ]);
    expect(hitsOf(tokens, reg)).toEqual([['HEAD', '/v2/acme/app/manifests/a', 'none', 401]]);
  });

  test('the realm on another port: the Basic credentials go only to it, the tokens only to the registry', async () => {
    const tokens = await tokenServer();
    const reg = await standInRegistry({ tokens, repos: { 'acme/app': { a: MANIFEST, b: MANIFEST } } });
    expect(new URL(tokens.realm).host).not.toBe(reg.host);
    const c = client(reg, { username: USER, password: PASSWORD });
    await c.digest('a');
    await c.tags();
    await c.deleteManifest(sha(MANIFEST));
    await c.digest('a');

    const issued = tokens.issued().map((_, i) => `token ${i + 1}`);
    expect(issued).toEqual(['token 1', 'token 2']);
    expect([...new Set(tokens.requests.map((r) => who(tokens, r.authorization)))]).toEqual([`Basic ${USER}`]);
    expect([...new Set(reg.hits.map((h) => who(tokens, h.authorization)))].sort()).toEqual(['none', ...issued]);
    // Nor does the password travel in any other header the registry saw.
    expect(reg.hits.filter((h) => JSON.stringify(h).includes(BASIC.slice(6)))).toEqual([]);
  });

  test('no credentials: the token server’s anonymous token grants nothing, and the registry refuses it', async () => {
    const tokens = await tokenServer();
    const reg = await standInRegistry({ tokens, repos: { 'acme/app': { a: MANIFEST } } });
    // A HEAD's answer has no body: the status is all there is to say.
    expect(await failure(client(reg).digest('a'))).toBe(`HEAD ${reg.host}/acme/app:a: HTTP 401`);
    expect(tokens.requests.map((r) => [r.authorization, r.status, r.granted])).toEqual([[undefined, 200, []]]);
    expect(reg.hits.map((h) => [who(tokens, h.authorization), h.status, h.refused])).toEqual([
      ['none', 401, undefined],
      ['token 1', 401, 'insufficient_scope'],
    ]);
  });
});

describe('the stand-in registry checks what distribution 2.8 checks (so a 200 above means a verified token)', () => {
  test('a token signed by a certificate it does not trust is refused: the request fails with 401', async () => {
    const tokens = await tokenServer();
    const stranger = makeSigningCertificate('someone else');
    const reg = await standInRegistry({ tokens, trusts: [stranger.pem], repos: { 'acme/app': { a: MANIFEST } } });
    expect(await failure(client(reg, { username: USER, password: PASSWORD }).digest('a'))).toBe(
      `HEAD ${reg.host}/acme/app:a: HTTP 401`,
    );
    expect(reg.hits.map((h) => [who(tokens, h.authorization), h.status, h.refused])).toEqual([
      ['none', 401, undefined],
      ['token 1', 401, 'invalid_token: unable to verify certificate chain: not issued by a trusted root'],
    ]);
  });

  test('each claim and the signature are checked', () => {
    const cert = makeSigningCertificate('bbc-test-token-issuer');
    const now = Math.floor(Date.now() / 1000);
    const good = {
      iss: 'issuer',
      sub: USER,
      aud: SERVICE,
      exp: now + 300,
      nbf: now,
      iat: now,
      jti: 'j',
      access: [{ type: 'repository', name: 'acme/app', actions: ['pull'] }],
    };
    const opts = { issuer: 'issuer', service: SERVICE, roots: [cert.pem] };
    const why = (token: string) => {
      try {
        verifyToken(token, opts);
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    };
    const token = signToken(good, cert);
    const [h, , s] = token.split('.');
    // The claims of one token with the signature of another: what a client that edits its access would send.
    const pushClaims = { ...good, access: [{ ...good.access[0]!, actions: ['push'] }] };
    const edited = `${h}.${Buffer.from(JSON.stringify(pushClaims)).toString('base64url')}.${s}`;
    expect({
      good: why(token),
      issuer: why(signToken({ ...good, iss: 'other' }, cert)),
      audience: why(signToken({ ...good, aud: 'other' }, cert)),
      expired: why(signToken({ ...good, exp: now - 61 }, cert)),
      early: why(signToken({ ...good, nbf: now + 61 }, cert)),
      edited: why(edited),
      stranger: why(signToken(good, makeSigningCertificate('bbc-test-token-issuer'))),
    }).toEqual({
      good: 'accepted',
      issuer: 'token from untrusted issuer: "other"',
      audience: 'token intended for another audience: "other"',
      expired: 'token expired',
      early: 'token not valid yet',
      edited: 'unable to verify token signature',
      stranger: 'unable to verify certificate chain: not issued by a trusted root',
    });
  });
});

describe('warm(): the token asked for before the first request (the look-up opens its registry early)', () => {
  test('GET /v2/ for the challenge, the pull token for the repository; then the HEAD carries it at once', async () => {
    const tokens = await tokenServer();
    const reg = await standInRegistry({ tokens, repos: { 'acme/app': { a: MANIFEST } } });
    const c = client(reg, { username: USER, password: PASSWORD });
    await c.warm();
    expect(await c.digest('a')).toBe(sha(MANIFEST));
    expect(hitsOf(tokens, reg)).toEqual([
      ['GET', '/v2/', 'none', 401],
      ['HEAD', '/v2/acme/app/manifests/a', 'token 1', 200],
    ]);
    expect(tokens.requests.map((r) => r.scopes)).toEqual([['repository:acme/app:pull']]);
  });

  test('a HEAD sent while the exchange is on its way: challenged once, then it shares that one exchange', async () => {
    const tokens = await tokenServer({ delayMs: 300 });
    const reg = await standInRegistry({ tokens, repos: { 'acme/app': { a: MANIFEST } } });
    const c = client(reg, { username: USER, password: PASSWORD });
    const warming = c.warm();
    await new Promise((r) => setTimeout(r, 50)); // the ping answered, the token not yet
    expect(await c.digest('a')).toBe(sha(MANIFEST));
    await warming;
    expect(tokens.requests).toHaveLength(1);
    expect(hitsOf(tokens, reg).slice(1)).toEqual([
      ['HEAD', '/v2/acme/app/manifests/a', 'none', 401],
      ['HEAD', '/v2/acme/app/manifests/a', 'token 1', 200],
    ]);
  });

  test('an exchange that fails while warming: no error of its own, the usual 401 flow asks again', async () => {
    const tokens = await tokenServer();
    const reg = await standInRegistry({ tokens, repos: { 'acme/app': { a: MANIFEST } } });
    const wrong = client(reg, { username: USER, password: 'wrong' });
    await wrong.warm(); // resolves: warming is best effort
    const failed = await wrong.digest('a').then(
      () => 'no error',
      (e: Error) => e.message,
    );
    expect(failed).toMatch(/^token request to http:\/\/127\.0\.0\.1:\d+\/token for 127\.0\.0\.1:\d+: HTTP 401/);
    // Asked twice: once warming, once in the 401 flow (not the failed promise kept from the warming).
    expect(tokens.requests.map((r) => r.status)).toEqual([401, 401]);
  });

  test('an open registry: one GET /v2/, nothing more, and no Authorization after it', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? 'none'}`);
      res.writeHead(req.url === '/v2/' ? 200 : 404, { 'Content-Type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    const c = new RegistryClient(parseRepository(`127.0.0.1:${(server.address() as AddressInfo).port}/acme/app`));
    await c.warm();
    expect(await c.digest('a')).toBeUndefined();
    expect(seen).toEqual(['GET /v2/ none', 'HEAD /v2/acme/app/manifests/a none']);
  });
});
