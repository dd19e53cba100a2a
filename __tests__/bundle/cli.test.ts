// The bundled command line (dist/cli.js; setup.ts bundles it first), run as a CI
// runs it: a process with only that CI's variables. `build` runs against a fake
// `docker` on PATH that records its argv (the real engine is e2e/cli.test.ts).
import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pullRequestEvent, runAction } from '../../scripts/action-harness.mjs';
import { README } from '../readme.js';
import { tempDir } from '../temp-dirs.js';
import { bundledCli, CLI, type CliResult, NODE24, ROOT, workdir } from './harness.js';

/** What a test started and must stop, whether it passed or not. */
const afterThis: (() => void)[] = [];
afterEach(() => {
  for (const stop of afterThis.splice(0)) stop();
});

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};

/** An empty directory as PATH: no docker, so plan checks no refs and build says docker is missing. */
const NO_DOCKER = tempDir('bbc-nodocker-'); // removed after the file's tests, as every tempDir() (harness.ts)

function cli(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; node?: string } = {},
): Promise<CliResult> {
  return bundledCli(args, { ...opts, cwd: opts.cwd ?? workdir(), env: { PATH: NO_DOCKER, ...opts.env } });
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');
const IMAGE = 'ghcr.io/acme/app';
const from = (name: string) => `--cache-from=type=registry,ref=${IMAGE}:${name}`;
const to = (name: string) =>
  `--cache-to=type=registry,ref=${IMAGE}:${name},mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: the bundle project's setup.ts should have built it`);
});

describe('the package', () => {
  test('bin points at the bundle, which starts with a node shebang and is executable', () => {
    expect(pkg.bin['buildx-branch-cache']).toBe('dist/cli.js');
    const text = readFileSync(CLI, 'utf8');
    expect(text.slice(0, text.indexOf('\n') + 1)).toBe('#!/usr/bin/env node\n');
    // The bundle carries no @actions toolkit: it starts fast under npx.
    expect(text).not.toMatch(/GITHUB_STEP_SUMMARY|ACTIONS_ID_TOKEN_REQUEST_URL/);
    if (process.platform !== 'win32')
      execFileSync(CLI, ['--version'], { env: { PATH: `${join(process.execPath, '..')}` } });
  });
});

