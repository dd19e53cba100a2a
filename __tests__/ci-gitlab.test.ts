// What GitLab CI's predefined variables say (src/core/ci-gitlab.ts), as the
// whole facts: the branch, the fallbacks, whether it writes, the reason lines
// and the name the build goes by in errors.
import { describe, expect, test } from '@jest/globals';
import type { Env } from '../src/core/ci-facts.js';
import { ciGitlab } from '../src/core/ci-gitlab.js';

const MR: Env = {
  CI_DEFAULT_BRANCH: 'main',
  CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/login',
  CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'develop',
  CI_MERGE_REQUEST_PROJECT_ID: '42',
  CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '42',
};

describe('ciGitlab: the default branch', () => {
  test('CI_DEFAULT_BRANCH names it, with no reason line of its own', () => {
    expect(ciGitlab({ CI_DEFAULT_BRANCH: 'trunk', CI_COMMIT_BRANCH: 'feature/x' })).toEqual({
      provider: 'gitlab',
      facts: {
        branch: 'feature/x',
        fallbacks: ['trunk'],
        exportAllowed: true,
        defaultBranch: 'trunk',
        reasons: ['GitLab CI: branch pipeline on feature/x'],
      },
      where: 'this GitLab CI pipeline on feature/x',
    });
  });

  test('unset or blank: main, and the first reason line says which variable is missing', () => {
    for (const env of [{ CI_COMMIT_BRANCH: 'x' }, { CI_DEFAULT_BRANCH: '  ', CI_COMMIT_BRANCH: 'x' }]) {
      expect(ciGitlab(env).facts).toEqual({
        branch: 'x',
        fallbacks: ['main'],
        exportAllowed: true,
        defaultBranch: 'main',
        reasons: [
          'GitLab does not say which branch is the default (CI_DEFAULT_BRANCH is not set): assuming "main"; ' +
            '--fallback overrides',
          'GitLab CI: branch pipeline on x',
        ],
      });
    }
  });
});

describe('ciGitlab: tags', () => {
  test('CI_COMMIT_TAG: no branch, the default branch only, nothing written; it wins over a branch', () => {
    expect(ciGitlab({ CI_DEFAULT_BRANCH: 'main', CI_COMMIT_TAG: 'v1.2.0', CI_COMMIT_BRANCH: 'main' })).toEqual({
      provider: 'gitlab',
      facts: {
        branch: undefined,
        fallbacks: ['main'],
        exportAllowed: false,
        defaultBranch: 'main',
        reasons: ['GitLab CI: tag pipeline v1.2.0: not a branch, so imports only'],
      },
      where: 'this GitLab CI tag pipeline (v1.2.0)',
    });
  });
});

