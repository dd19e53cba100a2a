// Issue 17, item 3: the registry token flow for real. A distribution registry
// (the engine's docker-registry, 2.8) with `auth: token` whose realm is the
// token server of __tests__/token-server.ts, on another port; in front of the
// registry a recording proxy, the only address the clients are given, so that
// the test sees every header that reaches the registry. docker logs in to it,
// the action's builds on main push their caches there, and a new branch's
// builds read them over the distribution API through the token flow.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushEvent } from '../scripts/action-harness.mjs';
import { startTokenServer, type TokenServer } from '../__tests__/token-server.js';
import { docker, engine, uniqueRepo } from './lib.js';
import { actionJob, type Job, type JobResult, pipelineContext } from './pipeline.js';
import { removeTempDirs } from '../__tests__/temp-dirs.js';

const E = engine();
// What the file made in os.tmpdir() (pipelineContext()), removed after its tests.
afterAll(removeTempDirs);
const SERVICE = 'bbc-token-registry';
const USER = 'tok-user';
const PASSWORD = `tok-${randomBytes(12).toString('hex')}`;
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const ACTION_UA = 'buildx-branch-cache';

/** The docker-registry binary scripts/test-engine.sh unpacked (env.json's registryBin). */
function registryBin(): string {
  const file = process.env.BBC_ENGINE_ENV ?? join(process.env.BBC_ENGINE_DIR ?? '/tmp/bbc-engine', 'env.json');
  const bin = (JSON.parse(readFileSync(file, 'utf8')) as { registryBin?: string }).registryBin;
  if (!bin) throw new Error(`${file} names no registryBin: start the engine with this scripts/test-engine.sh`);
  return bin;
}

/** A port nothing listens on now (the system's pick, released). */
async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  userAgent: string | undefined;
  /** Every request header, as sent (to look for the password anywhere). */
  raw: string[];
  /** Whether `secret` was anywhere in the request's body. */
  secretInBody: boolean;
  status: number;
}

/**
 * An HTTP proxy to 127.0.0.1:`port` that records every request, and whether
 * its body holds `secret`; the Host header passes as is (the registry's upload
 * URLs then name the proxy).
 */
async function recordingProxy(port: number, secret: string) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const rec: Seen = {
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'],
      raw: req.rawHeaders,
      secretInBody: false,
      status: 0,
    };
    seen.push(rec);
    // The end of each chunk is kept, so that a secret split between two chunks is seen too.
    let tail = '';
    req.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      if (text.includes(secret)) rec.secretInBody = true;
      tail = text.slice(-secret.length);
    });
    const up = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        rec.status = answer.statusCode ?? 0;
        res.writeHead(rec.status, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    up.on('error', (e) => res.destroy(e));
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A Docker config of the test's own (with the engine's buildx plugin): other tests count on the shared one. */
function dockerConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bbc-token-docker-config-'));
  mkdirSync(join(dir, 'cli-plugins'));
  symlinkSync(join(E.env.DOCKER_CONFIG!, 'cli-plugins', 'docker-buildx'), join(dir, 'cli-plugins', 'docker-buildx'));
  writeFileSync(join(dir, 'config.json'), '{}');
  return dir;
}

