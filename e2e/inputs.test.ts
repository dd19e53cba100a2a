// Issue 15: build-push-action's inputs, built for real. Named and OCI-layout
// build contexts, secrets from the environment and from files, an ssh agent,
// annotations in the registry, the three kinds of outputs, and `call: check`
// (buildx 0.15 or later; on an older buildx the action says so, naming `call`).
import { afterAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxStage } from './fixtures.mjs';
import {
  actJob,
  alive,
  builderDriver,
  buildxMinor,
  commandData,
  listFiles,
  ok,
  readOr,
  registryManifest,
  shownLog,
  startSshAgent,
  tarNames,
} from './inputs-lib.js';
import { engine, fixture, registryTags, uniqueRepo } from './lib.js';
import { removeTempDirs, tempDir } from '../__tests__/temp-dirs.js';

const E = engine();
// What the file made in os.tmpdir() (fixture(), tempDir()), removed after its tests.
afterAll(removeTempDirs);
const tmp = (name: string) => tempDir(`bbc-inputs-${name}-`);
/** The cache image of a test: its own repository in the open registry. */
const cacheImage = (name: string) => `${E.registry}/${uniqueRepo(name)}`;

describe('build-contexts', () => {
  test('a named local directory (COPY --from=extra) and an oci-layout:// base, made by an oci output', async () => {
    // The base image, as an OCI layout directory (outputs: type=oci,tar=false).
    const layout = join(tmp('layout'), 'base');
    const base = fixture({ Dockerfile: [...busyboxStage('base'), 'RUN echo from-base > /from-base', ''].join('\n') });
    const made = await actJob(base, { image: cacheImage('ctx-base'), outputs: `type=oci,dest=${layout},tar=false` });
    ok(made);
    const index = JSON.parse(readOr(join(layout, 'index.json'))) as { manifests: { digest: string }[] };
    expect(index.manifests.length).toBeGreaterThan(0);
    const digest = index.manifests[0]!.digest;

    const extra = tmp('extra');
    writeFileSync(join(extra, 'greeting.txt'), 'hello from extra\n');
    const context = fixture({
      Dockerfile: [
        'FROM base AS app',
        'COPY --from=extra greeting.txt /extra.txt',
        'RUN cat /from-base /extra.txt > /combined',
        '',
      ].join('\n'),
    });
    const out = tmp('ctx-out');
    const r = await actJob(context, {
      image: cacheImage('ctx-app'),
      'build-contexts': `base=oci-layout://${layout}@${digest}\nextra=${extra}`,
      outputs: `type=local,dest=${out}`,
    });
    ok(r);
    const args = JSON.parse(r.outputs.args!) as string[];
    expect(args.filter((_a, i) => args[i - 1] === '--build-context')).toEqual([
      `base=oci-layout://${layout}@${digest}`,
      `extra=${extra}`,
    ]);
    expect({
      files: listFiles(out).filter((f) => !f.startsWith('bin/')),
      combined: readOr(join(out, 'combined')),
    }).toEqual({
      files: ['combined', 'extra.txt', 'from-base'],
      combined: 'from-base\nhello from extra\n',
    });
  });
});

