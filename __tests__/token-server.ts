// A token server of the Docker registry token protocol, for the unit tests
// (__tests__/registry-token.test.ts) and a real registry (e2e/token-registry.test.ts).
//
// GET /token?service=...&scope=repository:NAME:pull,push with Basic credentials
// answers {"token", "access_token", "expires_in", "issued_at"}: a JWT signed
// RS256 by a key made at start, whose header carries the self-signed
// certificate of that key in `x5c` (base64 DER), with the claims a
// distribution 2.8 registry verifies (`iss` = its `issuer`, `aud` = its
// `service`, exp and nbf within 60 s of leeway, the x5c chain up to a
// certificate of its `rootcertbundle`, then the signature), and `access`.
//
// Its policy, chosen here:
// - a known user with the right password gets every action asked for;
// - a wrong user or password: 401, with the error in the distribution API's
//   error body (a client names it);
// - no credentials: a token with no access at all (the spec lets token
//   servers serve anonymous clients; the registry then refuses each request
//   with insufficient_scope);
// - POST (the OAuth2 password and refresh-token grants) is answered 404, as by
//   token servers that implement the GET flow only: BuildKit, which tries a
//   POST first, then asks again with a GET and Basic credentials.
// Every request is recorded, and so is every token issued.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

/** One entry of a token's `access` claim. */
export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: Access[];
}

/** What the token server saw, and what it answered. */
export interface TokenRequest {
  method: string;
  path: string;
  /** Every query parameter in order (`scope` may repeat). */
  query: [string, string][];
  /** The `scope` parameters of a GET, or the space-separated `scope` field of a POST. */
  scopes: string[];
  authorization: string | undefined;
  userAgent: string | undefined;
  /** A POST's form fields. */
  form?: Record<string, string>;
  status: number;
  /** The user the credentials named, when they were right. */
  user?: string;
  /** The token issued (200 only). */
  token?: string;
  granted?: Access[];
}

export interface SigningCertificate {
  /** The certificate as a registry's `rootcertbundle` holds it. */
  pem: string;
  der: Buffer;
  privateKeyPem: string;
}

