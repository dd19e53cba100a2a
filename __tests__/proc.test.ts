// proc.ts's docker() and probeRefs() against a fake docker first on PATH (fake-docker.ts), and onPath().
import { afterEach, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildx, buildxPlugin, docker, onPath, probeRefs } from '../src/shell/proc.js';
import { FakeDocker, NO_BUILDX, noDockerOnPath, type Rule, setEnv } from './fake-docker.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

const undo: (() => void)[] = [];
afterEach(() => {
  for (const f of undo.splice(0).reverse()) f();
  removeTempDirs();
});

function installDocker(rules: Rule[], opts: { plugin?: boolean; extraDirs?: boolean } = {}): FakeDocker {
  const fake = new FakeDocker(rules, opts);
  undo.push(() => fake.restore());
  return fake;
}

describe('docker()', () => {
  test('a success: code 0, stdout then stderr as the output', async () => {
    installDocker([{ when: ['buildx', 'version'], answer: { stdout: 'out line\n', stderr: 'err line\n' } }]);
    expect(await docker(['buildx', 'version'], 5000)).toEqual({
      code: 0,
      output: 'out line\nerr line\n',
      timedOut: false,
      missing: false,
    });
  });

  test('the exit code passes through, with what it printed', async () => {
    installDocker([{ when: ['buildx'], answer: NO_BUILDX }]);
    expect(await docker(['buildx', 'version'], 5000)).toEqual({
      code: 1,
      output: NO_BUILDX.stderr,
      timedOut: false,
      missing: false,
    });
    installDocker([{ when: ['x'], answer: { stdout: 'partial', code: 42 } }]);
    expect((await docker(['x'], 5000)).code).toEqual(42);
  });

  test('argv reaches docker as given: an array, no shell in between', async () => {
    const fake = installDocker([{ when: [], answer: {} }]);
    const args = ['buildx', 'imagetools', 'inspect', '--raw', 'a b', '$(touch pwned)', "'q'", '`id`', 'x;y', ''];
    expect((await docker(args, 5000)).code).toEqual(0);
    expect(fake.argvs()).toEqual([args]);
  });

  test('a docker that does not answer in time is killed: timedOut, no code', async () => {
    installDocker([{ when: [], answer: { sleepMs: 30_000, stdout: 'too late\n' } }]);
    const started = Date.now();
    const r = await docker(['buildx', 'inspect'], 300);
    expect({ ...r, fast: Date.now() - started < 10_000 }).toEqual({
      code: null,
      output: '',
      timedOut: true,
      missing: false,
      fast: true,
    });
  });

  test('no docker on PATH: missing, no code', async () => {
    undo.push(noDockerOnPath());
    expect(await docker(['buildx', 'version'], 5000)).toEqual({
      code: null,
      output: '',
      timedOut: false,
      missing: true,
    });
  });
});

