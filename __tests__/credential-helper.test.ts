// registry/credential-helper.ts against real helper programs: shell scripts
// named docker-credential-<name> on a PATH of the test's own, answering as
// docker-credential-pass or -ecr-login do (JSON on standard output).
import { afterEach, describe, expect, test } from '@jest/globals';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { askHelper, dockerCredentials, helperServerAddress } from '../src/registry/credential-helper.js';
import { lookUpRegistry } from '../src/shell/registry-lookup.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cacheManifest, CACHE_CONFIG, sha } from './fake-registry.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

afterEach(removeTempDirs);

/** A PATH holding docker-credential-<name> scripts with these bodies; each saves its standard input. */
function helpers(scripts: Record<string, string>): { env: NodeJS.ProcessEnv; asked: (name: string) => string } {
  const dir = tempDir('bbc-helper-');
  for (const [name, body] of Object.entries(scripts)) {
    const file = join(dir, `docker-credential-${name}`);
    writeFileSync(file, `#!/bin/sh\n[ "$1" = get ] || exit 3\ncat > "${dir}/${name}.in"\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return {
    env: { PATH: `${dir}:${process.env.PATH}` },
    asked: (name) => readFileSync(join(dir, `${name}.in`), 'utf8'),
  };
}

describe('askHelper', () => {
  test('user and secret, for the host given on standard input', async () => {
    const h = helpers({ pass: `echo '{"ServerURL":"r.example.com","Username":"ci","Secret":"s3cret"}'` });
    expect(await askHelper('pass', 'r.example.com', h.env)).toEqual({
      credentials: { username: 'ci', password: 's3cret' },
    });
    expect(h.asked('pass')).toBe('r.example.com');
  });

  test('Docker Hub is asked by its index URL, as docker asks; <token> is an identity token', async () => {
    const h = helpers({ desktop: `echo '{"Username":"<token>","Secret":"refresh-me"}'` });
    expect(await askHelper('desktop', 'docker.io', h.env)).toEqual({ credentials: { identityToken: 'refresh-me' } });
    expect(h.asked('desktop')).toBe('https://index.docker.io/v1/');
    expect(helperServerAddress('registry-1.docker.io')).toBe('https://index.docker.io/v1/');
    expect(helperServerAddress('ghcr.io')).toBe('ghcr.io');
  });

  test('"credentials not found": none, as docker takes it (an anonymous request)', async () => {
    const h = helpers({ osxkeychain: 'echo "credentials not found in native keychain"; exit 1' });
    expect(await askHelper('osxkeychain', 'ghcr.io', h.env)).toEqual({});
  });

  test('every other failure is one note naming the helper and why, never a throw', async () => {
    const h = helpers({
      broken: 'echo "pass store is locked" >&2; exit 1',
      chatty: 'echo "not json"',
      slow: 'sleep 5',
    });
    const note = async (name: string, timeoutMs?: number) => (await askHelper(name, 'ghcr.io', h.env, timeoutMs)).note;
    expect(await note('broken')).toBe(
      'the credential helper docker-credential-broken gave no credentials for ghcr.io ' +
        '(exit 1: pass store is locked): log in with docker/login-action',
    );
    expect(await note('chatty')).toMatch(/docker-credential-chatty .*\(its answer is not JSON: /);
    expect(await note('missing')).toMatch(/\(docker-credential-missing is not on PATH\)/);
    const started = Date.now();
    expect(await note('slow', 300)).toMatch(/docker-credential-slow .*\(no answer in 0.3 s\)/);
    expect(Date.now() - started).toBeLessThan(4000);
    // A name with a path in it runs nothing.
    expect(await note('../../bin/sh')).toMatch(/\(not a helper name\)/);
  });
});

describe('dockerCredentials', () => {
  test('auths first; else the helper credHelpers names for the host; else credsStore', async () => {
    const h = helpers({
      ecr: `echo '{"Username":"AWS","Secret":"ecr-token"}'`,
      store: `echo '{"Username":"u","Secret":"from-store"}'`,
    });
    const config = { credHelpers: { 'r.example.com': 'ecr' }, credsStore: 'store' };
    expect((await dockerCredentials(config, 'r.example.com', h.env)).credentials).toEqual({
      username: 'AWS',
      password: 'ecr-token',
    });
    expect((await dockerCredentials(config, 'ghcr.io', h.env)).credentials?.password).toBe('from-store');
    expect(await dockerCredentials({}, 'ghcr.io', h.env)).toEqual({});
  });

  test('the cache look-up reads a Basic registry with a helper’s credentials', async () => {
    // A registry behind Basic auth that serves one cache: tag c and its config.
    const served: Record<string, string> = { '/v2/acme/app/manifests/c': cacheManifest() };
    served[`/v2/acme/app/blobs/${sha(CACHE_CONFIG)}`] = CACHE_CONFIG;
    const server = createServer((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('ci:pw').toString('base64')}`)
        return void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
      const body = served[req.url ?? ''];
      if (body === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'Docker-Content-Digest': sha(body) }).end(body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const r = { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    try {
      const h = helpers({ pass: `echo '{"Username":"ci","Secret":"pw"}'` });
      const dir = tempDir('bbc-helper-config-');
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'pass' }));
      const [found] = await lookUpRegistry('127.0.0.1:1/acme/app', [{ ref: '127.0.0.1:1/acme/app:c', tag: 'c' }], {
        env: { ...h.env, DOCKER_CONFIG: dir },
        timeoutMs: 5000,
        baseUrl: r.base,
      });
      expect({ state: found?.state, records: found?.content?.records.size, detail: found?.detail }).toEqual({
        state: 'exists',
        records: 2,
        detail: undefined,
      });
      expect(h.asked('pass')).toBe('127.0.0.1:1');
    } finally {
      await new Promise((done) => server.close(done));
    }
  });
});