describe("plan, with each CI's variables", () => {
  test.each([
    [
      'GitLab CI, push to main',
      { GITLAB_CI: 'true', CI_COMMIT_BRANCH: 'main', CI_DEFAULT_BRANCH: 'main', CI_PIPELINE_SOURCE: 'push' },
      [from('cache.dependencies.main'), to('cache.dependencies.main')],
    ],
    [
      'GitLab CI, a new branch',
      { GITLAB_CI: 'true', CI_COMMIT_BRANCH: 'feature/x', CI_DEFAULT_BRANCH: 'main' },
      [from('cache.dependencies.feature_x'), from('cache.dependencies.main'), to('cache.dependencies.feature_x')],
    ],
    [
      'GitLab CI, a merge request into develop',
      {
        GITLAB_CI: 'true',
        CI_DEFAULT_BRANCH: 'main',
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/Login',
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'develop',
        CI_MERGE_REQUEST_PROJECT_ID: '7',
        CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '7',
      },
      [
        from('cache.dependencies.feature_Login'),
        from('cache.dependencies.develop'),
        from('cache.dependencies.main'),
        to('cache.dependencies.feature_Login'),
      ],
    ],
    [
      'GitLab CI, a merge request from a fork: no --cache-to',
      {
        GITLAB_CI: 'true',
        CI_DEFAULT_BRANCH: 'main',
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'main',
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
        CI_MERGE_REQUEST_PROJECT_ID: '7',
        CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '666',
      },
      [from('cache.dependencies.main')],
    ],
    [
      'GitLab CI, a tag',
      { GITLAB_CI: 'true', CI_DEFAULT_BRANCH: 'main', CI_COMMIT_TAG: 'v1.0.0' },
      [from('cache.dependencies.main')],
    ],
    [
      'Jenkins, a pull request (BRANCH_NAME is PR-12)',
      {
        JENKINS_URL: 'https://ci/',
        BRANCH_NAME: 'PR-12',
        CHANGE_ID: '12',
        CHANGE_BRANCH: 'feature/y',
        CHANGE_TARGET: 'release',
      },
      [
        from('cache.dependencies.feature_y'),
        from('cache.dependencies.release'),
        from('cache.dependencies.main'),
        to('cache.dependencies.feature_y'),
      ],
    ],
    [
      'Jenkins, a pull request from a fork',
      {
        JENKINS_URL: 'https://ci/',
        BRANCH_NAME: 'PR-13',
        CHANGE_ID: '13',
        CHANGE_BRANCH: 'feature/y',
        CHANGE_TARGET: 'main',
        CHANGE_FORK: 'mallory',
      },
      [from('cache.dependencies.feature_y'), from('cache.dependencies.main')],
    ],
    [
      'Jenkins, a tag',
      { JENKINS_URL: 'https://ci/', BRANCH_NAME: 'v2', TAG_NAME: 'v2' },
      [from('cache.dependencies.main')],
    ],
    [
      'Buildkite, a branch of a pipeline whose default is trunk',
      {
        BUILDKITE: 'true',
        BUILDKITE_BRANCH: 'feature/z',
        BUILDKITE_PULL_REQUEST: 'false',
        BUILDKITE_PIPELINE_DEFAULT_BRANCH: 'trunk',
      },
      [from('cache.dependencies.feature_z'), from('cache.dependencies.trunk'), to('cache.dependencies.feature_z')],
    ],
    [
      'Buildkite, a pull request from a fork',
      {
        BUILDKITE: 'true',
        BUILDKITE_BRANCH: 'feature/z',
        BUILDKITE_PULL_REQUEST: '9',
        BUILDKITE_PULL_REQUEST_BASE_BRANCH: 'trunk',
        BUILDKITE_PIPELINE_DEFAULT_BRANCH: 'trunk',
        BUILDKITE_REPO: 'git@github.com:acme/app.git',
        BUILDKITE_PULL_REQUEST_REPO: 'https://github.com/mallory/app.git',
      },
      [from('cache.dependencies.feature_z'), from('cache.dependencies.trunk')],
    ],
    [
      'Buildkite, a tag',
      { BUILDKITE: 'true', BUILDKITE_BRANCH: 'v3', BUILDKITE_TAG: 'v3', BUILDKITE_PIPELINE_DEFAULT_BRANCH: 'main' },
      [from('cache.dependencies.main')],
    ],
    [
      'plain BRANCH_NAME',
      { BRANCH_NAME: 'feature/plain' },
      [
        from('cache.dependencies.feature_plain'),
        from('cache.dependencies.main'),
        to('cache.dependencies.feature_plain'),
      ],
    ],
    ['no CI, no branch: imports main only', {}, [from('cache.dependencies.main')]],
  ] as [string, Record<string, string>, string[]][])('%s', async (_name, env, flags) => {
    const r = await cli(['plan', '--image', IMAGE, '--target', 'dependencies'], { env });
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(flags);
    // The decision log goes to stderr, where $(...) does not capture it.
    expect(r.stderr).toMatch(/why: /);
  });

  test('GitHub Actions: the same flags as the action itself, from the same event', async () => {
    const event = pullRequestEvent('feature/Login-FORM', 'develop');
    const cwd = workdir();
    const action = await runAction({ cwd, event, inputs: { image: IMAGE, build: 'false', 'probe-cache': 'false' } });
    expect(action.code).toBe(0);
    const payload = join(cwd, 'event.json');
    writeFileSync(payload, JSON.stringify(event.payload));
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: event.name,
      GITHUB_EVENT_PATH: payload,
      GITHUB_REF: event.ref!,
      GITHUB_HEAD_REF: event.headRef!,
      GITHUB_BASE_REF: event.baseRef!,
    };
    const r = await cli(['plan', '--json', '--image', IMAGE], { env, cwd });
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(plan['ci']).toBe('github');
    expect(plan['branch']).toBe(action.outputs['branch']);
    expect(plan['slug']).toBe(action.outputs['branch-slug']);
    expect(plan['cacheFrom']).toEqual(action.outputs['cache-from']!.split('\n'));
    expect(plan['cacheTo']).toEqual(action.outputs['cache-to']!.split('\n'));
    expect(plan['cacheRef']).toBe(action.outputs['cache-ref']);
    expect(plan['fallbacks']).toEqual(['develop', 'main']);
  });

  test('explicit options win over the CI', async () => {
    const env = { GITLAB_CI: 'true', CI_COMMIT_BRANCH: 'feature/x', CI_DEFAULT_BRANCH: 'main' };
    const r = await cli(
      [
        'plan',
        '--image',
        IMAGE,
        '--target',
        'dependencies',
        '--branch',
        'hotfix',
        '--fallback',
        'release/1',
        '--fallback',
        'main',
        '--export-cache',
        'false',
      ],
      { env },
    );
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([
      from('cache.dependencies.hotfix'),
      from('cache.dependencies.release_1'),
      from('cache.dependencies.main'),
    ]);
    expect(r.stderr).toMatch(/branch set by input: hotfix/);
  });

  test("a merge commit's message names the first fallback; --pull-request-fallbacks false reads none", async () => {
    const env = {
      GITLAB_CI: 'true',
      CI_COMMIT_BRANCH: 'develop',
      CI_DEFAULT_BRANCH: 'main',
      CI_COMMIT_MESSAGE: "Merge branch 'feature/x' into 'develop'",
    };
    const plan = async (...more: string[]) => {
      const r = await cli(['plan', '--json', '-q', '--image', IMAGE, ...more], { env });
      expect([r.code, r.stderr]).toEqual([0, '']);
      return (JSON.parse(r.stdout) as { fallbacks: string[] }).fallbacks;
    };
    expect(await plan()).toEqual(['feature/x', 'main']);
    expect(await plan('--pull-request-fallbacks', 'false')).toEqual(['main']);
  });

  test('--json: branch, slug, fallbacks, flags, cache ref and reasons', async () => {
    const env = { GITLAB_CI: 'true', CI_COMMIT_BRANCH: 'Feature/Über', CI_DEFAULT_BRANCH: 'main' };
    const r = await cli(['plan', '--json', '-q', '--image', IMAGE, '--target', 'dependencies', '-t', `${IMAGE}:x`], {
      env,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({
      ci: 'gitlab',
      branch: 'Feature/Über',
      slug: 'Feature___dc_ber',
      defaultBranch: 'main',
      fallbacks: ['main'],
      exportCache: true,
      stage: 'dependencies',
      cacheFrom: [
        `type=registry,ref=${IMAGE}:cache.dependencies.Feature___dc_ber`,
        `type=registry,ref=${IMAGE}:cache.dependencies.main`,
      ],
      cacheTo: [
        `type=registry,ref=${IMAGE}:cache.dependencies.Feature___dc_ber,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
      ],
      cacheRef: `${IMAGE}:cache.dependencies.Feature___dc_ber`,
      reasons: ['GitLab CI: branch pipeline on Feature/Über'],
      imports: [expect.objectContaining({ state: 'not checked' }), expect.objectContaining({ branch: 'main' })],
    });
    expect((JSON.parse(r.stdout) as { args: string[] }).args).toEqual(
      expect.arrayContaining(['--tag', `${IMAGE}:x`, '--target', 'dependencies']),
    );
  });

  test("the flags survive the shell's word splitting as one argument each", async () => {
    const cwd = workdir();
    const command = `set -- $("${process.execPath}" "${CLI}" plan -q --image ${IMAGE}); printf '%s\\n' "$@"`;
    const out = execFileSync('/bin/sh', ['-c', command], {
      cwd,
      env: { PATH: NO_DOCKER, BRANCH_NAME: 'feature/x' },
      encoding: 'utf8',
    });
    expect(lines(out)).toHaveLength(5);
    expect(lines(out)[0]).toBe(from('cache.build.feature_x'));
  });

  test('PATH names the context; secrets never reach standard error', async () => {
    const parent = workdir({ 'app/Dockerfile': 'FROM scratch AS only\nRUN x\n' });
    const r = await cli(['plan', 'app', '--cache-type', 'gha', '--cache-options', 'token=hunter2'], {
      cwd: parent,
      env: { BRANCH_NAME: 'b' },
    });
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toBe('--cache-from=type=gha,scope=cache.only.b,token=hunter2');
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).toContain('token=***');
  });
});

describe('help and version', () => {
  test.each([['--help'], ['-h'], ['help'], ['plan', '--help']])('%s', async (...args) => {
    const r = await cli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: buildx-branch-cache plan/);
    expect(r.stdout).toMatch(/values hold commas but no spaces/);
    expect(r.stderr).toBe('');
  });

  test('--version', async () => {
    const r = await cli(['--version']);
    expect(r).toEqual({ code: 0, stdout: `buildx-branch-cache ${pkg.version}\n`, stderr: '' });
  });
});

describe('exit codes', () => {
  test.each([
    [[], /no command given/],
    [['plan', '--imgae', IMAGE], /unknown option --imgae \(did you mean --image\?\)/],
    [['plan', '--image'], /--image needs a value/],
    [['frobnicate'], /unknown command/],
    [['plan', '--', '--ssh'], /only go with the build command/],
  ] as [string[], RegExp][])('usage error %j: 2, a line and a hint on stderr', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)[0]).toMatch(message);
    expect(lines(r.stderr)[1]).toBe("Try 'buildx-branch-cache --help' for more information.");
  });

  test.each([
    [['plan', '--image', IMAGE, '--file', 'nope/Dockerfile'], /--file: nope\/Dockerfile does not exist/],
    [['plan', '--image', IMAGE, '--cache-mode', 'huge'], /--cache-mode: "huge" is not a cache mode/],
    [['plan', '--image', IMAGE, '--target', 'nope'], /--target: "nope" is not a stage of Dockerfile/],
    [['plan'], /--image: is required for cache-type registry/],
    [
      ['plan', '--image', IMAGE, '--export-cache', 'true'],
      /--export-cache: is true, but this build \(no CI detected\) has no branch to write to: also set --branch/,
    ],
    [['build', '--image', IMAGE], /docker is not on PATH/],
  ] as [string[], RegExp][])('failure %j: 1, one line, no stack', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const errors = lines(r.stderr).filter((l) => l.startsWith('buildx-branch-cache: ') && !l.includes(' (fallbacks: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  test('a fork asking to write: 0, imports only, with a warning (a cache setting never fails a build)', async () => {
    const env = {
      JENKINS_URL: 'https://ci/',
      BRANCH_NAME: 'PR-1',
      CHANGE_ID: '1',
      CHANGE_BRANCH: 'main',
      CHANGE_FORK: 'mallory',
    };
    const r = await cli(['plan', '--image', IMAGE, '--export-cache', 'true'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: export-cache is true, but the code comes from the fork mallory/);
    expect(r.stdout).not.toContain('--cache-to');
  });
});

/** A `docker` that answers buildx's questions and records the build's argv (removed after the file's tests). */
function fakeDocker(): { dir: string; argvFile: string } {
  const dir = tempDir('bbc-fakedocker-');
  const argvFile = join(dir, 'argv');
  writeFileSync(
    join(dir, 'docker'),
    [
      '#!/bin/sh',
      'eval "last=\\${$#}"',
      'case " $* " in',
      '  *" imagetools "*) case "$last" in *-main) exit 0;; *) echo "ERROR: $last: not found" >&2; exit 1;; esac;;',
      '  *" buildx version "*) echo "github.com/docker/buildx v0.13.1 fake"; exit 0;;',
      '  *" inspect "*) printf "Name:   fake\\nDriver: docker-container\\n\\nNodes:\\nName:   fake0\\nStatus: running\\nBuildKit version: v0.13.2\\n"; exit 0;;',
      'esac',
      `for a in "$@"; do printf '%s\\n' "$a"; done > "${argvFile}"`,
      'echo "image bytes on stdout"',
      'echo "ERROR: fake build says hello" >&2',
      'exit "${FAKE_EXIT:-0}"',
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, 'docker'), 0o755);
  return { dir, argvFile };
}

describe('build (a fake docker)', () => {
  const env = { GITLAB_CI: 'true', CI_COMMIT_BRANCH: 'feature/x', CI_DEFAULT_BRANCH: 'main' };

  test('runs buildx with an argv array: the probed imports, the export, extra args before the context', async () => {
    const fake = fakeDocker();
    // A registry on this machine that holds main's dependencies cache and nothing else.
    const config = JSON.stringify({ records: [{ digest: 'sha256:k' }] });
    const sha = (b: string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    const manifest = JSON.stringify({
      config: { mediaType: 'application/vnd.buildkit.cacheconfig.v0', digest: sha(config) },
    });
    const server = createServer((req, res) => {
      const body =
        req.url === '/v2/acme/app/manifests/cache.dependencies.main'
          ? manifest
          : req.url === `/v2/acme/app/blobs/${sha(config)}`
            ? config
            : undefined;
      res.writeHead(body === undefined ? 404 : 200).end(body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    // Closed whatever the assertions say, so that a failure does not keep jest from exiting.
    afterThis.push(() => server.close());
    const image = `127.0.0.1:${(server.address() as AddressInfo).port}/acme/app`;
    const r = await cli(
      [
        'build',
        '--image',
        image,
        '--target',
        'dependencies',
        '--network',
        'none',
        '-t',
        `${image}:x`,
        '--push',
        '--',
        '--ssh',
        'default',
        '--label',
        'a=b c',
      ],
      { env: { ...env, PATH: fake.dir } },
    );
    expect(r.code).toBe(0);
    const argv = lines(readFileSync(fake.argvFile, 'utf8'));
    const metadata = argv[argv.indexOf('--metadata-file') + 1];
    const iid = argv[argv.indexOf('--iidfile') + 1];
    expect(argv).toEqual([
      'buildx',
      'build',
      '--progress=rawjson',
      '--tag',
      `${image}:x`,
      '--target',
      'dependencies',
      '--network',
      'none',
      // The branch's own ref does not exist yet: only main's is imported.
      '--cache-from',
      `type=registry,ref=${image}:cache.dependencies.main`,
      '--cache-to',
      `type=registry,ref=${image}:cache.dependencies.feature_x,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
      '--push',
      '--iidfile',
      iid,
      '--metadata-file',
      metadata,
      '--ssh',
      'default',
      '--label',
      'a=b c',
      '.',
    ]);
    // buildx's stdout is ours untouched; its stderr is the log, after the decision.
    expect(r.stdout).toBe('image bytes on stdout\n');
    expect(r.stderr).toContain(`${image}:cache.dependencies.feature_x: not found`);
    expect(r.stderr).toMatch(/ERROR: fake build says hello/);
  });

  test("the exit status is buildx's", async () => {
    const fake = fakeDocker();
    const r = await cli(['build', '--image', IMAGE], { env: { ...env, PATH: fake.dir, FAKE_EXIT: '3' } });
    expect(r.code).toBe(3);
    expect(lines(r.stderr).pop()).toBe(
      'buildx-branch-cache: docker buildx build failed with exit code 3: see the build log above',
    );
  });

  test('secrets go to buildx as files, never as values', async () => {
    const fake = fakeDocker();
    const r = await cli(['build', '--image', IMAGE, '--secrets', 'npm=s3cr3t'], { env: { ...env, PATH: fake.dir } });
    expect(r.code).toBe(0);
    const argv = readFileSync(fake.argvFile, 'utf8');
    expect(argv).toMatch(/^id=npm,src=\/.+secret-0$/m);
    expect(argv).not.toContain('s3cr3t');
    expect(r.stderr).not.toContain('s3cr3t');
  });
});

// The runner's runtime for the action is Node 24; the command runs under whatever node the CI has.
(NODE24 ? test : test.skip)('under Node 24 too', async () => {
  const r = await cli(['plan', '--image', IMAGE, '--target', 'dependencies'], {
    node: NODE24!,
    env: { BRANCH_NAME: 'main' },
  });
  expect(r.code).toBe(0);
  expect(lines(r.stdout)).toEqual([from('cache.dependencies.main'), to('cache.dependencies.main')]);
});

describe("the README's GitLab CI and Jenkins examples (a fake docker)", () => {
  const section = README.slice(README.indexOf('## Other CI systems (command line)'), README.indexOf('## Development'));
  /** The command's words, as sh would give them after expanding the CI's variables. */
  const words = (command: string, vars: Record<string, string>) =>
    command
      .replace(/\$\{?([A-Z_]+)\}?/g, (_m, name: string) => vars[name] ?? '')
      .split(/\s+/)
      .map((w) => w.replace(/^"|"$/g, ''))
      .filter((w) => w !== '');
  const commands = (block: RegExp) =>
    [...(section.match(block)?.[1] ?? '').matchAll(/npx --yes \S+ (build .*?)'?$/gm)].map((m) => m[1]!);

  test.each([
    [
      'GitLab CI',
      /```yaml\n([\s\S]*?)```/,
      {
        GITLAB_CI: 'true',
        CI_COMMIT_BRANCH: 'feature/x',
        CI_DEFAULT_BRANCH: 'main',
        CI_REGISTRY_IMAGE: 'registry.gitlab.com/acme/app',
        CI_COMMIT_SHA: 'abc123',
      },
      'registry.gitlab.com/acme/app',
    ],
    [
      'Jenkins',
      /```groovy\n([\s\S]*?)```/,
      {
        JENKINS_URL: 'https://ci/',
        BRANCH_NAME: 'feature/x',
        IMAGE: 'registry.example.com/acme/app',
        GIT_COMMIT: 'abc123',
      },
      'registry.example.com/acme/app',
    ],
  ] as [string, RegExp, Record<string, string>, string][])(
    '%s: both build jobs run and write their own stage',
    async (_name, block, vars, image) => {
      const found = commands(block);
      expect(found).toHaveLength(2);
      const written: string[] = [];
      for (const command of found) {
        const fake = fakeDocker();
        const r = await cli(words(command, vars), { env: { ...vars, PATH: fake.dir } });
        // (The fake reports no cache export, so a warning about it is expected.)
        expect([command, r.code, r.code === 0 ? '' : r.stderr]).toEqual([command, 0, '']);
        const argv = lines(readFileSync(fake.argvFile, 'utf8'));
        expect(argv).toContain('--push');
        written.push(argv[argv.indexOf('--cache-to') + 1]!.split(',')[1]!);
      }
      expect(written).toEqual([`ref=${image}:cache.dependencies.feature_x`, `ref=${image}:cache.build.feature_x`]);
    },
  );
});
