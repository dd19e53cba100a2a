// What Buildkite says (src/core/ci-buildkite.ts): BUILDKITE_BRANCH, its pull
// request variables (a fork when the pull request's repository is not the
// pipeline's) and tags, as the whole facts; and how repository URLs compare.
import { describe, expect, test } from '@jest/globals';
import { ciBuildkite, repoKey } from '../src/core/ci-buildkite.js';
import type { Env } from '../src/core/ci-facts.js';

const ASSUMED_MAIN =
  'Buildkite does not say which branch is the default (BUILDKITE_PIPELINE_DEFAULT_BRANCH is not set): ' +
  'assuming "main"; --fallback overrides';

const PR: Env = {
  BUILDKITE_REPO: 'git@github.com:acme/app.git',
  BUILDKITE_PIPELINE_DEFAULT_BRANCH: 'main',
  BUILDKITE_BRANCH: 'feature/x',
  BUILDKITE_PULL_REQUEST: '5',
  BUILDKITE_PULL_REQUEST_BASE_BRANCH: 'develop',
  BUILDKITE_PULL_REQUEST_REPO: 'https://github.com/acme/app',
};

describe('repoKey: host and path, however the URL is spelled', () => {
  test.each([
    ['git@github.com:Acme/App.git', 'github.com/acme/app'],
    ['  https://github.com/acme/app.git  ', 'github.com/acme/app'],
    ['HTTPS://GitHub.com/acme/app', 'github.com/acme/app'],
    ['ssh://git@github.com/acme/app', 'github.com/acme/app'],
    ['git+ssh://git@github.com/acme/app.git', 'github.com/acme/app'],
    ['https://github.com/acme/app//', 'github.com/acme/app'],
    ['https://github.com/acme/app.git/', 'github.com/acme/app'],
    ['github.com/acme/app', 'github.com/acme/app'],
  ])('%s -> %s', (url, key) => {
    expect(repoKey(url)).toBe(key);
  });

  test('a port after the host stays a port; only an scp-style colon becomes a slash', () => {
    expect(repoKey('ssh://git@git.example.com:2222/acme/app.git')).toBe('git.example.com:2222/acme/app');
    expect(repoKey('git@git.example.com:acme/app.git')).toBe('git.example.com/acme/app');
  });

  test('only a leading scheme, user and host colon are rewritten, and only a final .git goes', () => {
    expect(repoKey('https://github.com/acme/app@v2')).toBe('github.com/acme/app@v2');
    expect(repoKey('https://github.com/acme/a:b')).toBe('github.com/acme/a:b');
    expect(repoKey('https://github.com/acme/my.gitrepo')).toBe('github.com/acme/my.gitrepo');
    expect(repoKey('github.com/acme/http://x')).toBe('github.com/acme/http://x');
  });
});

describe('ciBuildkite: branches and tags', () => {
  test('a branch build, with the pipeline default branch', () => {
    expect(ciBuildkite({ BUILDKITE_BRANCH: 'feature/x', BUILDKITE_PIPELINE_DEFAULT_BRANCH: 'trunk' })).toEqual({
      provider: 'buildkite',
      facts: {
        branch: 'feature/x',
        fallbacks: ['trunk'],
        exportAllowed: true,
        defaultBranch: 'trunk',
        reasons: ['Buildkite: branch feature/x'],
      },
      where: 'this Buildkite build of feature/x',
    });
  });

  test('BUILDKITE_PULL_REQUEST=false is a branch build; the default branch unknown is main, said', () => {
    const message = { text: 'Merge pull request #3 from acme/feature/y', from: 'BUILDKITE_MESSAGE' };
    expect(ciBuildkite({ BUILDKITE_BRANCH: 'main', BUILDKITE_PULL_REQUEST: 'false' }, message).facts).toEqual({
      branch: 'main',
      fallbacks: ['feature/y', 'main'],
      exportAllowed: true,
      defaultBranch: 'main',
      reasons: [
        ASSUMED_MAIN,
        'BUILDKITE_MESSAGE: a merge of feature/y (#3): its cache is the first fallback',
        'Buildkite: branch main',
      ],
    });
  });

  test('a tag build: BUILDKITE_BRANCH holds the tag, which is not a branch', () => {
    expect(ciBuildkite({ ...PR, BUILDKITE_BRANCH: 'v1', BUILDKITE_TAG: 'v1' })).toEqual({
      provider: 'buildkite',
      facts: {
        branch: undefined,
        fallbacks: ['main'],
        exportAllowed: false,
        defaultBranch: 'main',
        reasons: ['Buildkite: tag v1: not a branch, so imports only'],
      },
      where: 'this Buildkite tag build (v1)',
    });
  });

  test('no BUILDKITE_BRANCH: no branch, imports only', () => {
    expect(ciBuildkite({ BUILDKITE_PIPELINE_DEFAULT_BRANCH: 'main' })).toEqual({
      provider: 'buildkite',
      facts: {
        branch: undefined,
        fallbacks: ['main'],
        exportAllowed: false,
        defaultBranch: 'main',
        reasons: ['Buildkite: BUILDKITE_BRANCH is not set: imports only'],
      },
      where: 'this Buildkite build',
    });
  });
});

describe('ciBuildkite: pull requests', () => {
  test('from the pipeline repository (another URL spelling): writes, base then default branch', () => {
    expect(ciBuildkite(PR)).toEqual({
      provider: 'buildkite',
      facts: {
        branch: 'feature/x',
        fallbacks: ['develop', 'main'],
        exportAllowed: true,
        defaultBranch: 'main',
        fork: undefined,
        reasons: ['Buildkite: pull request #5 feature/x -> develop'],
      },
      where: 'this Buildkite pull request build (#5)',
    });
  });

  test('without branch or base: question marks in the reason', () => {
    const { BUILDKITE_BRANCH: _, BUILDKITE_PULL_REQUEST_BASE_BRANCH: __, ...env } = PR;
    expect(ciBuildkite(env).facts).toMatchObject({
      branch: undefined,
      fallbacks: [undefined, 'main'],
      reasons: ['Buildkite: pull request #5 ? -> ?'],
    });
  });

  test('from another repository: a fork, named by its URL, that never writes', () => {
    const env = { ...PR, BUILDKITE_PULL_REQUEST_REPO: 'https://github.com/mallory/app.git' };
    expect(ciBuildkite(env).facts).toEqual({
      branch: 'feature/x',
      fallbacks: ['develop', 'main'],
      exportAllowed: false,
      defaultBranch: 'main',
      fork: 'https://github.com/mallory/app.git',
      reasons: [
        'Buildkite: pull request #5 from fork https://github.com/mallory/app.git: imports only, a fork never ' +
          'writes the cache',
      ],
    });
  });

  test('either repository unknown counts as a fork: never write on a guess', () => {
    const { BUILDKITE_PULL_REQUEST_REPO: _, ...noPrRepo } = PR;
    expect(ciBuildkite(noPrRepo).facts).toMatchObject({ fork: '(unknown repository)', exportAllowed: false });
    const { BUILDKITE_REPO: __, ...noRepo } = PR;
    expect(ciBuildkite(noRepo).facts).toMatchObject({ fork: 'https://github.com/acme/app', exportAllowed: false });
  });
});
