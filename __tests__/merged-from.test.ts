// The branch a merge commit's message names (mergedFrom, core/ci.ts), and the
// command line's fallback to it on the first build after a merge, per CI.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { parseArgs, UsageError } from '../src/cli/args.js';
import { ciFacts } from '../src/core/ci.js';
import type { Env } from '../src/core/ci-facts.js';
import { branchFallbacks, commitMessage, isBranchName, mergedFrom } from '../src/core/merge-message.js';
import { decideRefs } from '../src/core/ref.js';
import { gitAllows, HOSTILE_CHARS } from './helpers.js';

const GITLAB_MESSAGE = "Merge branch 'feature/x' into 'main'\n\nAdd the login form\n\nSee merge request acme/app!12\n";
const GITHUB_MESSAGE = 'Merge pull request #12 from acme/feature/x\n\nAdd the login form';

describe('mergedFrom', () => {
  test.each([
    [GITLAB_MESSAGE, { kind: 'merge', branch: 'feature/x', request: 'acme/app!12' }],
    ["Merge branch 'feature/x' into 'main'\r\n\r\nSee merge request g/sub/p!7\r\n", { request: 'g/sub/p!7' }],
    // git's own merge: no quotes on the target, or no target when merging into main
    ["Merge branch 'fix/it' into develop", { kind: 'merge', branch: 'fix/it', request: 'a merge' }],
    ["Merge branch 'fix/it'", { kind: 'merge', branch: 'fix/it' }],
    // git allows quotes in branch names
    ["Merge branch 'it's' into 'main'", { kind: 'merge', branch: "it's" }],
    [GITHUB_MESSAGE, { kind: 'merge', branch: 'feature/x', request: '#12', owner: 'acme' }],
    ['Merge pull request #3 from mallory/main', { kind: 'merge', branch: 'main', owner: 'mallory' }],
    ['Add the login form (#12)', { kind: 'squash', request: '#12' }],
    ["Add the login form (#12)\n\n* wip\n* Merge branch 'x'", { kind: 'squash' }],
    ['Fix the build', { kind: 'none' }],
    ['', { kind: 'none' }],
    // A squash of a pull request titled like a merge is a squash: the title is anyone's to write.
    ['Merge pull request #1 from acme/release (#13)', { kind: 'squash', request: '#13' }],
    ["Merge branch 'a b' into 'main'", { kind: 'none' }],
    ["Merge branch '-rf' into 'main'", { kind: 'none', why: expect.stringContaining('git would not take') }],
    ["Merge branch 'a..b' into 'main'", { kind: 'none' }],
    ['Merge pull request #12 from acme/x:y', { kind: 'none' }],
    ["Merge branch 'x' into 'main' and more", { kind: 'none' }],
    [`Merge pull request #1 from acme/${'a'.repeat(2000)}`, { kind: 'none' }],
  ] as [string, object][])('%j', (message, expected) => {
    expect(mergedFrom(message)).toMatchObject(expected);
  });

  const hostile = fc.oneof(
    fc.string({ unit: fc.constantFrom(...HOSTILE_CHARS, 'a', '/', ' ', "'", '\n', '\r', '#', '.', '-', '\0', '~') }),
    fc.string({ unit: 'grapheme', maxLength: 200 }),
  );
  const wrapped = fc
    .tuple(fc.constantFrom("Merge branch '", 'Merge pull request #1 from acme/', ''), hostile, fc.string())
    .map(([a, b, c]) => `${a}${b}${a.startsWith("Merge branch '") ? "' into 'main'" : ''}\n${c}`);

  test('hostile messages: a named branch is always one git would take, and found in the message', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, wrapped), (message) => {
        const m = mergedFrom(message);
        if (m.kind === 'merge') {
          expect(gitAllows(m.branch)).toBe(true);
          expect(message.split('\n', 1)[0]).toContain(m.branch);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('fast on long and pathological messages', () => {
    const start = Date.now();
    for (const message of [
      `Merge branch '${"'".repeat(100_000)}`,
      `Merge branch '${'a'.repeat(1020)}' into '${'b'.repeat(3)}`,
      `${'x'.repeat(5_000_000)}\nSee merge request ${'a'.repeat(100_000)}`,
      `Merge branch 'x'\n${'See merge request a!'.repeat(100_000)}`,
    ])
      mergedFrom(message);
    expect(Date.now() - start).toBeLessThan(500);
  });

  test('isBranchName agrees with git (as helpers.ts has it) up to 255 characters', () => {
    const unit = fc.constantFrom(...HOSTILE_CHARS, 'a', '/', '.', '-', ' ', '@', '{', 'ü', '\t', 'k');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), (name) => {
        expect(isBranchName(name)).toBe(gitAllows(name));
      }),
      { numRuns: 3000 },
    );
    expect(isBranchName('a'.repeat(256))).toBe(false);
  });
});

