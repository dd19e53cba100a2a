// A merge queue's temporary branch, gh-readonly-queue/<base>/pr-<N>-<sha>: the
// one parser for a push to it and for a merge_group event (github-event.ts, merged-prs.ts).
// The name comes from whoever can push a branch, so anything odd is no queue ref.

export interface QueueRef {
  /** The branch the queue merges into. */
  base: string;
  /** The pull request at the queue's head. */
  number: number;
  /** The commit the queue built on (40 hex digits; 64 in a SHA-256 repository). */
  sha: string;
}

const QUEUE = /^gh-readonly-queue\/(.+)\/pr-([1-9][0-9]{0,15})-([0-9a-f]{40}|[0-9a-f]{64})$/;

/** What Git refuses in a branch name (git check-ref-format), and spaces: never a base branch here. */
export function validBranch(name: string): boolean {
  if (name === '' || name === '@' || name.startsWith('-') || name.endsWith('/') || name.endsWith('.')) return false;
  // Control characters (C0, DEL, C1), space and the Unicode line separators: they could break a log line.
  const breaks = (c: number) => c <= 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;
  if ([...name].some((c) => breaks(c.charCodeAt(0)))) return false;
  // Git's ~^:?*[\ , "..", "@{" and "//".
  if (/[~^:?*[\\]|\.\.|@\{|\/\//.test(name)) return false;
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}

/** `gh-readonly-queue/main/pr-12-<sha>` (bare or as refs/heads/...) -> its parts; anything else -> undefined. */
export function parseQueueRef(ref: string | undefined): QueueRef | undefined {
  if (typeof ref !== 'string') return undefined;
  const name = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
  const m = QUEUE.exec(name);
  if (!m) return undefined;
  const [, base, n, sha] = m as unknown as [string, string, string, string];
  const number = Number(n);
  if (!Number.isSafeInteger(number) || !validBranch(base)) return undefined;
  return { base, number, sha };
}
