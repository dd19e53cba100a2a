// Each CI's variables -> the facts ref.ts decides from, and the decision the
// command line then makes (decideRefs, the action's own).
import { describe, expect, test } from '@jest/globals';
import { ciFacts, detectProvider } from '../src/core/ci.js';
import { repoKey } from '../src/core/ci-buildkite.js';
import type { Env } from '../src/core/ci-facts.js';
import { githubFacts } from '../src/core/github-event.js';
import { decideRefs, type RefOverrides } from '../src/core/ref.js';

function decide(env: Env, overrides: RefOverrides = {}, payload: Record<string, unknown> = {}) {
  const ci = ciFacts(env, payload);
  return { ci, refs: decideRefs(ci.facts, overrides, ci.where) };
}

const GITLAB = { GITLAB_CI: 'true', CI_DEFAULT_BRANCH: 'main' };
const GITLAB_MR = {
  ...GITLAB,
  CI_PIPELINE_SOURCE: 'merge_request_event',
  CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/login',
  CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'develop',
  CI_MERGE_REQUEST_PROJECT_ID: '42',
  CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '42',
  CI_MERGE_REQUEST_EVENT_TYPE: 'detached',
};
const JENKINS = { JENKINS_URL: 'https://jenkins.example.com/' };
const BUILDKITE = {
  BUILDKITE: 'true',
  BUILDKITE_REPO: 'git@github.com:acme/app.git',
  BUILDKITE_PIPELINE_DEFAULT_BRANCH: 'main',
  BUILDKITE_PULL_REQUEST: 'false',
};

describe('detectProvider', () => {
  test.each([
    [{ GITLAB_CI: 'true' }, 'gitlab'],
    [{ JENKINS_URL: 'http://j/' }, 'jenkins'],
    [{ BUILDKITE: 'true' }, 'buildkite'],
    [{ GITHUB_ACTIONS: 'true' }, 'github'],
    [{ BRANCH_NAME: 'x' }, 'branch-name'],
    [{}, 'none'],
    // Jenkins sets BRANCH_NAME too: it is Jenkins, not the plain convention.
    [{ JENKINS_URL: 'http://j/', BRANCH_NAME: 'x' }, 'jenkins'],
    [{ BUILDKITE: 'false', BRANCH_NAME: 'x' }, 'branch-name'],
    [{ GITHUB_ACTIONS: '', GITLAB_CI: '' }, 'none'],
  ] as [Env, string][])('%j -> %s', (env, provider) => {
    expect(detectProvider(env)).toBe(provider);
  });
});