function refs(env: Env, commitMessage?: string) {
  const ci = ciFacts(env, {}, { commitMessage });
  return { ...decideRefs(ci.facts, {}, ci.where), provider: ci.provider };
}

const GITLAB = { GITLAB_CI: 'true', CI_DEFAULT_BRANCH: 'main' };

describe('the first build after a merge falls back to the merged branch, right after its own', () => {
  test('GitLab: CI_COMMIT_MESSAGE of the branch pipeline on main', () => {
    const r = refs({ ...GITLAB, CI_COMMIT_BRANCH: 'main', CI_COMMIT_MESSAGE: GITLAB_MESSAGE });
    expect(r).toMatchObject({ branch: 'main', fallbacks: ['feature/x'], exportCache: true });
    expect(r.reasons).toContain(
      'CI_COMMIT_MESSAGE: a merge of feature/x (acme/app!12): its cache is the first fallback',
    );
    // On another branch: the merged branch, then the default branch.
    const dev = refs({ ...GITLAB, CI_COMMIT_BRANCH: 'develop', CI_COMMIT_MESSAGE: GITLAB_MESSAGE });
    expect(dev.fallbacks).toEqual(['feature/x', 'main']);
  });

  test('GitLab: a merge request or merged-result pipeline keeps its target then the default branch', () => {
    const mr = {
      ...GITLAB,
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/x',
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'develop',
      CI_MERGE_REQUEST_PROJECT_ID: '1',
      CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '1',
      CI_COMMIT_MESSAGE: "Merge branch 'other' into 'develop'",
    };
    const merged = refs({ ...mr, CI_MERGE_REQUEST_EVENT_TYPE: 'merged_result' });
    expect(merged).toMatchObject({ branch: 'feature/x', fallbacks: ['develop', 'main'], exportCache: true });
    expect(merged.reasons).toContain(
      'GitLab CI: merge request feature/x -> develop (merged result: the source merged into the target)',
    );
    expect(refs({ ...mr, CI_MERGE_REQUEST_EVENT_TYPE: 'detached' }).fallbacks).toEqual(['develop', 'main']);
  });

  test('a squash commit names no branch, and the log says so', () => {
    const r = refs({ ...GITLAB, CI_COMMIT_BRANCH: 'main', CI_COMMIT_MESSAGE: 'Add the login form (#12)' });
    expect(r.fallbacks).toEqual([]);
    expect(r.reasons.join('\n')).toContain('a squash merge (#12) names no branch');
  });

  test('Buildkite: BUILDKITE_MESSAGE; Jenkins and plain builds: BBC_COMMIT_MESSAGE or --commit-message', () => {
    const bk = refs({ BUILDKITE: 'true', BUILDKITE_BRANCH: 'main', BUILDKITE_MESSAGE: GITHUB_MESSAGE });
    expect(bk.fallbacks).toEqual(['feature/x']);
    const jenkins = { JENKINS_URL: 'http://j/', BRANCH_NAME: 'develop' };
    expect(refs(jenkins).fallbacks).toEqual(['main']);
    expect(refs({ ...jenkins, BBC_COMMIT_MESSAGE: GITHUB_MESSAGE }).fallbacks).toEqual(['feature/x', 'main']);
    expect(refs(jenkins, GITHUB_MESSAGE).reasons).toContain(
      '--commit-message: a merge of feature/x (#12): its cache is the first fallback',
    );
    const git = { JENKINS_URL: 'http://j/', GIT_BRANCH: 'origin/main', BBC_COMMIT_MESSAGE: GITLAB_MESSAGE };
    expect(refs(git).fallbacks).toEqual(['feature/x']);
    expect(refs({ BRANCH_NAME: 'main', BBC_COMMIT_MESSAGE: GITLAB_MESSAGE }).fallbacks).toEqual(['feature/x']);
    expect(refs({ BBC_COMMIT_MESSAGE: GITLAB_MESSAGE }).fallbacks).toEqual(['feature/x', 'main']);
    // --commit-message goes first, then BBC_COMMIT_MESSAGE, then the CI's own.
    const both = { ...GITLAB, CI_COMMIT_BRANCH: 'main', CI_COMMIT_MESSAGE: GITLAB_MESSAGE };
    expect(refs({ ...both, BBC_COMMIT_MESSAGE: "Merge branch 'y'" }).fallbacks).toEqual(['y']);
    expect(refs({ ...both, BBC_COMMIT_MESSAGE: "Merge branch 'y'" }, "Merge branch 'z'").fallbacks).toEqual(['z']);
  });

  test('tags and merges of the branch into itself add nothing', () => {
    expect(refs({ ...GITLAB, CI_COMMIT_TAG: 'v1', CI_COMMIT_MESSAGE: GITLAB_MESSAGE }).fallbacks).toEqual(['main']);
    const self = refs({ ...GITLAB, CI_COMMIT_BRANCH: 'feature/x', CI_COMMIT_MESSAGE: GITLAB_MESSAGE });
    expect(self.fallbacks).toEqual(['main']);
  });

  test('a message naming no valid branch adds no fallback', () => {
    const r = refs({
      ...GITLAB,
      CI_COMMIT_BRANCH: 'main',
      CI_COMMIT_MESSAGE: "Merge branch '$(rm -rf ~)' into 'main'",
    });
    expect(r.fallbacks).toEqual([]);
  });
});

