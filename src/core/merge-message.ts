// What a commit message says was merged, and the fallbacks a branch build takes
// from it: the CIs without an API to ask (ci-*.ts) read the merge commit's message.
import { type Env, type Provider, v } from './ci-facts.js';

/** Git's rules for a branch name (`git check-ref-format --branch`), at most 255 characters. */
export function isBranchName(name: string): boolean {
  if (name === '' || name === '@' || name.length > 255 || name.startsWith('-')) return false;
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.') || name.includes('//')) return false;
  if (name.includes('..') || name.includes('@{')) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: git refuses control characters in ref names
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  return name.split('/').every((c) => c !== '' && !c.startsWith('.') && !c.endsWith('.lock'));
}

/** What a commit message says was merged. */
export type MergedFrom =
  /** A merge commit naming its source branch; `owner` is the head repository's owner (GitHub's message only). */
  | { kind: 'merge'; branch: string; request: string; owner?: string }
  /** A squash commit's `(#12)`: the pull request, but not its branch. */
  | { kind: 'squash'; request: string }
  | { kind: 'none'; why?: string };

export type Msg = { text: string; from: string };

/** Longer subjects are no CI's merge message; the cap also bounds the regexes' work. */
const MAX_SUBJECT = 1024;

/**
 * The branch a merge commit's message names: GitHub's "Merge pull request #12
 * from owner/feature/x", GitLab's (and git's) "Merge branch 'feature/x' into
 * 'main'" with "See merge request group/project!12". Anyone who can write a
 * commit message can write these: the result is only a hint (a fallback to
 * import, a cache to delete), never a command, and a name git would refuse is none.
 */
export function mergedFrom(message: string): MergedFrom {
  const first = message.slice(0, MAX_SUBJECT + 2).split('\n', 1)[0]!;
  const subject = first.replace(/\r$/, '').trim();
  if (subject.length > MAX_SUBJECT) return { kind: 'none' };
  const github = /^Merge pull request #(\d{1,9}) from ([A-Za-z0-9][A-Za-z0-9-]*)\/(\S+)$/.exec(subject);
  const gitlab = github ? null : /^Merge branch '(\S+)'(?: into '?[^\s']+'?)?$/.exec(subject);
  if (github || gitlab) {
    const branch = (github ? github[3] : gitlab![1])!;
    if (!isBranchName(branch)) return { kind: 'none', why: 'it names something git would not take for a branch' };
    if (github) return { kind: 'merge', branch, request: `#${github[1]!}`, owner: github[2]! };
    const mr = /^See merge request (\S{1,255}![0-9]{1,9})\s*$/m.exec(message.slice(0, 65536));
    return { kind: 'merge', branch, request: mr ? mr[1]! : 'a merge' };
  }
  const squash = /\(#(\d{1,9})\)$/.exec(subject);
  return squash ? { kind: 'squash', request: `#${squash[1]!}` } : { kind: 'none' };
}

/** The variables a CI puts the commit's message in; BBC_COMMIT_MESSAGE (or --commit-message) goes first. */
const MESSAGE_VARIABLES: Partial<Record<Provider, string>> = {
  gitlab: 'CI_COMMIT_MESSAGE',
  buildkite: 'BUILDKITE_MESSAGE',
};

/** The commit message and where it came from, if any says. */
export function commitMessage(env: Env, provider: Provider, given?: string): Msg | undefined {
  if (given?.trim()) return { text: given, from: '--commit-message' };
  for (const name of ['BBC_COMMIT_MESSAGE', MESSAGE_VARIABLES[provider]]) {
    if (name !== undefined && v(env, name) !== undefined) return { text: env[name]!, from: name };
  }
  return undefined;
}

/**
 * A branch build's fallbacks: the branch a merge commit's message names (the
 * first build after a merge then starts from the merged branch's cache), then
 * the default branch. Says why in `reasons` when the message names a merge.
 */
export function branchFallbacks(
  branch: string | undefined,
  def: string,
  message: Msg | undefined,
  reasons: string[],
): (string | undefined)[] {
  const merged = message === undefined ? { kind: 'none' as const } : mergedFrom(message.text);
  if (merged.kind === 'squash') {
    reasons.push(
      `${message!.from}: a squash merge (${merged.request}) names no branch, ` +
        'so no merged branch to fall back to (--fallback names one)',
    );
  }
  if (merged.kind !== 'merge' || merged.branch === branch) return [def];
  reasons.push(`${message!.from}: a merge of ${merged.branch} (${merged.request}): its cache is the first fallback`);
  return [merged.branch, def];
}
