// What Jenkins says (src/core/ci-jenkins.ts): a multibranch job's BRANCH_NAME
// and CHANGE_* variables, else the git plugin's, as the whole facts.
import { describe, expect, test } from '@jest/globals';
import type { Env } from '../src/core/ci-facts.js';
import { ciJenkins } from '../src/core/ci-jenkins.js';

const ASSUMED_MAIN =
  'Jenkins does not say which branch is the default (BRANCH_IS_PRIMARY is not set): assuming "main"; ' +
  '--fallback overrides';

const PR: Env = { BRANCH_NAME: 'PR-12', CHANGE_ID: '12', CHANGE_BRANCH: 'feature/y', CHANGE_TARGET: 'develop' };

describe('ciJenkins: the default branch', () => {
  test('BRANCH_IS_PRIMARY=true: this branch is the default one, no reason line for it', () => {
    expect(ciJenkins({ BRANCH_NAME: 'master', BRANCH_IS_PRIMARY: 'true' })).toEqual({
      provider: 'jenkins',
      facts: {
        branch: 'master',
        fallbacks: ['master'],
        exportAllowed: true,
        defaultBranch: 'master',
        reasons: ['Jenkins: branch master'],
      },
      where: 'this Jenkins build of master',
    });
  });

  test('anything but true, or on a change request, says nothing: main, with a reason line', () => {
    for (const env of [
      { BRANCH_NAME: 'master', BRANCH_IS_PRIMARY: 'false' },
      { BRANCH_NAME: 'master', BRANCH_IS_PRIMARY: 'TRUE' },
      { BRANCH_NAME: 'master' },
    ]) {
      expect(ciJenkins(env).facts).toEqual({
        branch: 'master',
        fallbacks: ['main'],
        exportAllowed: true,
        defaultBranch: 'main',
        reasons: [ASSUMED_MAIN, 'Jenkins: branch master'],
      });
    }
    expect(ciJenkins({ ...PR, BRANCH_IS_PRIMARY: 'true' }).facts).toMatchObject({
      defaultBranch: 'main',
      fallbacks: ['develop', 'main'],
    });
  });
});

describe('ciJenkins: tags', () => {
  test('TAG_NAME: no branch, nothing written, whatever BRANCH_NAME holds', () => {
    expect(ciJenkins({ BRANCH_NAME: 'v2.0.0', TAG_NAME: 'v2.0.0' })).toEqual({
      provider: 'jenkins',
      facts: {
        branch: undefined,
        fallbacks: ['main'],
        exportAllowed: false,
        defaultBranch: 'main',
        reasons: [ASSUMED_MAIN, 'Jenkins: tag v2.0.0: not a branch, so imports only'],
      },
      where: 'this Jenkins tag build (v2.0.0)',
    });
  });
});

describe('ciJenkins: change requests', () => {
  test('CHANGE_BRANCH is the source branch; BRANCH_NAME (PR-12) only names the build', () => {
    expect(ciJenkins(PR)).toEqual({
      provider: 'jenkins',
      facts: {
        branch: 'feature/y',
        fallbacks: ['develop', 'main'],
        exportAllowed: true,
        defaultBranch: 'main',
        fork: undefined,
        reasons: [ASSUMED_MAIN, 'Jenkins: pull request feature/y -> develop (PR-12)'],
      },
      where: 'this Jenkins change request (PR-12)',
    });
  });

  test('CHANGE_BRANCH alone (no CHANGE_ID) is a change request too', () => {
    expect(ciJenkins({ CHANGE_BRANCH: 'feature/y' })).toEqual({
      provider: 'jenkins',
      facts: {
        branch: 'feature/y',
        fallbacks: [undefined, 'main'],
        exportAllowed: true,
        defaultBranch: 'main',
        fork: undefined,
        reasons: [ASSUMED_MAIN, 'Jenkins: pull request feature/y -> ? (?)'],
      },
      where: 'this Jenkins change request (?)',
    });
  });

  test('without CHANGE_BRANCH: no branch, never a writer (not with --branch either), the source said unknown', () => {
    expect(ciJenkins({ BRANCH_NAME: 'PR-14', CHANGE_ID: '14', CHANGE_TARGET: 'main' }).facts).toMatchObject({
      branch: undefined,
      exportAllowed: false,
      fallbacks: ['main', 'main'],
      defaultBranch: 'main',
      fork: undefined,
      reasons: [
        ASSUMED_MAIN,
        'Jenkins: change PR-14 has no CHANGE_BRANCH: its source branch is unknown, so imports only',
      ],
    });
    expect(ciJenkins({ CHANGE_ID: '14' }).facts.reasons[1]).toBe(
      'Jenkins: change ? has no CHANGE_BRANCH: its source branch is unknown, so imports only',
    );
  });

  test('CHANGE_FORK: a fork, named, that never writes', () => {
    expect(ciJenkins({ ...PR, CHANGE_BRANCH: 'main', CHANGE_FORK: 'mallory' }).facts).toEqual({
      branch: 'main',
      fallbacks: ['develop', 'main'],
      exportAllowed: false,
      defaultBranch: 'main',
      fork: 'mallory',
      reasons: [ASSUMED_MAIN, 'Jenkins: pull request from fork mallory: imports only, a fork never writes the cache'],
    });
  });
});

describe("ciJenkins: not a multibranch job (the git plugin's variables)", () => {
  test('GIT_LOCAL_BRANCH wins over GIT_BRANCH', () => {
    expect(ciJenkins({ GIT_LOCAL_BRANCH: 'feature/w', GIT_BRANCH: 'origin/other' })).toEqual({
      provider: 'jenkins',
      facts: {
        branch: 'feature/w',
        fallbacks: ['main'],
        exportAllowed: true,
        defaultBranch: 'main',
        reasons: [ASSUMED_MAIN, "Jenkins: branch feature/w (from the git plugin's variables; not a multibranch job)"],
      },
      where: 'this Jenkins build of feature/w',
    });
  });

  test.each([
    ['origin/feature/z', 'feature/z'],
    ['refs/heads/feature/z', 'feature/z'],
    ['refs/remotes/origin/feature/z', 'feature/z'],
    ['upstream/feature/z', 'upstream/feature/z'],
    ['feature/origin/z', 'feature/origin/z'],
    ['release/refs/heads/z', 'release/refs/heads/z'],
  ])('GIT_BRANCH %s: the branch %s (only a leading remote or ref prefix goes)', (gitBranch, branch) => {
    expect(ciJenkins({ GIT_BRANCH: gitBranch }).facts.branch).toBe(branch);
  });

  test("a merge commit's message puts the merged branch first", () => {
    const message = { text: 'Merge pull request #3 from acme/feature/x', from: 'BBC_COMMIT_MESSAGE' };
    expect(ciJenkins({ GIT_BRANCH: 'origin/main' }, message).facts.fallbacks).toEqual(['feature/x', 'main']);
    expect(ciJenkins({ BRANCH_NAME: 'main' }, message).facts.fallbacks).toEqual(['feature/x', 'main']);
  });

  test('no branch at all: imports only, and says to set --branch', () => {
    expect(ciJenkins({ GIT_BRANCH: ' ' })).toEqual({
      provider: 'jenkins',
      facts: {
        branch: undefined,
        fallbacks: ['main'],
        exportAllowed: false,
        defaultBranch: 'main',
        reasons: [
          ASSUMED_MAIN,
          'Jenkins: no BRANCH_NAME (not a multibranch job) and no GIT_BRANCH: imports only; set --branch',
        ],
      },
      where: 'this Jenkins build',
    });
  });
});
