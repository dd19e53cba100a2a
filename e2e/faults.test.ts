// Issue: nothing breaks it. Hostile branch names, faults of the engine and the
// registry, failed builds and secrets, against the real engine and registry.
import { afterAll, describe, expect, test } from '@jest/globals';
import { cacheName } from '../src/core/plan.js';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullRequestEvent, pushEvent, runAction, type RunResult } from '../scripts/action-harness.mjs';
import { commandOutputs, forgedCommands, runnerCommands, type RunnerCommand } from '../scripts/runner-log.mjs';
import { busyboxStage, FAILING_STAGE, SINGLE_STAGE } from './fixtures.mjs';
import { emptyBuilder, engine, fixture, registryDigest, registryTags, uniqueRepo } from './lib.js';
import { removeTempDirs, tempDir } from '../__tests__/temp-dirs.js';

const E = engine();
// What the file made in os.tmpdir() (fixture(), tempDir()), removed after its tests.
afterAll(removeTempDirs);

async function act(
  cwd: string,
  inputs: Record<string, string>,
  opts: { branch?: string; env?: Record<string, string | undefined> } = {},
): Promise<RunResult> {
  await emptyBuilder();
  return runAction({
    cwd,
    event: pushEvent(opts.branch ?? 'main'),
    env: { ...E.env, ...opts.env },
    inputs: { network: 'none', ...inputs },
  });
}

function errors(r: RunResult): string[] {
  return r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
}

