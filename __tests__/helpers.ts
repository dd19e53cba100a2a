// Small helpers shared by the unit tests.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
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

/** HTML entities back to characters (what the reader of a rendered summary sees). */
export function decode(html: string): string {
  return html
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The bundled command line (dist/cli.js) as a process; PATH finds no docker unless env says otherwise. */
export function bundledCli(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; node?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      opts.node ?? process.execPath,
      [join(import.meta.dirname, '..', 'dist', 'cli.js'), ...args],
      { cwd: opts.cwd, env: { PATH: '/nonexistent', ...opts.env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}