describe('buildx(): the plugin alone where docker would run it for sure, else docker buildx', () => {
  const as = (fake: FakeDocker) => fake.calls().map((c) => `${c.as}: ${c.argv.join(' ')}`);

  test('a plugin in the config directory’s cli-plugins: run alone, docker not started', async () => {
    const fake = installDocker([{ when: ['buildx', 'version'], answer: { stdout: 'v0.29.1\n' } }], { plugin: true });
    expect(await buildx(['version'], 5000)).toMatchObject({ code: 0, output: 'v0.29.1\n' });
    expect(as(fake)).toEqual(['plugin: buildx version']);
  });

  test('the plugin fails: docker is asked, and its answer counts', async () => {
    const fake = installDocker(
      [
        { when: ['inspect'], as: 'plugin', answer: { stderr: 'plugin: cannot\n', code: 1 } },
        { when: ['inspect'], as: 'docker', answer: { stderr: 'ERROR: no builder "ci" found\n', code: 1 } },
      ],
      { plugin: true },
    );
    expect(await buildx(['--builder', 'ci', 'inspect'], 5000)).toMatchObject({
      code: 1,
      output: 'ERROR: no builder "ci" found\n',
    });
    expect(as(fake)).toEqual(['plugin: buildx --builder ci inspect', 'docker: buildx --builder ci inspect']);
  });

  test('a ref the plugin says is not there: that answer stands, docker is not asked again', async () => {
    const fake = installDocker(
      [{ when: ['imagetools'], answer: { stderr: 'ERROR: r/app:cache.gone: not found\n', code: 1 } }],
      { plugin: true },
    );
    const [got] = (await probeRefs(['r/app:cache.gone'], undefined, 5000, false))!;
    expect(got!.state).toBe('missing');
    expect(as(fake)).toEqual(['plugin: buildx imagetools inspect --raw r/app:cache.gone']);
  });

  test('the plugin does not answer in time: not asked again through docker (the wait would double)', async () => {
    const fake = installDocker([{ when: [], answer: { sleepMs: 30_000 } }], { plugin: true });
    expect(await buildx(['inspect'], 300)).toMatchObject({ timedOut: true });
    expect(as(fake)).toEqual(['plugin: buildx inspect']);
  });

  test('cliPluginsExtraDirs in the config: docker decides which plugin runs, even with one in cli-plugins', async () => {
    const fake = installDocker([{ when: ['buildx', 'version'], answer: { stdout: 'v0.29.1\n' } }], {
      plugin: true,
      extraDirs: true,
    });
    expect(buildxPlugin(process.env)).toBeUndefined();
    expect((await buildx(['version'], 5000)).code).toBe(0);
    expect(as(fake)).toEqual(['docker: buildx version']);
  });

  test('the first plugin that exists cannot run (never chmod +x): docker is asked, as docker would pick that one', () => {
    const fake = installDocker([]);
    const config = join(fake.dir, 'config');
    writeFileSync(join(config, 'config.json'), '{}');
    writeFileSync(join(config, 'cli-plugins', 'docker-buildx'), '#!/bin/sh\n', { mode: 0o644 });
    expect(buildxPlugin(process.env)).toBeUndefined();
    chmodSync(join(config, 'cli-plugins', 'docker-buildx'), 0o755);
    expect(buildxPlugin(process.env)).toBe(join(config, 'cli-plugins', 'docker-buildx'));
  });

  test('the plugin there but no docker on PATH: not run alone (a build needs docker anyway)', () => {
    const fake = installDocker([], { plugin: true });
    expect(buildxPlugin(process.env)).toBe(join(fake.dir, 'config', 'cli-plugins', 'docker-buildx'));
    undo.push(noDockerOnPath());
    expect(buildxPlugin(process.env)).toBeUndefined();
  });

  test('no DOCKER_CONFIG: ~/.docker/cli-plugins, as docker looks', () => {
    installDocker([], { plugin: true }); // docker on PATH
    const home = tempDir('bbc-home-');
    mkdirSync(join(home, '.docker', 'cli-plugins'), { recursive: true });
    writeFileSync(join(home, '.docker', 'cli-plugins', 'docker-buildx'), '#!/bin/sh\n');
    chmodSync(join(home, '.docker', 'cli-plugins', 'docker-buildx'), 0o755);
    undo.push(setEnv('DOCKER_CONFIG', undefined), setEnv('HOME', home));
    expect(buildxPlugin(process.env)).toBe(join(home, '.docker', 'cli-plugins', 'docker-buildx'));
  });
});

describe('probeRefs()', () => {
  // Real `docker buildx imagetools inspect --raw` answers of buildx 0.29 (scripts/capture-fixtures.sh).
  const capture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', 'buildx', name), 'utf8');
  const CACHE = capture('0.29-imagetools-cache.json');
  const MISSING = capture('0.29-imagetools-missing.txt');

  test('one imagetools call per ref, with the builder; their answers classified', async () => {
    const fake = installDocker([
      { when: ['imagetools', 'r/app:cache.main'], answer: { stdout: CACHE } },
      { when: ['imagetools', 'r/app:cache.gone'], answer: { stderr: MISSING, code: 1 } },
    ]);
    const got = await probeRefs(['r/app:cache.main', 'r/app:cache.gone'], 'ci', 5000, false);
    expect(got?.map((r) => [r.ref, r.state])).toEqual([
      ['r/app:cache.main', 'exists'],
      ['r/app:cache.gone', 'missing'],
    ]);
    expect(fake.argvs().sort()).toEqual([
      ['buildx', '--builder', 'ci', 'imagetools', 'inspect', '--raw', 'r/app:cache.gone'],
      ['buildx', '--builder', 'ci', 'imagetools', 'inspect', '--raw', 'r/app:cache.main'],
    ]);
  });

  test('checkBuildx, and no buildx: undefined, nothing probed', async () => {
    const fake = installDocker([{ when: ['buildx'], answer: NO_BUILDX }]);
    expect(await probeRefs(['r/app:cache.main'], undefined, 5000)).toEqual(undefined);
    expect(fake.argvs()).toEqual([['buildx', 'version']]);
  });
});

describe('onPath()', () => {
  test('an executable file in one of PATH’s directories; not a plain file, a directory or an empty entry', () => {
    const root = tempDir('bbc-onpath-');
    const [bin, other] = [join(root, 'bin'), join(root, 'other')];
    mkdirSync(bin);
    mkdirSync(other);
    writeFileSync(join(bin, 'docker'), '#!/bin/sh\n');
    chmodSync(join(bin, 'docker'), 0o755);
    writeFileSync(join(other, 'plain'), 'not executable');
    chmodSync(join(other, 'plain'), 0o644);
    mkdirSync(join(other, 'dir-named-docker'));
    const found = (name: string, PATH: string | undefined) => onPath(name, { PATH });
    expect([
      found('docker', `${other}:${bin}`),
      found('docker', other),
      found('plain', other),
      found('dir-named-docker', other),
      found('docker', `:${other}:`),
      found('docker', undefined),
    ]).toEqual([true, false, false, false, false, false]);
  });
});