describe('a registry behind a token server (distribution 2.8, auth: token)', () => {
  const work = mkdtempSync(join(tmpdir(), 'bbc-token-registry-'));
  const config = dockerConfig();
  let tokens: TokenServer;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let registry: ChildProcess | undefined;
  let registryLog = '';

  beforeAll(async () => {
    tokens = await startTokenServer({ service: SERVICE, users: { [USER]: PASSWORD } });
    const port = await freePort();
    writeFileSync(join(work, 'root.pem'), tokens.certificate.pem);
    // As scripts/test-engine.sh configures its registries, with distribution's token auth instead of htpasswd.
    writeFileSync(
      join(work, 'config.yml'),
      [
        'version: 0.1',
        'log:',
        '  level: info',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(work, 'data')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        `  secret: ${randomBytes(16).toString('hex')}`,
        'auth:',
        '  token:',
        `    realm: ${tokens.realm}`,
        `    service: ${SERVICE}`,
        `    issuer: ${tokens.issuer}`,
        `    rootcertbundle: ${join(work, 'root.pem')}`,
        '',
      ].join('\n'),
    );
    registryLog = join(work, 'registry.log');
    const log = openSync(registryLog, 'a');
    registry = spawn(registryBin(), ['serve', join(work, 'config.yml')], { stdio: ['ignore', log, log] });
    // Up when its /v2/ asks for a token.
    let status = 0;
    for (let i = 0; i < 200 && status !== 401 && registry.exitCode === null; i++) {
      status = await fetch(`http://127.0.0.1:${port}/v2/`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    if (status !== 401)
      throw new Error(`the registry did not start:\n${readFileSync(registryLog, 'utf8').slice(-3000)}`);
    proxy = await recordingProxy(port, PASSWORD);

    const login = await docker(['login', proxy.host, '--username', USER, '--password-stdin'], {
      env: { DOCKER_CONFIG: config },
      input: PASSWORD,
    });
    if (login.code !== 0) throw new Error(`docker login failed: ${login.stderr}`);
  });

  afterAll(async () => {
    await proxy?.close();
    await tokens?.close();
    if (registry && registry.exitCode === null) {
      const exited = new Promise((r) => registry!.once('exit', r));
      registry.kill('SIGTERM');
      const timer = setTimeout(() => registry!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(work, { recursive: true, force: true });
    rmSync(config, { recursive: true, force: true });
  });

  /** An Authorization header as a word: none, our Basic, a token the token server issued (by number), or other. */
  function who(header: string | undefined): string {
    if (header === undefined) return 'none';
    if (header === BASIC) return 'Basic';
    const i = tokens.issued().findIndex((t) => header === `Bearer ${t}`);
    return i >= 0 ? `token ${i + 1}` : `other: ${header.slice(0, 30)}`;
  }

  /** One job of the pipeline through the action, with what it asked of the token server and the registry. */
  async function job(repo: string, context: string, branch: string, which: Job) {
    const [t0, p0] = [tokens.requests.length, proxy.seen.length];
    const r: JobResult = await actionJob({
      context,
      repo,
      event: pushEvent(branch),
      job: which,
      registry: proxy.host,
      env: { DOCKER_CONFIG: config },
    });
    if (r.result.code !== 0)
      throw new Error(`action failed (${r.result.code}):\n${r.result.stdout}\n${r.result.stderr}`);
    const image = `${proxy.host}/${repo}`;
    // The look-up's line per planned ref, `<image>:<tag>: <verdict>`, as imported, not found or left out (what
    // the look-up read of a ref varies with the plan); a ref it could not check keeps its whole line.
    const verdict = (v: string) =>
      v.includes('could not check') ? v : v === 'not found' ? v : (/^(imported|left out)\b/.exec(v)?.[1] ?? v);
    const verdicts = Object.fromEntries(
      r.result.stdout
        .split('\n')
        .flatMap((l) => (l.startsWith(`${image}:`) ? [l.slice(image.length + 1).split(': ')] : []))
        .map(([tag, ...rest]) => [tag, verdict(rest.join(': '))]),
    );
    return {
      ...r,
      verdicts,
      tokenRequests: tokens.requests.slice(t0),
      seen: proxy.seen.slice(p0),
    };
  }

  /** The repository's tags, read as any client would: a pull token from the realm, then the API. */
  async function tagsOf(repo: string): Promise<string[]> {
    const url = `${tokens.realm}?service=${SERVICE}&scope=repository:${repo}:pull`;
    const { token } = (await (await fetch(url, { headers: { Authorization: BASIC } })).json()) as { token: string };
    const res = await fetch(`http://${proxy.host}/v2/${repo}/tags/list`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    return ((await res.json()) as { tags?: string[] }).tags?.sort() ?? [];
  }

  test('main pushes its caches through it; a new branch reads them with tokens and runs zero RUN steps', async () => {
    const repo = uniqueRepo('token');
    const image = `${proxy.host}/${repo}`;
    const context = pipelineContext({ sleep: 0 });
    /** The action's token exchange: a GET for pull on this repository, with the login's Basic credentials. */
    const exchange = {
      method: 'GET',
      path: '/token',
      query: [
        ['service', SERVICE],
        ['scope', `repository:${repo}:pull`],
      ],
      auth: 'Basic',
      status: 200,
    };
    type Run = Awaited<ReturnType<typeof job>>;
    const actionExchanges = (j: Run) =>
      j.tokenRequests
        .filter((r) => r.userAgent === ACTION_UA)
        .map((r) => ({ method: r.method, path: r.path, query: r.query, auth: who(r.authorization), status: r.status }));
    /** The action's requests to the registry, each kind once: no credentials, or a token it got in this job. */
    const actionAnswers = (j: Run) => {
      const own = new Set(j.tokenRequests.filter((r) => r.userAgent === ACTION_UA).map((r) => `Bearer ${r.token}`));
      const kinds = j.seen
        .filter((s) => s.userAgent === ACTION_UA)
        .map((s) => {
          const auth = s.authorization === undefined ? 'none' : own.has(s.authorization) ? 'its token' : 'another';
          return `${auth} ${s.status}`;
        });
      return [...new Set(kinds)].sort();
    };

    const mainDeps = await job(repo, context, 'main', 'dependencies');
    expect([mainDeps.steps.total, mainDeps.steps.ran]).toEqual([3, 3]);
    expect(mainDeps.verdicts).toEqual({ 'cache.dependencies.main': 'not found' });
    // One exchange for the whole job, though main's old-scheme tag (core/legacy-tag.ts) was looked up in a
    // second pass (shell/cache-lookup.ts lookUpPlan) and the export's manifest read after the build (its
    // footprint, shell/pipeline.ts): one client, one token per scope.
    expect(actionExchanges(mainDeps)).toEqual([exchange]);
    expect(actionAnswers(mainDeps)).toEqual(['its token 200', 'its token 404', 'none 401']);

    const mainFinal = await job(repo, context, 'main', 'final');
    expect([mainFinal.steps.total, mainFinal.steps.ran]).toEqual([5, 2]);
    expect(mainFinal.verdicts).toEqual({ 'cache.build.main': 'not found', 'cache.dependencies.main': 'imported' });
    expect(actionExchanges(mainFinal)).toEqual([exchange]);
    expect(actionAnswers(mainFinal)).toEqual(['its token 200', 'its token 404', 'none 401']);
    expect(await tagsOf(repo)).toEqual(expect.arrayContaining(['cache.dependencies.main', 'cache.build.main']));

    // A new branch: every planned ref looked up over the API (none "could not check"), main's imported.
    const deps = await job(repo, context, 'feature/x', 'dependencies');
    expect([deps.steps.total, deps.steps.ran]).toEqual([3, 0]);
    expect(deps.verdicts).toEqual({
      'cache.dependencies.feature_x': 'not found',
      'cache.dependencies.main': 'imported',
    });
    expect(actionExchanges(deps)).toEqual([exchange]);
    expect(actionAnswers(deps)).toEqual(['its token 200', 'its token 404', 'none 401']);

    const final = await job(repo, context, 'feature/x', 'final');
    expect([final.steps.total, final.steps.ran]).toEqual([5, 0]);
    expect(final.verdicts).toEqual({
      'cache.build.feature_x': 'not found',
      'cache.dependencies.feature_x': 'left out',
      'cache.build.main': 'imported',
      'cache.dependencies.main': 'left out',
    });
    // Two existing refs to choose between: their content was read (with the token) and compared.
    expect(final.result.stdout).toContain(
      `${image}:cache.dependencies.main: left out: contained in ${image}:cache.build.main`,
    );
    expect(actionExchanges(final)).toEqual([exchange]);
    expect(actionAnswers(final)).toEqual(['its token 200', 'its token 404', 'none 401']);

    // Everything that reached the registry (docker login, BuildKit's pushes and pulls, the action, tagsOf): either
    // no credentials and a challenge, or a token the token server issued; the password in no header and no body.
    const kinds = new Set(proxy.seen.map((s) => who(s.authorization).replace(/^token \d+$/, 'a token')));
    expect([...kinds].sort()).toEqual(['a token', 'none']);
    const line = (s: Seen) => `${s.method} ${s.path} ${s.status}`;
    expect(proxy.seen.filter((s) => s.authorization === undefined && s.status !== 401).map(line)).toEqual([]);
    const leaks = proxy.seen.filter(
      (s) => s.secretInBody || s.raw.some((h) => h.includes(PASSWORD) || h.includes(BASIC.slice(6))),
    );
    expect(leaks.map(line)).toEqual([]);
    // The realm got the credentials: as Basic on a GET, or in BuildKit's OAuth2 password grant, a POST that
    // this token server answers 404 (BuildKit then asks again with a GET). Never a token.
    const realm = new Set(
      tokens.requests.map((r) =>
        r.method === 'POST'
          ? `POST ${r.form?.grant_type} ${r.form?.username} ${r.status}`
          : `GET ${who(r.authorization)} ${r.status}`,
      ),
    );
    expect([...realm].sort()).toEqual(['GET Basic 200', `POST password ${USER} 404`]);
  });
});
