// Branch names are attacker-controlled: anyone can open a pull request. Over
// every name git accepts as a branch, the produced cache refs must be valid
// Docker references, stable, and never shared by two long names.
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { parseImage } from '../src/core/image.js';
import { cacheName } from '../src/core/plan.js';
import { gitAllows, HOSTILE_CHARS } from './helpers.js';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REPO_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

// Characters git allows and shells love (helpers.ts), plus letters from other scripts and emoji.
const unicode = ['ü', 'ß', 'é', 'ø', 'ł', 'ж', '日', '本', '語', '한', 'ع', '🚀', '🐳', '👩‍💻', '\u200d', 'İ'];
const char = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'abcxyzABCXYZ0189'.split('')) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_CHARS) },
  { weight: 2, arbitrary: fc.constantFrom(...unicode) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);
const branchName = fc
  .oneof(
    { weight: 5, arbitrary: fc.array(char, { minLength: 1, maxLength: 40 }).map((cs) => cs.join('')) },
    // Long names, up to and past 250 characters.
    { weight: 1, arbitrary: fc.array(char, { minLength: 200, maxLength: 260 }).map((cs) => cs.join('')) },
  )
  .filter(gitAllows);

function gitSays(name: string): boolean {
  try {
    execFileSync('git', ['check-ref-format', '--branch', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the generator makes what git allows', () => {
  test('git check-ref-format agrees with the predicate on a sample, hostile ones included', () => {
    const sample = fc.sample(
      fc.array(char, { minLength: 1, maxLength: 30 }).map((cs) => cs.join('')),
      { numRuns: 300, seed: 42 },
    );
    const known = [
      'x";touch${IFS}pwned;#$(touch${IFS}pwned2)',
      'a`b`',
      "it's",
      'a;b|c#d',
      'feat/🚀',
      'a..b',
      'a//b',
      '.hidden',
      'x.lock',
      'a b',
      'a:b',
      'ok@{',
      '-x',
    ];
    for (const name of [...sample, ...known]) expect([name, gitAllows(name)]).toEqual([name, gitSays(name)]);
  });
});

describe('over every branch name git allows', () => {
  const image = parseImage('ghcr.io/acme/app').repository;

  test('every cache ref is a valid Docker reference', () => {
    fc.assert(
      fc.property(
        branchName,
        fc.constantFrom('dependencies', 'build', 'final'),
        fc.constantFrom(undefined, 'linux-arm64'),
        (branch, stage, scope) => {
          const tag = cacheName('cache', stage, branch, scope);
          expect(tag).toMatch(TAG);
          const ref = `${image}:${tag}`;
          const [repo, t] = [ref.slice(0, ref.lastIndexOf(':')), ref.slice(ref.lastIndexOf(':') + 1)];
          expect(t).toBe(tag);
          for (const c of repo.split('/').slice(1)) expect(c).toMatch(REPO_COMPONENT);
          // Nothing a shell would act on survives into the tag.
          expect(tag).not.toMatch(/[$`"';|#&(){}<>!\s]/);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('two names that differ only past the cut never share a tag', () => {
    const longPrefix = fc.array(char, { minLength: 130, maxLength: 250 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(longPrefix, branchName, branchName, (prefix, a, b) => {
        const x = `${prefix}/${a}`;
        const y = `${prefix}/${b}`;
        fc.pre(x !== y && gitAllows(x) && gitAllows(y));
        expect(cacheName('cache', 'dependencies', x)).not.toBe(cacheName('cache', 'dependencies', y));
      }),
      { numRuns: 2000 },
    );
  });
});