describe('pull-request-fallbacks: false', () => {
  test('no message is read: the usual fallbacks, on every CI', () => {
    const off = (env: Env, commitMessage?: string) =>
      decideRefs(ciFacts(env, {}, { commitMessage, mergeMessages: false }).facts);
    const gitlab = off({ ...GITLAB, CI_COMMIT_BRANCH: 'develop', CI_COMMIT_MESSAGE: GITLAB_MESSAGE });
    expect(gitlab.fallbacks).toEqual(['main']);
    expect(gitlab.reasons.join('\n')).not.toContain('feature/x');
    expect(off({ BRANCH_NAME: 'develop' }, GITHUB_MESSAGE).fallbacks).toEqual(['main']);
    expect(off({ BRANCH_NAME: 'develop', BBC_COMMIT_MESSAGE: GITHUB_MESSAGE }).fallbacks).toEqual(['main']);
    // The same with the switch on (the default): the merged branch first.
    expect(refs({ BRANCH_NAME: 'develop', BBC_COMMIT_MESSAGE: GITHUB_MESSAGE }).fallbacks).toEqual([
      'feature/x',
      'main',
    ]);
  });

  test('the command line takes it as an option from the input table', () => {
    expect(parseArgs(['plan', '--pull-request-fallbacks', 'false']).inputs).toEqual({
      'pull-request-fallbacks': 'false',
    });
  });
});

describe('--commit-message', () => {
  test('takes any text, a leading dash or an = included; not an input', () => {
    expect(parseArgs(['plan', '--commit-message', '-x\ny']).commitMessage).toBe('-x\ny');
    expect(parseArgs(['plan', '--commit-message=a=b', '--image', 'r']).commitMessage).toBe('a=b');
    expect(parseArgs(['plan', '--commit-message=a']).inputs).toEqual({});
    expect(() => parseArgs(['plan', '--commit-message'])).toThrow(UsageError);
    expect(() => parseArgs(['plan', '--commit-mesage', 'x'])).toThrow(/did you mean --commit-message/);
  });
});

