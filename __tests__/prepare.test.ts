// prepare.ts in this process: the Dockerfile read, the secret files, the builder
// check (preflight) against a fake docker that answers with real buildx output
// (fake-docker.ts), and the cache-ref look-up against a real HTTP registry on
// 127.0.0.1 (fake-registry.ts).
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decide, type Decision } from '../src/core/decide.js';
import { InputError } from '../src/core/errors.js';
import { parseConfig, type Config } from '../src/core/inputs.js';
import { logLines } from '../src/core/report.js';
import type { Log, Remedies } from '../src/shell/host.js';
import { preflight } from '../src/shell/builder-check.js';
import { prepare, readDockerfile, writeSecretFiles } from '../src/shell/prepare.js';
import {
  BUILDX_VERSION,
  capture,
  FakeDocker,
  INSPECT,
  NO_BUILDX,
  noBuilder,
  noDockerOnPath,
  setEnv,
  type Rule,
} from './fake-docker.js';
import { fakeRegistry, type FakeRegistry } from './fake-registry.js';

const REMEDIES: Remedies = {
  file: 'REMEDY-FILE: set the file input',
  noDocker: 'REMEDY-NO-DOCKER: install Docker',
  noBuildx: 'REMEDY-NO-BUILDX: add docker/setup-buildx-action',
};

const temps: string[] = [];
const temp = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `bbc-${name}-`));
  temps.push(dir);
  return dir;
};

/** Cleanups for what a test installs (PATH, DOCKER_CONFIG, servers), run after it whatever happened. */
const undo: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of undo.splice(0).reverse()) await f();
  for (const d of temps.splice(0)) {
    chmodSync(d, 0o700);
    rmSync(d, { recursive: true, force: true });
  }
});