describe('ciGitlab: merge requests', () => {
  test('from this project: the source branch writes, then the target and the default branch', () => {
    expect(ciGitlab({ ...MR, CI_COMMIT_BRANCH: 'develop' })).toEqual({
      provider: 'gitlab',
      facts: {
        branch: 'feature/login',
        fallbacks: ['develop', 'main'],
        exportAllowed: true,
        defaultBranch: 'main',
        fork: undefined,
        reasons: ['GitLab CI: merge request feature/login -> develop'],
      },
      where: 'this GitLab CI merge request pipeline (feature/login)',
    });
  });

  test('a merged-result pipeline says so; a detached one says nothing more', () => {
    expect(ciGitlab({ ...MR, CI_MERGE_REQUEST_EVENT_TYPE: 'merged_result' }).facts.reasons).toEqual([
      'GitLab CI: merge request feature/login -> develop (merged result: the source merged into the target)',
    ]);
    expect(ciGitlab({ ...MR, CI_MERGE_REQUEST_EVENT_TYPE: 'detached' }).facts.reasons).toEqual([
      'GitLab CI: merge request feature/login -> develop',
    ]);
  });

  test('no target branch: a ? in the reason, and the default branch as the only real fallback', () => {
    const { CI_MERGE_REQUEST_TARGET_BRANCH_NAME: _, ...env } = MR;
    expect(ciGitlab(env).facts).toMatchObject({
      fallbacks: [undefined, 'main'],
      reasons: ['GitLab CI: merge request feature/login -> ?'],
    });
  });

  test('a merge train imports only, and says why', () => {
    const { facts, where } = ciGitlab({ ...MR, CI_MERGE_REQUEST_EVENT_TYPE: 'merge_train' });
    expect([facts.exportAllowed, facts.fork, facts.reasons, where]).toEqual([
      false,
      undefined,
      ['GitLab CI: merge train feature/login -> develop: the merge is temporary, so imports only'],
      'this GitLab CI merge request pipeline (feature/login)',
    ]);
    const { CI_MERGE_REQUEST_TARGET_BRANCH_NAME: _, ...noTarget } = MR;
    expect(ciGitlab({ ...noTarget, CI_MERGE_REQUEST_EVENT_TYPE: 'merge_train' }).facts.reasons).toEqual([
      'GitLab CI: merge train feature/login -> ?: the merge is temporary, so imports only',
    ]);
  });

  test('from another project: a fork, named by its path, that never writes', () => {
    const env = {
      ...MR,
      CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '99',
      CI_MERGE_REQUEST_SOURCE_PROJECT_PATH: 'mallory/app',
    };
    expect(ciGitlab(env).facts).toEqual({
      branch: 'feature/login',
      fallbacks: ['develop', 'main'],
      exportAllowed: false,
      defaultBranch: 'main',
      fork: 'mallory/app',
      reasons: ['GitLab CI: merge request from fork mallory/app: imports only, a fork never writes the cache'],
    });
  });

  test('a fork without a path is named by its project id, or as unknown', () => {
    expect(ciGitlab({ ...MR, CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '99' }).facts.fork).toBe('project 99');
    const { CI_MERGE_REQUEST_SOURCE_PROJECT_ID: _, ...noSource } = MR;
    expect(ciGitlab(noSource).facts).toMatchObject({ fork: 'project (unknown)', exportAllowed: false });
  });

  test('either project id missing counts as a fork: never write on a guess', () => {
    const { CI_MERGE_REQUEST_PROJECT_ID: _, ...noTarget } = MR;
    expect(ciGitlab(noTarget).facts).toMatchObject({ fork: 'project 42', exportAllowed: false });
    const { CI_MERGE_REQUEST_SOURCE_PROJECT_ID: __, ...noSource } = MR;
    expect(ciGitlab({ ...noSource, CI_MERGE_REQUEST_SOURCE_PROJECT_PATH: 'x/y' }).facts).toMatchObject({
      fork: 'x/y',
      exportAllowed: false,
    });
    const { CI_MERGE_REQUEST_SOURCE_PROJECT_ID: ___, CI_MERGE_REQUEST_PROJECT_ID: ____, ...neither } = MR;
    expect(ciGitlab(neither).facts).toMatchObject({ fork: 'project (unknown)', exportAllowed: false });
  });

  test('a fork on a merge train is said as a fork', () => {
    const env = { ...MR, CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '7', CI_MERGE_REQUEST_EVENT_TYPE: 'merge_train' };
    expect(ciGitlab(env).facts.reasons).toEqual([
      'GitLab CI: merge request from fork project 7: imports only, a fork never writes the cache',
    ]);
  });
});

describe('ciGitlab: branch pipelines and the rest', () => {
  test("a merge commit's message puts the merged branch first", () => {
    const message = { text: "Merge branch 'feature/x' into 'main'", from: 'CI_COMMIT_MESSAGE' };
    expect(ciGitlab({ CI_DEFAULT_BRANCH: 'main', CI_COMMIT_BRANCH: 'main' }, message).facts).toEqual({
      branch: 'main',
      fallbacks: ['feature/x', 'main'],
      exportAllowed: true,
      defaultBranch: 'main',
      reasons: [
        'CI_COMMIT_MESSAGE: a merge of feature/x (a merge): its cache is the first fallback',
        'GitLab CI: branch pipeline on main',
      ],
    });
  });

  test('neither a branch nor a merge request: no branch, imports only', () => {
    expect(ciGitlab({ CI_DEFAULT_BRANCH: 'main', CI_COMMIT_BRANCH: ' ' })).toEqual({
      provider: 'gitlab',
      facts: {
        branch: undefined,
        fallbacks: ['main'],
        exportAllowed: false,
        defaultBranch: 'main',
        reasons: [
          'GitLab CI: neither CI_COMMIT_BRANCH nor CI_MERGE_REQUEST_SOURCE_BRANCH_NAME is set: not a branch, so ' +
            'imports only',
        ],
      },
      where: 'this GitLab CI pipeline',
    });
  });
});
