// The command line's argument parsing and printing, without a process.
import { describe, expect, test } from '@jest/globals';
import { inputGetter, inputNames, parseArgs, UsageError } from '../src/cli/args.js';
import { helpText } from '../src/cli/help.js';
import { planFlags, unsafeWords } from '../src/cli/plan-output.js';
import { CLI_WORDS } from '../src/cli/host.js';
import { withExtraArgs } from '../src/core/buildx.js';
import { InputError } from '../src/core/errors.js';
import { ciFacts } from '../src/core/ci.js';
import { decide } from '../src/core/decide.js';
import { INPUT_DEFAULTS } from '../src/core/input-getter.js';
import { parseConfig } from '../src/core/inputs.js';
import { PIPELINE } from '../e2e/fixtures.mjs';

function config(argv: string[]) {
  return parseConfig(inputGetter(parseArgs(argv)));
}

describe('parseArgs', () => {
  test('the command, then options as action inputs', () => {
    const cli = parseArgs(['plan', '--image', 'ghcr.io/acme/app', '--target=dependencies']);
    expect(cli).toMatchObject({
      command: 'plan',
      inputs: { image: 'ghcr.io/acme/app', target: 'dependencies' },
      json: false,
      extraArgs: [],
    });
  });

  test('every build input of the action is an option, and the cleanup-only ones are not', () => {
    for (const name of inputNames()) expect(parseArgs(['plan', `--${name}=x`]).inputs[name]).toBe('x');
    expect(inputNames()).toEqual(
      expect.arrayContaining(['image', 'cache-type', 'fallback-branches', 'network', 'secrets', 'provenance']),
    );
    expect(inputNames()).not.toContain('build');
    for (const name of Object.keys(INPUT_DEFAULTS).filter((n) => !inputNames().includes(n) && n !== 'build')) {
      expect(() => parseArgs(['plan', `--${name}=x`])).toThrow(UsageError);
    }
  });

  test('repeated list options collect; singular spellings are aliases', () => {
    const c = config([
      'build',
      '--fallback',
      'develop',
      '--fallback',
      'main',
      '-t',
      'a:1',
      '--tag',
      'a:2',
      '--tags',
      'a:3',
      '--build-arg',
      'X=1,2',
      '--build-arg',
      'Y=3',
      '--label',
      'l=1',
      '--platform',
      'linux/amd64',
    ]);
    expect(c.fallbackBranches).toEqual(['develop', 'main']);
    expect(c.tags).toEqual(['a:1', 'a:2', 'a:3']);
    // build args keep their commas: one item per option.
    expect(c.buildArgs).toEqual(['X=1,2', 'Y=3']);
    expect(c.labels).toEqual(['l=1']);
    expect(c.platforms).toEqual(['linux/amd64']);
  });

  test('a repeated single-value option: the last one wins', () => {
    expect(config(['plan', '--image', 'a/b', '--image', 'c/d']).image?.repository).toBe('c/d');
  });

  test('booleans: alone true, or followed by a boolean word, or with =', () => {
    expect(config(['build', '--push']).push).toBe(true);
    expect(config(['build', '--push', 'false']).push).toBe(false);
    expect(config(['build', '--no-cache=true', '--probe-cache', 'FALSE']).noCache).toBe(true);
    expect(config(['build', '--probe-cache', 'false']).probeCache).toBe(false);
    // A word that is not a boolean after --push is the build context.
    expect(config(['build', '--push', 'ctx']).context).toBe('ctx');
    expect(() => config(['build', '--push=yes'])).toThrow(/push.*not a boolean/);
  });

  test('the build input follows the command', () => {
    expect(config(['plan']).build).toBe(false);
    expect(config(['build']).build).toBe(true);
    expect(() => parseArgs(['plan', '--build', 'true'])).toThrow(/the command says whether to build/);
  });

  test('PATH is the context; given twice is a usage error', () => {
    expect(config(['build', 'app']).context).toBe('app');
    expect(() => parseArgs(['build', 'a', 'b'])).toThrow(/one build context only/);
    expect(() => parseArgs(['build', '--context', 'a', 'b'])).toThrow(/given twice/);
  });

  test('after --, everything goes to buildx as is', () => {
    const cli = parseArgs(['build', '--image', 'a/b', '--', '--ssh', 'default', '--json', '--', 'x']);
    expect(cli.extraArgs).toEqual(['--ssh', 'default', '--json', '--', 'x']);
    expect(cli.json).toBe(false);
  });

  test('help, version, quiet, json', () => {
    expect(parseArgs(['--help']).command).toBe('help');
    expect(parseArgs(['-h']).command).toBe('help');
    expect(parseArgs(['help']).command).toBe('help');
    expect(parseArgs(['plan', '--image', 'x', '-h']).command).toBe('help');
    expect(parseArgs(['--version']).command).toBe('version');
    expect(parseArgs(['plan', '-q', '--json'])).toMatchObject({ quiet: true, json: true });
  });

  test.each([
    [[], /no command given/],
    [['deploy'], /unknown command "deploy"/],
    [['--image', 'x', 'plan'], /no command given before --image/],
    [['plan', '--imag', 'x'], /unknown option --imag \(did you mean --image\?\)/],
    [['plan', '--fallbak=x'], /unknown option --fallbak \(did you mean --fallback\?\)/],
    [['plan', '-x'], /unknown option -x/],
    [['plan', '--constructor', 'x'], /unknown option --constructor/],
    [['plan', '--image'], /--image needs a value/],
    [['plan', '--image', '--target', 'x'], /--image needs a value/],
    [['build', '--json'], /--json goes with the plan command/],
    [['plan', '--', '--ssh'], /only go with the build command/],
  ] as [string[], RegExp][])('%j is a usage error', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('what plan prints', () => {
  const env = { GITLAB_CI: 'true', CI_COMMIT_BRANCH: 'feature/x', CI_DEFAULT_BRANCH: 'main' };

  test('one shell word per flag', () => {
    const ci = ciFacts(env);
    const d = decide(config(['plan', '--image', 'ghcr.io/acme/app']), ci, PIPELINE, 'Dockerfile');
    const flags = planFlags(d);
    expect(flags).toEqual([
      '--cache-from=type=registry,ref=ghcr.io/acme/app:cache.build.feature_x',
      '--cache-from=type=registry,ref=ghcr.io/acme/app:cache.dependencies.feature_x',
      '--cache-from=type=registry,ref=ghcr.io/acme/app:cache.build.main',
      '--cache-from=type=registry,ref=ghcr.io/acme/app:cache.dependencies.main',
      '--cache-to=type=registry,ref=ghcr.io/acme/app:cache.build.feature_x,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true',
    ]);
    expect(unsafeWords(flags)).toEqual([]);
  });

  test('the inline cache tags the image with its cache name', () => {
    const d = decide(
      config(['plan', '--image', 'r/app', '--cache-type', 'inline', '--push']),
      ciFacts(env),
      'FROM scratch\nRUN x\n',
      'Dockerfile',
    );
    expect(planFlags(d)).toEqual([
      '--cache-from=type=registry,ref=r/app:cache.final.feature_x',
      '--cache-from=type=registry,ref=r/app:cache.final.main',
      '--cache-to=type=inline',
      '--tag=r/app:cache.final.feature_x',
    ]);
  });

  test('a value with a space is flagged (the shell would split it)', () => {
    expect(unsafeWords(['--cache-from=type=gha,scope=a b', '--cache-to=x'])).toEqual([
      '--cache-from=type=gha,scope=a b',
    ]);
  });
});

test('extra buildx arguments go before the context', () => {
  expect(withExtraArgs(['buildx', 'build', '--push', '.'], ['--ssh', 'default'])).toEqual([
    'buildx',
    'build',
    '--push',
    '--ssh',
    'default',
    '.',
  ]);
  expect(withExtraArgs(['buildx', 'build', '.'], [])).toEqual(['buildx', 'build', '.']);
});

test('errors name options, not inputs', () => {
  const noBranch = new InputError('export-cache', (w) => `is true, but x has no branch: also set ${w.ref('branch')}`);
  expect(noBranch.describe(CLI_WORDS)).toBe('--export-cache: is true, but x has no branch: also set --branch');
  expect(noBranch.message).toBe('export-cache: is true, but x has no branch: also set the `branch` input');
  expect(new InputError('image', 'is required').describe(CLI_WORDS)).toBe('--image: is required');
});

test('the help names every option and the exit codes', () => {
  const help = helpText();
  for (const name of inputNames().filter((n) => !['fallback-branches', 'tags', 'build-args'].includes(n)))
    expect(help).toContain(`--${name}`);
  expect(help).toMatch(/--fallback NAME/);
  // The one option that is not an input: a merge commit's message (core/ci.ts).
  expect(help).toMatch(/--commit-message TEXT/);
  expect(help).toMatch(/commas but no spaces/);
  expect(help).toMatch(/Exit status: 0 done; 1 failed[\s\S]*2 the command line is wrong/);
  for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
});

describe('booleans written the YAML 1.1 way', () => {
  test('--push yes is a usage error, not a build context called yes', async () => {
    const { parseArgs, UsageError } = await import('../src/cli/args.js');
    for (const word of ['yes', 'no', 'on', '1']) {
      expect(() => parseArgs(['plan', '--image', 'ghcr.io/acme/app', '--push', word])).toThrow(UsageError);
    }
    expect(() => parseArgs(['plan', '--image', 'ghcr.io/acme/app', '--push', 'yes'])).toThrow(
      '--push takes true or false, not "yes"',
    );
  });
});