describe('secret-envs and secret-files', () => {
  test('both values reach the RUN step (their length and hash are in the image) and never the job log', async () => {
    const envValue = `env-S3cret-${Math.random().toString(36).slice(2)}`;
    const fileValue = `file-S3cret-${Math.random().toString(36).slice(2)}`;
    const secretFile = join(tmp('secret'), 'value.txt');
    writeFileSync(secretFile, fileValue, { mode: 0o600 });
    const context = fixture({
      Dockerfile: [
        ...busyboxStage('app'),
        'RUN --mount=type=secret,id=envsec,required=true --mount=type=secret,id=filesec,required=true \\',
        '  for s in envsec filesec; do wc -c < /run/secrets/$s | tr -d " " > /$s.len; \\',
        '  sha256sum /run/secrets/$s | cut -d " " -f 1 > /$s.sha256; done',
        // The build prints both values: the action's own log must still not show them.
        'RUN --mount=type=secret,id=envsec --mount=type=secret,id=filesec cat /run/secrets/envsec /run/secrets/filesec',
        '',
      ].join('\n'),
    });
    const out = tmp('secret-out');
    const r = await actJob(
      context,
      {
        image: cacheImage('secrets'),
        'secret-envs': 'envsec=BBC_E2E_SECRET_ENV',
        'secret-files': `filesec=${secretFile}`,
        outputs: `type=local,dest=${out}`,
      },
      { BBC_E2E_SECRET_ENV: envValue },
    );
    ok(r);
    const sha = (v: string) => createHash('sha256').update(v).digest('hex');
    expect({
      envLen: readOr(join(out, 'envsec.len')).trim(),
      envSha: readOr(join(out, 'envsec.sha256')).trim(),
      fileLen: readOr(join(out, 'filesec.len')).trim(),
      fileSha: readOr(join(out, 'filesec.sha256')).trim(),
    }).toEqual({
      envLen: String(envValue.length),
      envSha: sha(envValue),
      fileLen: String(fileValue.length),
      fileSha: sha(fileValue),
    });
    // Passed by reference, never by value, and masked.
    const args = JSON.parse(r.outputs.args!) as string[];
    expect(args.filter((_a, i) => args[i - 1] === '--secret')).toEqual([
      'id=envsec,env=BBC_E2E_SECRET_ENV',
      `id=filesec,src=${secretFile}`,
    ]);
    expect(commandData(r, 'add-mask')).toEqual(expect.arrayContaining([envValue, fileValue]));
    const log = shownLog(r);
    expect(log).toContain('***'); // the second RUN step printed them, redacted
    expect(log.includes(envValue) || log.includes(fileValue)).toBe(false);
    expect(r.summary.includes(envValue) || r.summary.includes(fileValue)).toBe(false);
  });
});

describe('ssh', () => {
  test('ssh: default=<agent socket> forwards the agent into a RUN --mount=type=ssh step', async () => {
    const agent = await startSshAgent();
    try {
      expect(agent.publicKey).toMatch(/^ssh-ed25519 \S+ bbc-e2e$/);
      const context = fixture({
        Dockerfile: [
          ...busyboxStage('app'),
          // required=true: without the forwarded agent, this step fails instead of finding no socket.
          'RUN --mount=type=ssh,required=true test -S "$SSH_AUTH_SOCK" && echo "socket $SSH_AUTH_SOCK" > /ssh-ok',
          '',
        ].join('\n'),
      });
      const out = tmp('ssh-out');
      const r = await actJob(context, {
        image: cacheImage('ssh'),
        ssh: `default=${agent.socket}`,
        outputs: `type=local,dest=${out}`,
      });
      ok(r);
      expect(readOr(join(out, 'ssh-ok'))).toMatch(/^socket \/\S+\n$/);
    } finally {
      await agent.stop();
    }
    // Killed afterwards: nothing is left running.
    for (let i = 0; i < 20 && alive(agent.pid); i++) await new Promise((res) => setTimeout(res, 50));
    expect(alive(agent.pid)).toBe(false);
  });
});

describe('annotations', () => {
  test('index: and manifest: annotations reach the manifests in the registry', async () => {
    const context = fixture({ Dockerfile: [...busyboxStage('app'), 'RUN echo app > /app', ''].join('\n') });
    const repo = uniqueRepo('annotations');
    const image = `${E.registry}/${repo}`;
    const r = await actJob(context, {
      image,
      tags: `${image}:v1`,
      push: 'true',
      // An attestation makes the result an index, which `index:` annotations need.
      provenance: 'mode=min',
      annotations: [
        'index:org.opencontainers.image.description=built by the e2e inputs test',
        'manifest:org.opencontainers.image.title=bbc-e2e-title',
      ].join('\n'),
    });
    ok(r);
    const top = await registryManifest(E.registry, repo, 'v1');
    expect([top.status, top.body?.mediaType]).toEqual([200, 'application/vnd.oci.image.index.v1+json']);
    expect(top.body?.annotations?.['org.opencontainers.image.description']).toBe('built by the e2e inputs test');
    // The image's own manifest (not the attestation's) carries the manifest: annotation.
    const images = (top.body?.manifests ?? []).filter(
      (m) => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest',
    );
    expect(images).toHaveLength(1);
    const child = await registryManifest(E.registry, repo, images[0]!.digest);
    expect([child.status, child.body?.annotations?.['org.opencontainers.image.title']]).toEqual([200, 'bbc-e2e-title']);
    expect(r.outputs.digest).toBe(top.digest);
  });
});