describe('GitLab CI', () => {
  test('a branch pipeline on main writes main, with no fallback', () => {
    const { ci, refs } = decide({ ...GITLAB, CI_COMMIT_BRANCH: 'main', CI_PIPELINE_SOURCE: 'push' });
    expect(ci.provider).toBe('gitlab');
    expect(refs).toMatchObject({ branch: 'main', fallbacks: [], exportCache: true, defaultBranch: 'main' });
    expect(refs.reasons).toContain('GitLab CI: branch pipeline on main');
  });

  test('a new branch falls back to the default branch', () => {
    const { refs } = decide({ ...GITLAB, CI_COMMIT_BRANCH: 'feature/x' });
    expect(refs).toMatchObject({ branch: 'feature/x', fallbacks: ['main'], exportCache: true });
  });

  test('CI_DEFAULT_BRANCH names the default branch', () => {
    const { refs } = decide({ GITLAB_CI: 'true', CI_DEFAULT_BRANCH: 'trunk', CI_COMMIT_BRANCH: 'feature/x' });
    expect(refs).toMatchObject({ fallbacks: ['trunk'], defaultBranch: 'trunk' });
  });

  test('without CI_DEFAULT_BRANCH: main, and a reason line says so', () => {
    const { refs } = decide({ GITLAB_CI: 'true', CI_COMMIT_BRANCH: 'feature/x' });
    expect(refs.defaultBranch).toBe('main');
    expect(refs.reasons[0]).toMatch(/CI_DEFAULT_BRANCH is not set.*assuming "main"/);
  });

  test('a merge request: the source branch, then the target, then the default branch', () => {
    const { refs } = decide(GITLAB_MR);
    expect(refs).toMatchObject({ branch: 'feature/login', fallbacks: ['develop', 'main'], exportCache: true });
    expect(refs.reasons).toContain('GitLab CI: merge request feature/login -> develop');
  });

  test('a merge request pipeline has no CI_COMMIT_BRANCH; a stray one does not win over the source branch', () => {
    const { refs } = decide({ ...GITLAB_MR, CI_COMMIT_BRANCH: 'develop' });
    expect(refs.branch).toBe('feature/login');
  });

  test('a merge request from a fork imports only, and ignores export-cache: true (with a warning)', () => {
    const env = {
      ...GITLAB_MR,
      CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '99',
      CI_MERGE_REQUEST_SOURCE_PROJECT_PATH: 'mallory/app',
    };
    const { ci, refs } = decide(env);
    expect(refs).toMatchObject({ branch: 'feature/login', fallbacks: ['develop', 'main'], exportCache: false });
    expect(ci.facts.fork).toBe('mallory/app');
    expect(refs.reasons.join('\n')).toMatch(/fork mallory\/app.*never writes/);
    const asked = decideRefs(ci.facts, { exportCache: 'true' }, ci.where);
    expect([asked.exportCache, asked.warnings.length]).toEqual([false, 1]);
  });

  test('a merge request whose project ids are missing counts as a fork', () => {
    const { CI_MERGE_REQUEST_SOURCE_PROJECT_ID: _, ...env } = GITLAB_MR;
    expect(decide(env).refs.exportCache).toBe(false);
  });

  test('a merge train builds a temporary merge: imports only', () => {
    const { refs } = decide({ ...GITLAB_MR, CI_MERGE_REQUEST_EVENT_TYPE: 'merge_train' });
    expect(refs).toMatchObject({ branch: 'feature/login', fallbacks: ['develop', 'main'], exportCache: false });
    expect(refs.reasons.join('\n')).toMatch(/merge train/);
  });

  test('a tag pipeline has no branch and never writes, even with a branch-like ref', () => {
    const { refs } = decide({ ...GITLAB, CI_COMMIT_TAG: 'v1.2.0', CI_COMMIT_REF_NAME: 'v1.2.0' });
    expect(refs).toMatchObject({ branch: undefined, fallbacks: ['main'], exportCache: false });
  });

  test('a tag with an explicit branch still does not write unless asked', () => {
    const env = { ...GITLAB, CI_COMMIT_TAG: 'v1' };
    expect(decide(env, { branch: 'main' }).refs).toMatchObject({ branch: 'main', exportCache: false });
    expect(decide(env, { branch: 'main', exportCache: 'true' }).refs.exportCache).toBe(true);
  });

  test('export-cache: true on a tag without a branch names the pipeline', () => {
    expect(() => decide({ ...GITLAB, CI_COMMIT_TAG: 'v1' }, { exportCache: 'true' })).toThrow(
      /GitLab CI tag pipeline \(v1\) has no branch/,
    );
  });
});