describe('merge-message rules, one by one', () => {
  test('isBranchName: what git refuses for a branch, and what it takes', () => {
    const refused = [
      '',
      '@',
      '-x',
      '/x',
      'x/',
      'x.',
      'a//b',
      'a..b',
      'a@{b',
      'a b',
      'a:b',
      'x.lock',
      'a.lock/b',
      'a/.b',
      '.a',
    ];
    const taken = ['a', 'a/b', 'a.b', '@x', 'x@', 'a-b', 'x.locked', 'a.lock.b', 'a/b.c', 'x'.repeat(255)];
    expect(refused.filter(isBranchName)).toEqual([]);
    expect(taken.filter((n) => !isBranchName(n))).toEqual([]);
    expect(isBranchName('x'.repeat(256))).toBe(false);
  });

  test('a subject of up to 1024 characters is read; a longer one is no merge message', () => {
    const at = `${'x'.repeat(1019)}(#12)`;
    expect(at).toHaveLength(1024);
    expect(mergedFrom(`${at}\r\nbody`)).toEqual({ kind: 'squash', request: '#12' });
    expect(mergedFrom(`x${at}\nbody`)).toEqual({ kind: 'none' });
  });

  test('the merge and squash forms must be the whole subject', () => {
    expect(mergedFrom('Revert "Merge pull request #1 from acme/x"')).toEqual({ kind: 'none' });
    expect(mergedFrom("Revert Merge branch 'x'")).toEqual({ kind: 'none' });
    expect(mergedFrom('Fix (#12) and more')).toEqual({ kind: 'none' });
  });

  test("GitLab's merge request line: on a line of its own, trailing blanks only, within the first 64 KiB", () => {
    const merge = (tail: string) => mergedFrom(`Merge branch 'x' into 'main'\n\n${tail}`);
    expect(merge('See merge request g/p!12')).toEqual({ kind: 'merge', branch: 'x', request: 'g/p!12' });
    expect(merge('See merge request g/p!12  \nmore')).toMatchObject({ request: 'g/p!12' });
    expect(merge('See merge request g/p!12 and more')).toMatchObject({ request: 'a merge' });
    expect(merge('also: See merge request g/p!12')).toMatchObject({ request: 'a merge' });
    expect(merge(`${'y'.repeat(70_000)}\nSee merge request g/p!12`)).toMatchObject({ request: 'a merge' });
  });

  test('commitMessage: --commit-message first unless blank, then BBC_COMMIT_MESSAGE, then the CI variable', () => {
    const env = { BBC_COMMIT_MESSAGE: 'bbc', CI_COMMIT_MESSAGE: 'gitlab', BUILDKITE_MESSAGE: 'bk' };
    expect(commitMessage(env, 'gitlab', 'given')).toEqual({ text: 'given', from: '--commit-message' });
    expect(commitMessage(env, 'gitlab', '  ')).toEqual({ text: 'bbc', from: 'BBC_COMMIT_MESSAGE' });
    expect(commitMessage({ ...env, BBC_COMMIT_MESSAGE: ' ' }, 'gitlab')).toEqual({
      text: 'gitlab',
      from: 'CI_COMMIT_MESSAGE',
    });
    expect(commitMessage({ BUILDKITE_MESSAGE: 'bk' }, 'buildkite')).toEqual({ text: 'bk', from: 'BUILDKITE_MESSAGE' });
    expect(commitMessage({ CI_COMMIT_MESSAGE: 'gitlab' }, 'jenkins')).toBeUndefined();
  });

  test('branchFallbacks: the merged branch first, with why; a squash says it names none; else the default', () => {
    const reasons: string[] = [];
    const msg = (text: string) => ({ text, from: 'BBC_COMMIT_MESSAGE' });
    expect(branchFallbacks('main', 'main', msg("Merge branch 'feature/x'"), reasons)).toEqual(['feature/x', 'main']);
    expect(branchFallbacks('main', 'main', msg('Add it (#7)'), reasons)).toEqual(['main']);
    expect(branchFallbacks('feature/x', 'main', msg("Merge branch 'feature/x'"), reasons)).toEqual(['main']);
    expect(branchFallbacks('dev', 'main', undefined, reasons)).toEqual(['main']);
    expect(reasons).toEqual([
      'BBC_COMMIT_MESSAGE: a merge of feature/x (a merge): its cache is the first fallback',
      'BBC_COMMIT_MESSAGE: a squash merge (#7) names no branch, so no merged branch to fall back to (--fallback names one)',
    ]);
  });
});