describe('outputs', () => {
  const DOCKERFILE = [...busyboxStage('app'), 'RUN echo out > /out.txt', ''].join('\n');

  test('type=local,dest=DIR writes the image filesystem there', async () => {
    const out = join(tmp('local'), 'dest');
    const r = await actJob(fixture({ Dockerfile: DOCKERFILE }), {
      image: cacheImage('out-local'),
      outputs: `type=local,dest=${out}`,
    });
    ok(r);
    expect([readOr(join(out, 'out.txt')), existsSync(join(out, 'bin', 'busybox'))]).toEqual(['out\n', true]);
    // Files have no image ID (as build-push-action).
    expect(r.outputs.imageid).toBe('');
  });

  test('type=oci,dest=FILE writes an OCI layout tar with index.json', async () => {
    const file = join(tmp('oci'), 'image.tar');
    const r = await actJob(fixture({ Dockerfile: DOCKERFILE }), {
      image: cacheImage('out-oci'),
      outputs: `type=oci,dest=${file}`,
    });
    ok(r);
    expect(existsSync(file)).toBe(true);
    const names = await tarNames(file);
    expect(names).toEqual(expect.arrayContaining(['index.json', 'oci-layout']));
    expect(names.some((n) => n.startsWith('blobs/sha256/'))).toBe(true);
  });

  // buildx implements push-by-digest for BuildKit's own exporters only: the docker driver (the test engine's
  // only builder; a docker-container builder needs the moby/buildkit image, which cannot be pulled here)
  // refuses it. There the real push is skipped, saying why, and the action must fail with buildx's reason.
  const driver = builderDriver();
  const byDigest = (repo: string, cacheRepo: string) =>
    actJob(fixture({ Dockerfile: DOCKERFILE }), {
      // The cache goes to another repository, so that any tag in this one would be the image's.
      image: `${E.registry}/${cacheRepo}`,
      outputs: `type=image,name=${E.registry}/${repo},push-by-digest=true,name-canonical=true,push=true`,
    });
  const pushName = 'push-by-digest: the digest output is served by the registry, and no tag was created';
  (driver === 'docker' ? test.skip : test)(
    driver === 'docker' ? `${pushName} [skipped: buildx's docker driver has no push-by-digest]` : pushName,
    async () => {
      const repo = uniqueRepo('by-digest');
      const r = await byDigest(repo, uniqueRepo('by-digest-cache'));
      ok(r);
      const digest = r.outputs.digest ?? '';
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const served = await registryManifest(E.registry, repo, digest);
      expect([served.status, served.digest]).toEqual([200, digest]);
      expect(await registryTags(E.registry, repo)).toEqual([]);
    },
  );

  (driver === 'docker' ? test : test.skip)(
    `push-by-digest on the docker driver fails with buildx's reason, and leaves no tag (builder driver: ${driver})`,
    async () => {
      const repo = uniqueRepo('by-digest');
      const cacheRepo = uniqueRepo('by-digest-cache');
      const r = await byDigest(repo, cacheRepo);
      expect(r.code).not.toBe(0);
      expect(shownLog(r)).toContain('push-by-digest is currently not implemented for docker driver');
      expect(commandData(r, 'error')).toEqual(['docker buildx build failed with exit code 1: see the build log above']);
      expect([await registryTags(E.registry, repo), await registryTags(E.registry, cacheRepo)]).toEqual([[], []]);
    },
  );
});