function noStack(r: RunResult): void {
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

/** A port where nothing listens: a registry that is down. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a hostile branch name', () => {
  test('builds, and nothing in the name runs', async () => {
    const branch = 'x";touch${IFS}pwned;#$(touch${IFS}pwned2)`touch pwned3`';
    const context = fixture({ Dockerfile: SINGLE_STAGE });
    const repo = uniqueRepo('hostile');
    const image = `${E.registry}/${repo}`;
    const r = await act(context, { image, push: 'true', tags: `${image}:hostile` }, { branch });
    expect([r.code, errors(r)]).toEqual([0, []]);
    expect(r.outputs['branch']).toBe(branch);
    expect(r.outputs['cache-ref']).toBe(`${image}:${cacheName('cache', 'app', branch)}`);
    expect(r.outputs['cache-ref']).toMatch(/:cache\.app\.x__22___3b_touch__24___7b_IFS__7d_pwned__3b_/); // every shell character escaped
    for (const dir of [context, process.cwd(), tmpdir()]) {
      expect(readdirSync(dir).filter((f) => f.startsWith('pwned'))).toEqual([]);
    }
    expect(await registryTags(E.registry, repo)).toContain(cacheName('cache', 'app', branch));
  });
});

describe('registry faults', () => {
  test('the registry is down: the build succeeds, with warnings naming the refs it could not read and the cache it could not save', async () => {
    const port = await deadPort();
    const context = fixture({ Dockerfile: SINGLE_STAGE });
    const image = `127.0.0.1:${port}/down`;
    const r = await act(context, { image, push: 'false' }, { branch: 'feature/x' });
    expect([r.code, errors(r)]).toEqual([0, []]);
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning::'));
    expect(warnings).toContainEqual(expect.stringContaining('could not read 2 cache ref(s)'));
    const unread = warnings.find((w) => w.includes('could not read 2 cache ref(s)'))!;
    expect(unread).toContain(`${image}:cache.app.feature_x`);
    expect(unread).toContain(`${image}:cache.app.main`);
    const unsaved = `::warning::the cache was not saved to ${image}:cache.app.feature_x:`;
    expect(warnings.map((w) => w.slice(0, unsaved.length))).toContain(unsaved);
    expect(r.outputs['cache-hit']).toBe('false');
  });

  test('a ref that disappears between the check and the build (probe off): the build succeeds and a warning names it', async () => {
    const context = fixture({ Dockerfile: SINGLE_STAGE });
    const image = `${E.registry}/${uniqueRepo('gone')}`;
    const r = await act(
      context,
      { image, push: 'false', 'probe-cache': 'false', 'export-cache': 'false' },
      { branch: 'feature/x' },
    );
    expect([r.code, errors(r)]).toEqual([0, []]);
    expect(r.stdout).toMatch(
      new RegExp(
        `::warning::BuildKit could not read 2 cache ref\\(s\\), the build went on without them: .*${image.replace(/[.]/g, '\\.')}:cache.app.feature_x.*not found`,
      ),
    );
  });
});

describe('builders that cannot export caches', () => {
  const classic = E.classicDockerHost;
  const maybe = classic ? test : test.skip; // only next to the private engine (see scripts/test-engine.sh)

  maybe(
    'the docker driver without the containerd image store: refused before the build, naming the remedy',
    async () => {
      const context = fixture({ Dockerfile: SINGLE_STAGE });
      const image = `${E.registry}/${uniqueRepo('classic')}`;
      const r = await runAction({
        cwd: context,
        event: pushEvent('main'),
        env: { ...E.env, DOCKER_HOST: classic },
        inputs: { image, network: 'none', push: 'true', tags: `${image}:x` },
      });
      expect(r.code).toBe(1);
      expect(errors(r)).toEqual([
        '::error::builder: builder "default" uses the docker driver without the containerd image store, which cannot export a registry cache: add docker/setup-buildx-action before this step (a docker-container builder), turn on the containerd image store, or set fallback-to-inline: true (with push: true)',
      ]);
      expect(r.stdout).not.toContain('[command]docker buildx build');
      // The plan is still there for the user to read.
      expect(r.outputs['cache-ref']).toBe(`${image}:cache.app.main`);
      noStack(r);
    },
  );

  maybe('with fallback-to-inline: the build succeeds with the inline cache, and a warning says so', async () => {
    const context = fixture({ Dockerfile: SINGLE_STAGE });
    const repo = uniqueRepo('inline-fallback');
    const image = `${E.registry}/${repo}`;
    const r = await runAction({
      cwd: context,
      event: pushEvent('main'),
      env: { ...E.env, DOCKER_HOST: classic },
      inputs: { image, network: 'none', push: 'true', tags: `${image}:x`, 'fallback-to-inline': 'true' },
    });
    expect([r.code, errors(r)]).toEqual([0, []]);
    expect(r.stdout).toContain(
      '::warning::builder "default" uses the docker driver without the containerd image store, which cannot export a registry cache: falling back to the inline cache',
    );
    expect(r.outputs['cache-to']).toBe('type=inline');
    // The inline cache rode along with the pushed image: saved, no warning that it was not.
    expect(r.stdout).not.toContain('::warning::the cache was not saved');
    expect(r.summary).toContain('✅ saved');
    expect(await registryTags(E.registry, repo)).toEqual(['cache.app.main', 'x']);
  });

  maybe('a fork pull request on such a builder still builds: it only imports', async () => {
    const context = fixture({ Dockerfile: SINGLE_STAGE });
    const image = `${E.registry}/${uniqueRepo('classic-fork')}`;
    const r = await runAction({
      cwd: context,
      event: pullRequestEvent('patch-1', 'main', { fork: true }),
      env: { ...E.env, DOCKER_HOST: classic },
      inputs: { image, network: 'none' },
    });
    expect([r.code, errors(r)]).toEqual([0, []]);
  });
});

describe('no docker, no buildx, no daemon: one clear error', () => {
  const context = () => fixture({ Dockerfile: SINGLE_STAGE });
  const image = 'ghcr.io/acme/app';

  test('docker not on PATH', async () => {
    const r = await runAction({ cwd: context(), env: { PATH: '/nonexistent' }, inputs: { image } });
    expect([r.code, errors(r)]).toEqual([
      1,
      [
        '::error::docker is not on PATH: install Docker (GitHub-hosted runners have it), or set build: false to only work out the flags',
      ],
    ]);
    noStack(r);
  });

  test('no buildx plugin', async () => {
    const empty = tempDir('bbc-no-plugins-');
    const r = await runAction({ cwd: context(), env: { ...E.env, DOCKER_CONFIG: empty }, inputs: { image } });
    expect([r.code, errors(r)]).toEqual([
      1,
      [
        '::error::docker buildx is not available: add docker/setup-buildx-action before this step, or install the docker-buildx plugin',
      ],
    ]);
    noStack(r);
  });

  test('the daemon is not running', async () => {
    const r = await runAction({
      cwd: context(),
      env: { ...E.env, DOCKER_HOST: 'unix:///tmp/bbc-no-such-daemon.sock' },
      inputs: { image },
    });
    expect(r.code).toBe(1);
    expect(errors(r)).toHaveLength(1);
    expect(errors(r)[0]).toMatch(
      /^::error::builder: buildx cannot reach builder "default": Cannot connect to the Docker daemon at unix:\/\/\/tmp\/bbc-no-such-daemon\.sock.*Start the Docker daemon, or create a builder with docker\/setup-buildx-action/,
    );
    noStack(r);
  });
});

describe('a build that fails', () => {
  test("fails the step with buildx's exit code, and the plan's outputs are still set", async () => {
    const context = fixture({ Dockerfile: FAILING_STAGE });
    const image = `${E.registry}/${uniqueRepo('fails')}`;
    const r = await act(context, { image, push: 'false' }, { branch: 'feature/x' });
    expect(r.code).toBe(1); // what buildx exits with for a failed RUN
    expect(errors(r)).toEqual(['::error::docker buildx build failed with exit code 1: see the build log above']);
    expect(r.outputs['branch']).toBe('feature/x');
    expect(r.outputs['cache-ref']).toBe(`${image}:cache.app.feature_x`);
    expect(r.outputs['cache-hit']).toBe('false');
    expect(r.summary).toContain('not saved: the build failed (exit code 1)');
    expect(r.stdout).toMatch(/#\d+ ERROR: process "\/bin\/busybox false" did not complete successfully: exit code: 1/);
  });
});

describe('secrets', () => {
  test('a secret the build prints never appears in the log', async () => {
    const secret = 'bbc-S3cr3t-value-42';
    const context = fixture({
      Dockerfile: [
        'FROM scratch AS app',
        'COPY busybox /bin/busybox',
        'RUN --mount=type=secret,id=TOKEN ["/bin/busybox", "cat", "/run/secrets/TOKEN"]',
        '',
      ].join('\n'),
    });
    const image = `${E.registry}/${uniqueRepo('secret')}`;
    const r = await act(context, {
      image,
      push: 'false',
      secrets: `TOKEN=${secret}`,
      'cache-options': 'token=cache-Cr3dential-7',
    });
    expect([r.code, errors(r)]).toEqual([0, []]);
    // The runner is told to mask it, and the action's own log never shows it.
    expect(r.stdout).toContain(`::add-mask::${secret}`);
    const log = (r.stdout + r.stderr).split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(log.join('\n')).toContain('***'); // the RUN step printed it, redacted
    expect(log.join('\n')).not.toContain(secret);
    expect(log.join('\n')).not.toContain('cache-Cr3dential-7');
    expect(r.summary).not.toContain(secret);
    expect(existsSync(join(context, 'pwned'))).toBe(false);
  });
});

// Issue 13, item 1: a fork's Dockerfile chooses what BuildKit prints. The
// runner breaks lines at \r as well as \n and honours `##[cmd]` anywhere in a
// line, so build output must reach the log only inside stop-commands blocks.
describe('item 1: build output cannot issue runner commands', () => {
  const HOSTILE = [
    ...busyboxStage('app'),
    'ARG FAIL=0',
    // Octal escapes: \015 is \r, \342\200\250 is U+2028.
    "RUN printf 'a\\015::warning::FORGED-CR\\n' && echo 'b ##[warning]FORGED-LEGACY' && echo '::set-output name=digest::sha256:0000000000000000000000000000000000000000000000000000000000000000' && echo 'c ##[set-output name=imageid;]sha256:1111111111111111111111111111111111111111111111111111111111111111' && printf 'd\\342\\200\\250::error::FORGED-LS\\n' && echo '::add-mask::FORGED-MASK' && exit $FAIL",
    '',
  ].join('\n');

  /** Split stdout + stderr as the runner does and return the commands it would process. */
  function seen(r: RunResult): RunnerCommand[] {
    const { commands, open } = runnerCommands(`${r.stdout}\n${r.stderr}`);
    expect(open).toBe(false);
    return commands;
  }

  test("item 1: a RUN that prints \\r::warning::, ##[warning] and ::set-output: the runner sees none of them, the action's own commands work", async () => {
    const context = fixture({ Dockerfile: HOSTILE });
    const repo = uniqueRepo('forged');
    const image = `${E.registry}/${repo}`;
    const r = await act(context, { image, push: 'true', tags: `${image}:x` });
    expect([r.code, errors(r)]).toEqual([0, []]);
    const commands = seen(r);
    expect(forgedCommands(commands)).toEqual([]);
    expect(commandOutputs(commands)).toEqual({});
    // The action's groups still open and close.
    expect(commands.filter((c) => c.name === 'group').length).toBeGreaterThanOrEqual(2);
    expect(commands.filter((c) => c.name === 'endgroup').length).toBe(
      commands.filter((c) => c.name === 'group').length,
    );
    // The build's text is in the log for a person to read, and the digest is the registry's.
    expect(r.stdout).toContain('b ##[warning]FORGED-LEGACY');
    expect(r.outputs['digest']).toBe(await registryDigest(E.registry, repo, 'x'));
  });

  test("item 1: the same RUN failing: no forged command, no digest, and the ::error:: is the action's", async () => {
    const context = fixture({ Dockerfile: HOSTILE });
    const image = `${E.registry}/${uniqueRepo('forged-fail')}`;
    const r = await act(context, { image, push: 'false', 'build-args': 'FAIL=1' });
    expect(r.code).toBe(1);
    const commands = seen(r);
    expect(forgedCommands(commands)).toEqual([]);
    expect(commandOutputs(commands)).toEqual({});
    expect(r.outputs['digest']).toBeUndefined();
    expect(r.outputs['imageid']).toBeUndefined();
    expect(commands.filter((c) => c.name === 'error').map((c) => c.data)).toEqual([
      'docker buildx build failed with exit code 1: see the build log above',
    ]);
    // The first step that ran, and the failed step's error, are in the log (relayed).
    expect(r.stdout).toMatch(/first step that ran|did not complete successfully/);
  });

  /** The bundled command line in a `run:` step: GITHUB_ACTIONS=true, both streams pipes the runner reads. */
  function cliOnGitHub(context: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const payload = join(context, 'event.json');
    writeFileSync(payload, JSON.stringify(pushEvent('main').payload));
    const env = {
      ...E.env,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: payload,
      GITHUB_REF: 'refs/heads/main',
    };
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(import.meta.dirname, '..', 'dist', 'cli.js'), ...args],
        { cwd: context, env, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
      );
    });
  }

  test('item 1: the command line under GITHUB_ACTIONS=true: no forged command on either stream, --call outline included', async () => {
    await emptyBuilder();
    const context = fixture({ Dockerfile: HOSTILE });
    const image = `${E.registry}/${uniqueRepo('forged-cli')}`;
    const r = await cliOnGitHub(context, ['build', '--image', image, '--network', 'none', '--build-arg', 'FAIL=1']);
    expect(r.code).toBe(1);
    // The runner reads each stream on its own thread: each must be safe on its own.
    for (const stream of [r.stdout, r.stderr]) {
      const { commands, open } = runnerCommands(stream);
      expect(open).toBe(false);
      expect(commands).toEqual([]);
    }
    expect(r.stderr).toContain('b ##[warning]FORGED-LEGACY');
    // buildx 0.14 and later: --call outline prints the Dockerfile's ARG comments on stdout.
    if (!/^0\.1[0-3]\./.test(E.buildxVersion)) {
      const outline = fixture({
        Dockerfile: [
          'FROM scratch AS app',
          '# NOTE ##[warning]FORGED-OUTLINE',
          'ARG NOTE=x',
          'COPY busybox /bin/busybox',
          '',
        ].join('\n'),
      });
      const o = await cliOnGitHub(outline, ['build', '--image', image, '--network', 'none', '--', '--call', 'outline']);
      expect(o.code).toBe(0);
      for (const stream of [o.stdout, o.stderr]) expect(runnerCommands(stream).commands).toEqual([]);
      expect(o.stderr).toContain('FORGED-OUTLINE');
    }
  });
});