describe('Jenkins multibranch', () => {
  test('a branch job', () => {
    const { ci, refs } = decide({ ...JENKINS, BRANCH_NAME: 'feature/x' });
    expect(ci.provider).toBe('jenkins');
    expect(refs).toMatchObject({ branch: 'feature/x', fallbacks: ['main'], exportCache: true, defaultBranch: 'main' });
    expect(refs.reasons[0]).toMatch(/Jenkins does not say which branch is the default/);
  });

  test('BRANCH_IS_PRIMARY: this branch is the default one', () => {
    const { refs } = decide({ ...JENKINS, BRANCH_NAME: 'master', BRANCH_IS_PRIMARY: 'true' });
    expect(refs).toMatchObject({ branch: 'master', fallbacks: [], defaultBranch: 'master', exportCache: true });
    expect(refs.reasons.join('\n')).not.toMatch(/does not say/);
  });

  test('a pull request: BRANCH_NAME is PR-12, CHANGE_BRANCH is the source', () => {
    const { refs } = decide({
      ...JENKINS,
      BRANCH_NAME: 'PR-12',
      CHANGE_ID: '12',
      CHANGE_BRANCH: 'feature/y',
      CHANGE_TARGET: 'develop',
    });
    expect(refs).toMatchObject({ branch: 'feature/y', fallbacks: ['develop', 'main'], exportCache: true });
    expect(refs.reasons.join('\n')).toMatch(/pull request feature\/y -> develop \(PR-12\)/);
  });

  test('a pull request from a fork (CHANGE_FORK) imports only', () => {
    const env = {
      ...JENKINS,
      BRANCH_NAME: 'PR-13',
      CHANGE_ID: '13',
      CHANGE_BRANCH: 'main',
      CHANGE_TARGET: 'main',
      CHANGE_FORK: 'mallory',
    };
    const { ci, refs } = decide(env);
    // The fork's own "main" must never overwrite ours.
    expect(refs).toMatchObject({ branch: 'main', exportCache: false });
    expect(ci.facts.fork).toBe('mallory');
    const asked = decideRefs(ci.facts, { exportCache: 'true' }, ci.where);
    expect(asked.exportCache).toBe(false);
    expect(asked.warnings[0]).toMatch(/fork mallory/);
  });

  test('a change without CHANGE_BRANCH does not pretend PR-N is a branch', () => {
    const { refs } = decide({ ...JENKINS, BRANCH_NAME: 'PR-14', CHANGE_ID: '14', CHANGE_TARGET: 'main' });
    expect(refs).toMatchObject({ branch: undefined, fallbacks: ['main'], exportCache: false });
  });

  test('a tag job (TAG_NAME; BRANCH_NAME holds the tag too) never writes', () => {
    const { refs } = decide({ ...JENKINS, BRANCH_NAME: 'v2.0.0', TAG_NAME: 'v2.0.0' });
    expect(refs).toMatchObject({ branch: undefined, fallbacks: ['main'], exportCache: false });
  });

  test('not multibranch: GIT_BRANCH without its remote', () => {
    expect(decide({ ...JENKINS, GIT_BRANCH: 'origin/feature/z' }).refs.branch).toBe('feature/z');
    expect(decide({ ...JENKINS, GIT_LOCAL_BRANCH: 'feature/w', GIT_BRANCH: 'origin/feature/w' }).refs.branch).toBe(
      'feature/w',
    );
  });

  test('no branch at all: imports only', () => {
    expect(decide(JENKINS).refs).toMatchObject({ branch: undefined, exportCache: false });
  });
});