/** The error `f` rejects or throws with; fails the test when it settles without one. */
async function failure(f: () => Promise<unknown>): Promise<Error> {
  try {
    await f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}
function thrownBy(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('readDockerfile', () => {
  test('reads the file', () => {
    const file = join(temp('df'), 'Dockerfile');
    writeFileSync(file, 'FROM alpine\nRUN true\n');
    expect(readDockerfile(file, REMEDIES.file)).toEqual('FROM alpine\nRUN true\n');
  });

  test('a missing file: one line that names it and gives the remedy', () => {
    const file = join(temp('df'), 'Dockerfile');
    const e = thrownBy(() => readDockerfile(file, REMEDIES.file));
    expect([e instanceof InputError, e.message]).toEqual([true, `file: ${file} does not exist: ${REMEDIES.file}`]);
  });

  test('a directory: one line that names it and gives the remedy', () => {
    const dir = temp('df');
    const e = thrownBy(() => readDockerfile(dir, REMEDIES.file));
    expect([e instanceof InputError, e.message]).toEqual([true, `file: ${dir} is a directory: ${REMEDIES.file}`]);
  });

  // Root reads a chmod 000 file anyway: the case cannot happen then, and the test says it was skipped.
  const asRoot = process.getuid?.() === 0;
  (asRoot ? test.skip : test)(
    `an unreadable file (chmod 000): one line with the reason${asRoot ? ' [SKIPPED: root reads it]' : ''}`,
    () => {
      const file = join(temp('df'), 'Dockerfile');
      writeFileSync(file, 'FROM alpine\n');
      chmodSync(file, 0o000);
      const e = thrownBy(() => readDockerfile(file, REMEDIES.file));
      expect([e instanceof InputError, e.message]).toEqual([
        true,
        `file: ${file} cannot be read (EACCES): ${REMEDIES.file}`,
      ]);
    },
  );
});

describe('writeSecretFiles', () => {
  const PEM = [
    '-----BEGIN OPENSSH PRIVATE KEY-----',
    'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
    'QyNTUxOQAAACDx6w0Vt3fJ4kC0bq1m5o3fXhZ0n5o1k3Zl1QZbq8L9wAAAJgAAAAAAAAAA',
    '-----END OPENSSH PRIVATE KEY-----',
    '',
  ].join('\n');

  test('one owner-only file per secret, holding exactly its value (a multi-line PEM too)', () => {
    const dir = temp('secrets');
    const secrets = [
      { id: 'ssh_key', value: PEM },
      { id: 'token', value: 'ghp_abc "quoted" end' },
      { id: 'npmrc', value: '"' },
    ];
    const files = writeSecretFiles(dir, secrets);
    expect(files.map((f) => f.id)).toEqual(['ssh_key', 'token', 'npmrc']);
    expect(new Set(files.map((f) => f.src)).size).toEqual(3);
    expect(readdirSync(dir).sort()).toEqual(files.map((f) => f.src.slice(dir.length + 1)).sort());
    expect(files.map((f) => readFileSync(f.src, 'utf8'))).toEqual([PEM, 'ghp_abc "quoted" end', '"']);
    expect(files.map((f) => (statSync(f.src).mode & 0o777).toString(8))).toEqual(['600', '600', '600']);
  });

  test('no secrets, no files', () => {
    const dir = temp('secrets');
    expect(writeSecretFiles(dir, [])).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

// --- preflight and prepare -------------------------------------------------------------------------

const DOCKERFILE = 'FROM alpine AS base\nRUN true\n\nFROM base AS build\nRUN echo built > /built\n';
/** A push to feature/x of a repository whose default branch is main: imports feature/x's caches, then main's. */
const SOURCE = {
  event: { eventName: 'push', ref: 'refs/heads/feature/x', payload: { repository: { default_branch: 'main' } } },
};

function setup(inputs: Record<string, string>): {
  config: Config;
  d: Decision;
  redo: (o: { inlineFallback?: boolean }) => Decision;
} {
  const config = parseConfig((n) => inputs[n] ?? '');
  const redo = (o: { inlineFallback?: boolean }) => decide(config, SOURCE, DOCKERFILE, 'Dockerfile', o);
  return { config, d: redo({}), redo };
}

function recordingLog(): Log & { infos: string[]; warns: string[] } {
  const infos: string[] = [];
  const warns: string[] = [];
  return { infos, warns, info: (l) => infos.push(l), warn: (m) => warns.push(m) };
}

const rules = (version: string, inspect: string): Rule[] => [
  { when: ['buildx', 'version'], answer: { stdout: version } },
  { when: ['buildx', 'inspect'], answer: { stdout: inspect } },
];

function installDocker(r: Rule[]): FakeDocker {
  const fake = new FakeDocker(r);
  undo.push(() => fake.restore());
  return fake;
}

let registry: FakeRegistry;
beforeEach(() => {
  // The look-up reads credentials from the Docker config: an empty one, not this machine's.
  const dir = temp('docker-config');
  writeFileSync(join(dir, 'config.json'), '{"auths":{}}');
  undo.push(setEnv('DOCKER_CONFIG', dir));
});
async function startRegistry(tags: string[]): Promise<FakeRegistry> {
  registry = await fakeRegistry(tags);
  undo.push(() => registry.close());
  return registry;
}

describe('preflight', () => {
  const base = { image: '127.0.0.1:1/acme/app', push: 'true' };

  test('no docker on PATH: the noDocker remedy', async () => {
    undo.push(noDockerOnPath());
    const { config, d, redo } = setup(base);
    const e = await failure(() => preflight(config, d, redo, recordingLog(), REMEDIES));
    expect(e.message).toEqual(`docker is not on PATH: ${REMEDIES.noDocker}`);
  });

  test('docker without buildx (the real CLI\'s "unknown command"): the noBuildx remedy', async () => {
    const fake = installDocker([{ when: ['buildx'], answer: NO_BUILDX }]);
    const { config, d, redo } = setup(base);
    const e = await failure(() => preflight(config, d, redo, recordingLog(), REMEDIES));
    expect(e.message).toEqual(`docker buildx is not available: ${REMEDIES.noBuildx}`);
    // Both asked at once; the version's answer decides the error.
    expect(fake.argvs().sort()).toEqual([
      ['buildx', 'inspect'],
      ['buildx', 'version'],
    ]);
  });

  test('buildx 0.11: too old to report, with the noBuildx remedy', async () => {
    const fake = installDocker(rules(BUILDX_VERSION['0.11'], INSPECT.docker));
    const { config, d, redo } = setup(base);
    const e = await failure(() => preflight(config, d, redo, recordingLog(), REMEDIES));
    expect(e.message).toEqual(
      `docker buildx 0.11 is too old (0.12 or later reports what the cache did): ${REMEDIES.noBuildx}`,
    );
    expect(fake.argvs().sort()).toEqual([
      ['buildx', 'inspect'],
      ['buildx', 'version'],
    ]);
  });

  test.each([
    ['0.13', 'docker (containerd store)', capture('0.13-inspect-docker.txt')],
    ['0.29', 'docker-container', INSPECT.dockerContainer],
  ] as const)('buildx %s, a %s builder that can export: the decision stands', async (v, _kind, inspect) => {
    const fake = installDocker(rules(BUILDX_VERSION[v], inspect));
    const { config, d, redo } = setup(base);
    const log = recordingLog();
    expect(await preflight(config, d, redo, log, REMEDIES)).toBe(d);
    expect([log.infos, log.warns]).toEqual([[], []]);
    expect(fake.argvs().sort()).toEqual([
      ['buildx', 'inspect'],
      ['buildx', 'version'],
    ]);
  });

  test("buildx inspect fails (no such builder): an InputError on builder quoting buildx's last line", async () => {
    const fake = installDocker([
      { when: ['buildx', 'version'], answer: { stdout: BUILDX_VERSION['0.29'] } },
      // The docker CLI warns first when its config file cannot be read; buildx's own error is the last line.
      {
        when: ['buildx', 'inspect'],
        answer: {
          ...noBuilder('ci-builder'),
          stderr:
            'WARNING: Error loading config file: /home/runner/.docker/config.json: unexpected end of JSON input\n' +
            noBuilder('ci-builder').stderr,
        },
      },
    ]);
    const { config, d, redo } = setup({ ...base, builder: 'ci-builder' });
    const e = await failure(() => preflight(config, d, redo, recordingLog(), REMEDIES));
    expect([e instanceof InputError && e.input, e.message]).toEqual([
      'builder',
      'builder: buildx cannot use builder "ci-builder": no builder "ci-builder" found',
    ]);
    expect(fake.argvs().sort()).toEqual([
      ['buildx', '--builder', 'ci-builder', 'inspect'],
      ['buildx', 'version'],
    ]);
  });

  test('docker driver without the containerd store, no fallback: InputError on builder, the remedies', async () => {
    installDocker(rules(BUILDX_VERSION['0.29'], INSPECT.dockerClassic));
    const { config, d, redo } = setup(base);
    const e = await failure(() => preflight(config, d, redo, recordingLog(), REMEDIES));
    expect([e instanceof InputError && e.input, e.message]).toEqual([
      'builder',
      'builder: builder "default" uses the docker driver without the containerd image store, which cannot export ' +
        'a registry cache: add docker/setup-buildx-action before this step (a docker-container builder), ' +
        'turn on the containerd image store, or set fallback-to-inline: true (with push: true)',
    ]);
  });
});

describe('prepare', () => {
  test('build, docker driver, classic store, fallback-to-inline, push: inline, its refs looked up again', async () => {
    installDocker(rules(BUILDX_VERSION['0.29'], INSPECT.dockerClassic));
    // Every current tag exists (no old-scheme tag is looked for), so the requests are the plans' refs only.
    const tags = ['cache.build.feature_x', 'cache.base.feature_x', 'cache.build.main', 'cache.base.main'];
    const reg = await startRegistry(tags);
    const { config, d, redo } = setup({
      image: `${reg.host}/acme/app`,
      push: 'true',
      'fallback-to-inline': 'true',
    });
    expect([d.backend.type, d.plan.imports.map((e) => e.name)]).toEqual(['registry', tags]);
    const log = recordingLog();

    const got = await prepare(config, d, true, redo, log, REMEDIES);

    const inline = redo({ inlineFallback: true });
    const inlineTags = inline.plan.imports.map((e) => e.name);
    expect(inlineTags).toEqual(['cache.build.feature_x', 'cache.build.main']);
    // The registry plan's refs (looked up while the builder was checked), then the inline plan's.
    const asked = reg.manifestTags();
    expect([asked.slice(0, tags.length).sort(), asked.slice(tags.length).sort()]).toEqual([
      [...tags].sort(),
      [...inlineTags].sort(),
    ]);
    expect(got.d.backend.type).toEqual('inline');
    expect(got.d.plan.cacheTo).toEqual(['type=inline']);
    // What is imported and logged is the inline plan's, looked up: not the registry plan's.
    expect(got.d.plan.imports.map((e) => e.ref)).toEqual(inline.plan.imports.map((e) => e.ref));
    // main's cache holds the same records as feature/x's: it adds nothing, so buildx gets feature/x's only.
    expect(got.d.plan.cacheFrom).toEqual([`type=registry,ref=${reg.host}/acme/app:cache.build.feature_x`]);
    expect(log.warns).toEqual([expect.stringContaining('falling back to the inline cache (fallback-to-inline)')]);
    expect(log.infos.slice(0, logLines(inline).length)).toEqual(logLines(inline));
    expect(log.infos.slice(logLines(inline).length).map((l) => l.split(': ')[0])).toEqual(
      inline.plan.imports.map((e) => e.ref),
    );
  });

  test('build, a builder that can export: the refs are looked up once, those that exist imported', async () => {
    const fake = installDocker(rules(BUILDX_VERSION['0.29'], INSPECT.dockerContainer));
    const reg = await startRegistry(['cache.build.main']);
    const { config, d, redo } = setup({ image: `${reg.host}/acme/app`, push: 'true' });
    const log = recordingLog();
    const got = await prepare(config, d, true, redo, log, REMEDIES);
    const planned = d.plan.imports.map((e) => e.name);
    // The current tags once each; feature/x and main have no current tags of base, nor feature/x of build:
    // their old-scheme twins are looked for after them.
    expect(reg.manifestTags().slice(0, planned.length).sort()).toEqual([...planned].sort());
    expect(got.d.backend.type).toEqual('registry');
    expect(got.selection?.imports.map((e) => e.name)).toEqual(['cache.build.main']);
    expect(got.d.plan.cacheFrom).toEqual([`type=registry,ref=${reg.host}/acme/app:cache.build.main`]);
    // The one ref there is: imported unread, and said so plainly (not as a failure to read it).
    expect(log.infos).toContain(`${reg.host}/acme/app:cache.build.main: imported (the only one found)`);
    expect(reg.requests.filter((q) => q.startsWith('GET '))).toEqual([]);
    // The version and the builder side by side: in either order.
    expect(fake.argvs().sort()).toEqual([
      ['buildx', 'inspect'],
      ['buildx', 'version'],
    ]);
    expect(log.warns).toEqual([]);
  });

  test('no build, no docker on PATH: the refs are not checked, and the log says so', async () => {
    undo.push(noDockerOnPath());
    const reg = await startRegistry(['cache.build.main']);
    const { config, d, redo } = setup({ image: `${reg.host}/acme/app`, push: 'true' });
    const log = recordingLog();
    expect(await prepare(config, d, false, redo, log, REMEDIES)).toEqual({ d });
    expect([reg.requests, log.infos]).toEqual([[], ['docker is not on PATH here, so the cache refs were not checked']]);
  });

  test('no build, docker on PATH: the refs are checked over HTTP, no docker process, one log line each', async () => {
    const fake = installDocker([{ when: ['buildx'], answer: NO_BUILDX }]);
    const reg = await startRegistry(['cache.build.feature_x']);
    const { config, d, redo } = setup({ image: `${reg.host}/acme/app`, push: 'true' });
    const log = recordingLog();
    const got = await prepare(config, d, false, redo, log, REMEDIES);
    expect(fake.argvs()).toEqual([]);
    expect(got.selection?.imports.map((e) => e.name)).toEqual(['cache.build.feature_x']);
    expect(log.infos.map((l) => l.split(': ')[0])).toEqual(got.d.plan.imports.map((e) => e.ref));
  });
});