describe('call', () => {
  const minor = buildxMinor();
  const hasCall = minor === undefined || minor >= 15;
  const skipWhy = `buildx 0.${minor} on the ${E.flavor} engine has no --call (0.15 or later)`;
  const CLEAN = ['FROM scratch AS app', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "true"]', ''].join('\n');
  const LINT = CLEAN.replace('FROM scratch AS app', 'FROM scratch as app');

  /** No cache tag in the cache repository, and the outputs and the log say why. */
  async function noCacheExported(r: Awaited<ReturnType<typeof actJob>>, repo: string): Promise<void> {
    expect(await registryTags(E.registry, repo)).toEqual([]);
    expect([r.outputs['cache-to'], r.outputs['cache-ref']]).toEqual(['', '']);
    expect(r.stdout).toContain('why: no export: call check builds nothing');
  }

  /** Runs on buildx 0.15 or later; elsewhere a visible skip that says why. */
  const withCall = (name: string, fn: () => Promise<void>) =>
    hasCall ? test(name, fn) : test.skip(`${name} [skipped: ${skipWhy}]`, fn);
  const withoutCall = (name: string, fn: () => Promise<void>) =>
    hasCall ? test.skip(`${name} [skipped: buildx 0.${minor} has --call]`, fn) : test(name, fn);

  withCall('call: check on a clean Dockerfile exits 0, and exports no cache', async () => {
    const repo = uniqueRepo('call-clean');
    const r = await actJob(fixture({ Dockerfile: CLEAN }), { image: `${E.registry}/${repo}`, call: 'check' });
    ok(r);
    expect(r.stdout).toContain('Check complete, no warnings found.');
    expect(commandData(r, 'error')).toEqual([]);
    await noCacheExported(r, repo);
  });

  withCall(
    'call: check on a Dockerfile with a lint issue fails as buildx and build-push-action do, naming the rule',
    async () => {
      const repo = uniqueRepo('call-lint');
      const r = await actJob(fixture({ Dockerfile: LINT }), { image: `${E.registry}/${repo}`, call: 'check' });
      // buildx --call check exits 1 when it finds anything; build-push-action fails the step too.
      expect(r.code).not.toBe(0);
      expect(shownLog(r)).toContain('Check complete, 1 warning has been found!');
      expect(shownLog(r)).toContain('WARNING: FromAsCasing');
      expect(commandData(r, 'error')).toHaveLength(1);
      await noCacheExported(r, repo);
    },
  );

  // A check's findings are only in buildx's metadata file (result.json): the action reads them there
  // (core/check-result.ts), one warning each, and says in its error what the check found.
  const warningName = 'call: check reports the lint finding as a ::warning:: annotation and names it in the error';
  (hasCall ? test : test.skip)(hasCall ? warningName : `${warningName} [skipped: ${skipWhy}]`, async () => {
    const r = await actJob(fixture({ Dockerfile: LINT }), { image: cacheImage('call-warn'), call: 'check' });
    expect(commandData(r, 'warning').filter((w) => w.includes('FromAsCasing'))).toHaveLength(1);
    expect(commandData(r, 'error')).toEqual([
      'docker buildx build failed with exit code 1: call check found 1 problem(s)',
    ]);
  });

  withoutCall(
    `on buildx older than 0.15 the action fails with one error naming call and 0.15 (engine buildx 0.${minor})`,
    async () => {
      const repo = uniqueRepo('call-old');
      const r = await actJob(fixture({ Dockerfile: CLEAN }), { image: `${E.registry}/${repo}`, call: 'check' });
      expect(r.code).not.toBe(0);
      const errors = commandData(r, 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^call: .*0\.15/);
      expect(errors[0]).toContain(`0.${minor}`);
      // Nothing was built, so nothing was exported.
      expect(r.stdout).not.toContain('[command]docker buildx build');
      expect(await registryTags(E.registry, repo)).toEqual([]);
    },
  );
});