describe('Buildkite', () => {
  test('a branch build, with the pipeline default branch', () => {
    const { ci, refs } = decide({
      ...BUILDKITE,
      BUILDKITE_BRANCH: 'feature/x',
      BUILDKITE_PIPELINE_DEFAULT_BRANCH: 'trunk',
    });
    expect(ci.provider).toBe('buildkite');
    expect(refs).toMatchObject({
      branch: 'feature/x',
      fallbacks: ['trunk'],
      exportCache: true,
      defaultBranch: 'trunk',
    });
  });

  test('a pull request from the same repository (another URL spelling) writes', () => {
    const env = {
      ...BUILDKITE,
      BUILDKITE_BRANCH: 'feature/x',
      BUILDKITE_PULL_REQUEST: '5',
      BUILDKITE_PULL_REQUEST_BASE_BRANCH: 'develop',
      BUILDKITE_PULL_REQUEST_REPO: 'https://github.com/acme/app',
    };
    expect(decide(env).refs).toMatchObject({ branch: 'feature/x', fallbacks: ['develop', 'main'], exportCache: true });
  });

  test('a pull request from a fork imports only', () => {
    const env = {
      ...BUILDKITE,
      BUILDKITE_BRANCH: 'main',
      BUILDKITE_PULL_REQUEST: '6',
      BUILDKITE_PULL_REQUEST_BASE_BRANCH: 'main',
      BUILDKITE_PULL_REQUEST_REPO: 'https://github.com/mallory/app.git',
    };
    const { ci, refs } = decide(env);
    expect(refs).toMatchObject({ branch: 'main', exportCache: false });
    expect(ci.facts.fork).toBe('https://github.com/mallory/app.git');
  });

  test('a tag build: BUILDKITE_BRANCH holds the tag, which is not a branch', () => {
    const { refs } = decide({ ...BUILDKITE, BUILDKITE_BRANCH: 'v1', BUILDKITE_TAG: 'v1' });
    expect(refs).toMatchObject({ branch: undefined, fallbacks: ['main'], exportCache: false });
  });

  test('repository URLs compare by host and path', () => {
    expect(repoKey('git@github.com:Acme/App.git')).toBe('github.com/acme/app');
    expect(repoKey('https://github.com/acme/app.git')).toBe('github.com/acme/app');
    expect(repoKey('ssh://git@github.com/acme/app')).toBe('github.com/acme/app');
    expect(repoKey('https://github.com/mallory/app')).not.toBe(repoKey('git@github.com:acme/app.git'));
  });
});

