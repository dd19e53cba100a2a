// Which branches' caches are never deleted: the default branch and the
// protected-branches patterns, matched as globs in branch and in slug space.
import { InputError } from './errors.js';
import { slugifyBranch } from './slug.js';

/** The longest protected-branches pattern: a git ref name component is at most 255 bytes on most file systems. */
export const MAX_PATTERN_LENGTH = 255;

type GlobToken = { kind: 'char'; c: string } | { kind: 'one' } | { kind: 'star' } | { kind: 'any' };

function globTokens(pattern: string): GlobToken[] {
  const out: GlobToken[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      out.push({ kind: 'any' });
      i++;
    } else if (c === '*') out.push({ kind: 'star' });
    else if (c === '?') out.push({ kind: 'one' });
    else out.push({ kind: 'char', c });
  }
  return out;
}

/**
 * Does the glob match all of `text`, case-insensitively? `**` matches any run,
 * `*` a run and `?` one character, neither of them a `/` when `segments`.
 * One pass per pattern token over the text: O(pattern × text), whatever the
 * pattern (a regex backtracks exponentially on `*-*-*-*-*-*-keep`).
 */
export function globMatch(pattern: string, text: string, segments: boolean): boolean {
  const t = text.toLowerCase();
  // reach[j]: the pattern so far can match the first j characters of the text.
  let reach: boolean[] = Array.from({ length: t.length + 1 }, (_, j) => j === 0);
  for (const token of globTokens(pattern.toLowerCase())) {
    const next: boolean[] = new Array<boolean>(t.length + 1).fill(false);
    // It only ends the loop early: with no position reached, the later tokens reach none either.
    // Stryker disable next-line BooleanLiteral: see above
    let any = false;
    for (let j = 0; j <= t.length; j++) {
      if (token.kind === 'star' || token.kind === 'any') {
        next[j] = reach[j]! || (j > 0 && next[j - 1]! && (token.kind === 'any' || !segments || t[j - 1] !== '/'));
      } else if (j > 0 && reach[j - 1]) {
        const c = t[j - 1]!;
        next[j] = token.kind === 'one' ? !(segments && c === '/') : c === token.c;
      }
      any ||= next[j]!;
    }
    if (!any) return false;
    reach = next;
  }
  return reach[t.length]!;
}

/** A protected-branches entry as a branch name or glob: `refs/heads/develop` is `develop`. */
export function branchPattern(pattern: string): string {
  return pattern.startsWith('refs/heads/') ? pattern.slice('refs/heads/'.length) : pattern;
}

/** InputError for a pattern too long to be a branch name's. */
export function checkPatterns(patterns: string[]): void {
  for (const p of patterns) {
    if (p.length > MAX_PATTERN_LENGTH) {
      throw new InputError(
        'protected-branches',
        `the pattern "${p.slice(0, 40)}..." is ${p.length} characters ` +
          `long: a pattern may have at most ${MAX_PATTERN_LENGTH}`,
      );
    }
  }
}

/**
 * Does `pattern` protect `branch`? Also in slug space: `Release/1` and
 * `release-1` share their cache tags with `release/1`, so `release/*` protects them too.
 * A `refs/heads/` pattern is the same as the branch pattern without it.
 */
export function matchesProtected(pattern: string, branch: string): boolean {
  const glob = branchPattern(pattern);
  if (glob.length > MAX_PATTERN_LENGTH) return false; // checkPatterns reports it
  if (globMatch(glob, branch, true)) return true;
  // The pattern's literal parts slugified as a branch would be; wildcards kept.
  const slugPattern = glob
    .split(/(\*+|\?)/)
    .map((part) => (/^(\*+|\?)$/.test(part) ? part : part.toLowerCase().replace(/[^a-z0-9._-]/g, '-')))
    .join('');
  // Neither a slug nor the slugified pattern holds a '/', so segments changes nothing.
  // Stryker disable next-line BooleanLiteral: see above
  return globMatch(slugPattern, slugifyBranch(branch), false);
}

/** Why the branch's caches are never deleted (the default branch, a protected-branches match), if they are not. */
export function whyProtected(branch: string, defaultBranch: string, protectedBranches: string[]): string | undefined {
  if (branch === defaultBranch) return 'it is the default branch';
  const pattern = protectedBranches.find((p) => matchesProtected(p, branch));
  return pattern === undefined ? undefined : `it matches "${pattern}" in protected-branches`;
}
