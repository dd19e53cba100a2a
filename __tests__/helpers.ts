// Small helpers shared by the unit tests.
import type { EventContext } from '../src/core/ref.js';

/** What `f` throws; fails the test when it throws nothing. */
export function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** A pull request from the fork mallory/app: feature/x into main of acme/app. */
export const forkPullRequest: EventContext = {
  eventName: 'pull_request',
  ref: 'refs/pull/9/merge',
  payload: {
    repository: { full_name: 'acme/app', default_branch: 'main' },
    pull_request: {
      head: { ref: 'feature/x', repo: { full_name: 'mallory/app' } },
      base: { ref: 'main', repo: { full_name: 'acme/app' } },
    },
  },
};

/** git check-ref-format's rules for refs/heads/<name>, as a predicate. */
export function gitAllows(name: string): boolean {
  if (name === '' || name === '@' || name.startsWith('-')) return false;
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.') || name.includes('//')) return false;
  if (name.includes('..') || name.includes('@{')) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: git refuses control characters in ref names, and so must this predicate
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  return name.split('/').every((c) => c !== '' && !c.startsWith('.') && !c.endsWith('.lock'));
}

/** Characters git allows in branch names and shells love. */
export const HOSTILE_CHARS = [
  '$',
  '`',
  '"',
  "'",
  ';',
  '|',
  '#',
  '&',
  '(',
  ')',
  '{',
  '}',
  '<',
  '>',
  '!',
  '%',
  '=',
  ',',
  '+',
  '@',
  '/',
  '.',
  '-',
  '_',
];