/** An RSA key and a self-signed X.509 certificate of it, valid from an hour ago for a day. */
export function makeSigningCertificate(commonName: string): SigningCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // A positive serial: the leading byte below 0x80.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 3600_000);
  cert.validity.notAfter = new Date(now + 24 * 3600_000);
  const name = [{ name: 'commonName', value: commonName }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return { pem: forge.pki.certificateToPem(cert), der, privateKeyPem };
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** A JWT as distribution's token servers write it: RS256, the signing certificate in `x5c`. */
export function signToken(claims: TokenClaims, cert: SigningCertificate): string {
  const header = { typ: 'JWT', alg: 'RS256', x5c: [cert.der.toString('base64')] };
  const signed = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${signed}.${b64url(sign('sha256', Buffer.from(signed), createPrivateKey(cert.privateKeyPem)))}`;
}

/** Distribution 2.8's clock-skew leeway on exp and nbf. */
const LEEWAY_S = 60;

/**
 * Verify a token as a distribution 2.8 registry does: issuer, audience, exp
 * and nbf, the x5c leaf issued and signed by one of `roots` (PEM), and the
 * RS256 signature by the leaf's key. The claims, or a throw that says what failed.
 */
export function verifyToken(token: string, opts: { issuer: string; service: string; roots: string[] }): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('malformed token: not three parts');
  const [rawHeader, rawClaims, rawSignature] = parts as [string, string, string];
  const header = JSON.parse(Buffer.from(rawHeader, 'base64url').toString('utf8')) as { alg?: string; x5c?: string[] };
  const claims = JSON.parse(Buffer.from(rawClaims, 'base64url').toString('utf8')) as TokenClaims;
  if (claims.iss !== opts.issuer) throw new Error(`token from untrusted issuer: ${JSON.stringify(claims.iss)}`);
  if (claims.aud !== opts.service)
    throw new Error(`token intended for another audience: ${JSON.stringify(claims.aud)}`);
  const now = Date.now() / 1000;
  if (now > claims.exp + LEEWAY_S) throw new Error('token expired');
  if (now < claims.nbf - LEEWAY_S) throw new Error('token not valid yet');
  if (header.alg !== 'RS256') throw new Error(`unsupported signing algorithm ${String(header.alg)}`);
  const leafDer = header.x5c?.[0];
  if (leafDer === undefined) throw new Error('no x5c certificate chain');
  const leaf = new X509Certificate(Buffer.from(leafDer, 'base64'));
  const trusted = opts.roots
    .map((pem) => new X509Certificate(pem))
    .some((root) => leaf.checkIssued(root) && leaf.verify(root.publicKey));
  if (!trusted) throw new Error('unable to verify certificate chain: not issued by a trusted root');
  const at = new Date();
  if (at < new Date(leaf.validFrom) || at > new Date(leaf.validTo)) throw new Error('certificate not valid now');
  const ok = verify(
    'sha256',
    Buffer.from(`${rawHeader}.${rawClaims}`),
    createPublicKey(leaf.publicKey.export({ type: 'spki', format: 'pem' })),
    Buffer.from(rawSignature, 'base64url'),
  );
  if (!ok) throw new Error('unable to verify token signature');
  return claims;
}

/** The claims of a token, unverified (to say what a recorded token granted). */
export function tokenClaims(token: string): TokenClaims {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as TokenClaims;
}

/** `repository:acme/app:pull,push` -> its access entry (the name may hold no colon; the type and actions none). */
export function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

export interface TokenServerOptions {
  /** The registry's `service`: tokens are for this audience only. */
  service: string;
  /** The `iss` of every token (the registry's `issuer`). */
  issuer?: string;
  /** user -> password. */
  users: Record<string, string>;
  /** Seconds a token lives (expires_in). */
  expiresIn?: number;
  /** Milliseconds before each answer: a slow token server, so that requests pile up on one exchange. */
  delayMs?: number;
}

export interface TokenServer {
  /** `http://127.0.0.1:PORT/token`: the registry's `realm`. */
  realm: string;
  /** `127.0.0.1:PORT`. */
  host: string;
  service: string;
  issuer: string;
  certificate: SigningCertificate;
  requests: TokenRequest[];
  /** Every token issued. */
  issued(): string[];
  close(): Promise<void>;
}

function basicUser(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Start a token server on 127.0.0.1, on a port the system picks. */
export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const issuer = opts.issuer ?? 'bbc-test-token-issuer';
  const expiresIn = opts.expiresIn ?? 300;
  const certificate = makeSigningCertificate(issuer);
  const requests: TokenRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    const rec: TokenRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: [...url.searchParams],
      scopes: url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean)),
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'],
      status: 0,
    };
    requests.push(rec);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      rec.status = status;
      answer(res, status, body, headers);
    };
    if (req.method === 'POST') {
      const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
      rec.form = form;
      rec.scopes = (form.scope ?? '').split(' ').filter(Boolean);
      return reply(404, { errors: [{ code: 'UNSUPPORTED', message: 'this token server answers GET only' }] });
    }
    if (req.method !== 'GET' || url.pathname !== '/token') return reply(404, { errors: [{ code: 'NOT_FOUND' }] });
    if (url.searchParams.get('service') !== opts.service)
      return reply(400, {
        errors: [{ code: 'UNSUPPORTED', message: `unknown service ${url.searchParams.get('service')}` }],
      });
    let user = '';
    if (req.headers.authorization !== undefined) {
      const given = basicUser(req.headers.authorization);
      if (given === undefined || opts.users[given.user] !== given.password)
        return reply(
          401,
          { errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] },
          { 'WWW-Authenticate': 'Basic realm="bbc-test-token-server"' },
        );
      user = given.user;
      rec.user = user;
    }
    // An anonymous client gets a token with no access (see the policy above).
    const granted = user === '' ? [] : rec.scopes.map(parseScope).filter((a): a is Access => a !== undefined);
    const now = Math.floor(Date.now() / 1000);
    const token = signToken(
      {
        iss: issuer,
        sub: user,
        aud: opts.service,
        exp: now + expiresIn,
        nbf: now - 1,
        iat: now,
        jti: randomBytes(16).toString('hex'),
        access: granted,
      },
      certificate,
    );
    rec.token = token;
    rec.granted = granted;
    reply(200, { token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) answer(res, 500, { errors: [{ code: 'UNKNOWN', message: String(e) }] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    realm: `http://${host}/token`,
    host,
    service: opts.service,
    issuer,
    certificate,
    requests,
    issued: () => requests.flatMap((r) => (r.token ? [r.token] : [])),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
