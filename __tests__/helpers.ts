// Small helpers shared by the unit tests (and the bundle tests: __tests__/bundle/harness.ts has theirs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventContext } from '../src/core/github-event.js';

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

/** HTML entities back to characters (what the reader of a rendered summary sees). */
export function decode(html: string): string {
  return html
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** What a RUN step (or a step name) can print to forge runner commands: after \r, the legacy form, a forged output. */
export const HOSTILE_OUTPUT = [
  'a\r::warning::FORGED-CR',
  'b ##[warning]FORGED-LEGACY',
  '::set-output name=digest::sha256:0000000000000000000000000000000000000000000000000000000000000000',
  'c ##[set-output name=imageid;]FORGED-ID',
  'd\u2028::error::FORGED-LS',
  '::add-mask::FORGED-MASK',
  '::stop-commands::guessed',
  '::guessed::',
  'e\r\n::notice::FORGED-CRLF',
].join('\n');

/** Event payload files that are not what the runner writes, and what the error says of each. */
export const BAD_PAYLOADS = [
  ['invalid JSON', 'is not valid JSON'],
  ['an empty file', 'is empty'],
  ['a directory', 'is a directory'],
  ['a JSON array', 'does not hold a JSON object'],
] as const;

/** Writes a bad payload of that kind at DIR/event.json; returns its path. */
export function badPayload(dir: string, kind: (typeof BAD_PAYLOADS)[number][0]): string {
  const path = join(dir, 'event.json');
  if (kind === 'invalid JSON') writeFileSync(path, '{"ref": "refs/heads/main",');
  else if (kind === 'an empty file') writeFileSync(path, '');
  else if (kind === 'a directory') mkdirSync(path);
  else if (kind === 'a JSON array') writeFileSync(path, '[]');
  else throw new Error(kind);
  return path;
}