describe('GitHub Actions', () => {
  const payload = {
    repository: { full_name: 'acme/app', default_branch: 'main' },
    pull_request: {
      head: { ref: 'feature/x', repo: { full_name: 'acme/app' } },
      base: { ref: 'develop', repo: { full_name: 'acme/app' } },
    },
  };
  const env = {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_REF: 'refs/pull/7/merge',
    GITHUB_HEAD_REF: 'feature/x',
    GITHUB_BASE_REF: 'develop',
  };

  test('the event payload gives the same facts as the action', () => {
    const { ci, refs } = decide(env, {}, payload);
    expect(ci.provider).toBe('github');
    expect(ci.facts).toEqual(
      githubFacts({
        eventName: 'pull_request',
        ref: 'refs/pull/7/merge',
        headRef: 'feature/x',
        baseRef: 'develop',
        payload,
      }),
    );
    expect(refs).toMatchObject({ branch: 'feature/x', fallbacks: ['develop', 'main'], exportCache: true });
    expect(ci.where).toBe('pull_request on refs/pull/7/merge');
  });

  test('a push', () => {
    const push = { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/feature/y' };
    expect(decide(push, {}, { repository: { default_branch: 'trunk' } }).refs).toMatchObject({
      branch: 'feature/y',
      fallbacks: ['trunk'],
      exportCache: true,
    });
  });
});

describe("plain BRANCH_NAME (the article's convention)", () => {
  test('the branch, main as the fallback, and a reason for assuming it', () => {
    const { ci, refs } = decide({ BRANCH_NAME: 'feature/x' });
    expect(ci.provider).toBe('branch-name');
    expect(refs).toMatchObject({ branch: 'feature/x', fallbacks: ['main'], exportCache: true, defaultBranch: 'main' });
    expect(refs.reasons[0]).toMatch(/assuming "main"/);
  });
});

describe('no CI', () => {
  test('no branch: imports main only', () => {
    const { ci, refs } = decide({});
    expect(ci.provider).toBe('none');
    expect(refs).toMatchObject({ branch: undefined, fallbacks: ['main'], exportCache: false });
  });

  test('--branch names one, and then it writes', () => {
    expect(decide({}, { branch: 'feature/x' }).refs).toMatchObject({
      branch: 'feature/x',
      fallbacks: ['main'],
      exportCache: true,
    });
  });
});

describe('explicit options win over every CI', () => {
  test.each([
    ['GitLab', { ...GITLAB_MR }],
    [
      'Jenkins',
      { ...JENKINS, BRANCH_NAME: 'PR-1', CHANGE_ID: '1', CHANGE_BRANCH: 'feature/login', CHANGE_TARGET: 'develop' },
    ],
    ['Buildkite', { ...BUILDKITE, BUILDKITE_BRANCH: 'feature/login' }],
    ['BRANCH_NAME', { BRANCH_NAME: 'feature/login' }],
  ] as [string, Env][])('%s', (_name, env) => {
    const { refs } = decide(env, {
      branch: 'release/2',
      fallbackBranches: ['release/1', 'main'],
      exportCache: 'false',
    });
    expect(refs).toMatchObject({ branch: 'release/2', fallbacks: ['release/1', 'main'], exportCache: false });
    expect(refs.reasons).toEqual(
      expect.arrayContaining([
        'branch set by input: release/2',
        'fallback branches set by input',
        'export-cache set by input: false',
      ]),
    );
  });
});

describe('ciFacts: the facts as each CI gives them, before any decision', () => {
  test('plain BRANCH_NAME: the branch writes, main assumed and said', () => {
    expect(ciFacts({ BRANCH_NAME: ' feature/x ' })).toEqual({
      provider: 'branch-name',
      facts: {
        branch: 'feature/x',
        fallbacks: ['main'],
        exportAllowed: true,
        defaultBranch: 'main',
        reasons: [
          'only BRANCH_NAME is set, which does not say which branch is the default: assuming "main"; --fallback overrides',
          'BRANCH_NAME: branch feature/x (no known CI detected)',
        ],
      },
      where: 'this BRANCH_NAME build of feature/x',
    });
  });

  test('no CI: no branch, nothing forbids writing once --branch names one', () => {
    expect(ciFacts({})).toEqual({
      provider: 'none',
      facts: {
        branch: undefined,
        fallbacks: ['main'],
        exportAllowed: true,
        defaultBranch: 'main',
        reasons: [
          'no CI detected and no BRANCH_NAME: no branch unless --branch names one; assuming the default branch is "main"',
        ],
      },
      where: 'this build (no CI detected)',
    });
  });

  test("a merge commit's message names the first fallback, unless merge messages are off", () => {
    const message = "Merge branch 'feature/y' into 'main'";
    for (const env of [{ BRANCH_NAME: 'main' }, {}, { ...GITLAB, CI_COMMIT_BRANCH: 'main' }] as Env[]) {
      expect(ciFacts(env, {}, { commitMessage: message }).facts.fallbacks).toEqual(['feature/y', 'main']);
      expect(ciFacts(env, {}, { commitMessage: message, mergeMessages: false }).facts.fallbacks).toEqual(['main']);
    }
    const jenkins = { ...JENKINS, BRANCH_NAME: 'main', BBC_COMMIT_MESSAGE: message };
    expect(ciFacts(jenkins).facts.fallbacks).toEqual(['feature/y', 'main']);
    expect(ciFacts({ ...BUILDKITE, BUILDKITE_BRANCH: 'main' }, {}, { commitMessage: message }).facts.fallbacks).toEqual(
      ['feature/y', 'main'],
    );
  });

  test('GitHub Actions: the event and GITHUB_REF name the build; neither set is said as such', () => {
    const push = { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/x' };
    expect(ciFacts(push, { repository: { default_branch: 'main' } })).toMatchObject({
      provider: 'github',
      facts: { branch: 'x', fallbacks: ['main'], exportAllowed: true },
      where: 'push on refs/heads/x',
    });
    expect(ciFacts({ GITHUB_ACTIONS: 'true' })).toMatchObject({
      provider: 'github',
      facts: { branch: undefined, exportAllowed: false },
      where: 'an unnamed event on no ref',
    });
  });
});
