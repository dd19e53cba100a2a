// The helpers every CI's reader shares (src/core/ci-facts.ts): a variable's
// value, the default branch, the facts' shape and a tag build.
import { describe, expect, test } from '@jest/globals';
import { defaultBranch, facts, providerName, tagBuild, v, type Provider } from '../src/core/ci-facts.js';

describe('v: a variable, unset when empty', () => {
  test('trimmed; an empty or blank value is unset, like a missing one', () => {
    const env = { A: ' x ', B: '', C: '  \t', D: '0' };
    expect([v(env, 'A'), v(env, 'B'), v(env, 'C'), v(env, 'D'), v(env, 'E')]).toEqual([
      'x',
      undefined,
      undefined,
      '0',
      undefined,
    ]);
  });
});

describe('providerName', () => {
  test('each provider as the reasons name it', () => {
    const all: Provider[] = ['gitlab', 'jenkins', 'buildkite', 'github', 'branch-name', 'none'];
    expect(all.map(providerName)).toEqual([
      'GitLab CI',
      'Jenkins',
      'Buildkite',
      'GitHub Actions',
      'BRANCH_NAME',
      'no CI',
    ]);
  });
});

describe('defaultBranch', () => {
  test('the value when the CI gives one, and no reason line', () => {
    const reasons: string[] = [];
    expect(defaultBranch('trunk', 'Some CI', 'SOME_VAR', reasons)).toBe('trunk');
    expect(reasons).toEqual([]);
  });

  test('main otherwise, with a line naming the CI and the variable', () => {
    const reasons = ['before'];
    expect(defaultBranch(undefined, 'Some CI', 'SOME_VAR', reasons)).toBe('main');
    expect(reasons).toEqual([
      'before',
      'Some CI does not say which branch is the default (SOME_VAR is not set): assuming "main"; --fallback overrides',
    ]);
  });
});

describe('facts', () => {
  test("the reason goes last among the reasons, named by the CI; `where` names the CI's build", () => {
    const reasons = ['first'];
    expect(
      facts(
        'gitlab',
        { branch: 'x', fallbacks: ['main'], exportAllowed: true, defaultBranch: 'main', reason: 'why' },
        reasons,
        'pipeline on x',
      ),
    ).toEqual({
      provider: 'gitlab',
      facts: {
        branch: 'x',
        fallbacks: ['main'],
        exportAllowed: true,
        defaultBranch: 'main',
        reasons: ['first', 'GitLab CI: why'],
      },
      where: 'this GitLab CI pipeline on x',
    });
    expect(reasons).toEqual(['first']);
  });
});

describe('tagBuild', () => {
  test('no branch, the default branch only, nothing written; a tag pipeline or a tag build by name', () => {
    expect(tagBuild('gitlab', 'v1', 'trunk', [], 'tag pipeline')).toEqual({
      provider: 'gitlab',
      facts: {
        branch: undefined,
        fallbacks: ['trunk'],
        exportAllowed: false,
        defaultBranch: 'trunk',
        reasons: ['GitLab CI: tag pipeline v1: not a branch, so imports only'],
      },
      where: 'this GitLab CI tag pipeline (v1)',
    });
    expect(tagBuild('jenkins', 'v2', 'main', ['r'], 'tag build')).toEqual({
      provider: 'jenkins',
      facts: {
        branch: undefined,
        fallbacks: ['main'],
        exportAllowed: false,
        defaultBranch: 'main',
        reasons: ['r', 'Jenkins: tag v2: not a branch, so imports only'],
      },
      where: 'this Jenkins tag build (v2)',
    });
  });
});
