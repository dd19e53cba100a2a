// Sweep mode, the pure part: which cache tags name a branch that no longer
// exists, and which of those may go now. Tags are read back with the tag
// scheme's parser (tag.ts): a tag it did not write, or under another prefix,
// is never touched. The shell (shell/sweep.ts) lists, asks and deletes.
import type { KeepFor } from './keep-for.js';
import { whyProtected } from './protected-branches.js';
import { parseTag, shortHash } from './tag.js';

/** The cache tags that name one branch. */
export interface TaggedBranch {
  /** The branch, or the readable beginning of a name cut to fit a tag (then `hash` is set). */
  name: string;
  hash?: string;
  tags: string[];
}

export type BranchVerdict =
  | { state: 'live' }
  | { state: 'protected'; why: string }
  /** Gone: its tags go unless something says the branch left less than keep-for ago. */
  | { state: 'gone' };

/** The tags under `prefix` that this scheme wrote, grouped by branch; `foreign` counts the others. */
export function branchesOfTags(tags: readonly string[], prefix: string): { branches: TaggedBranch[]; foreign: number } {
  const groups = new Map<string, TaggedBranch>();
  let foreign = 0;
  for (const tag of tags) {
    const parsed = parseTag(tag);
    if (parsed === undefined || parsed.prefix !== prefix) {
      foreign++;
      continue;
    }
    const { name, hash } = parsed.branch;
    const key = `${name}\u0000${hash ?? ''}`;
    const group = groups.get(key) ?? { name, ...(hash !== undefined ? { hash } : {}), tags: [] };
    group.tags.push(tag);
    groups.set(key, group);
  }
  return { branches: [...groups.values()], foreign };
}

/** Is `live` the branch these tags name? A cut name matches the live branch it begins, with the same hash. */
function names(branch: TaggedBranch, live: string): boolean {
  if (branch.hash === undefined) return live === branch.name;
  return live.startsWith(branch.name) && shortHash(live) === branch.hash;
}

/** Live, protected (the default branch, a protected-branches pattern), or gone. */
export function branchVerdict(
  branch: TaggedBranch,
  live: readonly string[],
  defaultBranch: string,
  protectedBranches: readonly string[],
): BranchVerdict {
  if (live.some((l) => names(branch, l))) return { state: 'live' };
  // A protected branch's caches stay even when the branch is gone (a release line deleted by mistake).
  const why = whyProtected(branch.name, defaultBranch, [...protectedBranches]);
  return why === undefined ? { state: 'gone' } : { state: 'protected', why };
}

/** The newest of the times a cache says of itself (its layers' `buildkit/createdat`), if any. */
export function newestCreatedAt(manifest: unknown): Date | undefined {
  const layers = (manifest as { layers?: unknown })?.layers;
  if (!Array.isArray(layers)) return undefined;
  let newest: number | undefined;
  for (const layer of layers) {
    const at = Date.parse(
      String((layer as { annotations?: Record<string, unknown> })?.annotations?.['buildkit/createdat']),
    );
    if (!Number.isNaN(at) && (newest === undefined || at > newest)) newest = at;
  }
  return newest === undefined ? undefined : new Date(newest);
}

/** When something last said the branch was in use, and what said it. */
export interface LastSeen {
  at: Date;
  source: string;
}

/**
 * May a gone branch's caches go now? Only when the newest sign of it (its
 * newest cache, its pull request's close) is keep-for old; a branch nothing
 * dates is taken as old, since a registry that records no time would keep
 * it forever otherwise.
 */
export function sweepNow(seen: LastSeen | undefined, keep: KeepFor, now: Date): { sweep: boolean; why: string } {
  if (keep.ms === 0) return { sweep: true, why: 'gone; keep-for is 0' };
  if (seen === undefined) return { sweep: true, why: 'gone, and nothing says when it was last used: taken as old' };
  const age = now.getTime() - seen.at.getTime();
  const when = `${seen.source} ${seen.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return age >= keep.ms
    ? { sweep: true, why: `gone; last used ${when}, more than keep-for ${keep.text} ago` }
    : { sweep: false, why: `gone, but last used ${when}, within keep-for ${keep.text}` };
}

/** The latest of several signs, or undefined when there is none. */
export function latest(signs: readonly (LastSeen | undefined)[]): LastSeen | undefined {
  return signs.reduce<LastSeen | undefined>(
    (a, b) => (b !== undefined && (a === undefined || b.at > a.at) ? b : a),
    undefined,
  );
}

/**
 * `git ls-remote --symref <remote> HEAD 'refs/heads/*'`: the remote's branches and
 * its default branch (the symbolic HEAD), for the command line's sweep.
 */
export function parseLsRemote(text: string): { branches: string[]; defaultBranch?: string } {
  const branches: string[] = [];
  let defaultBranch: string | undefined;
  for (const line of text.split('\n')) {
    const sym = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
    if (sym) defaultBranch = sym[1];
    const head = /^[0-9a-f]{40,64}\trefs\/heads\/(.+)$/.exec(line);
    if (head) branches.push(head[1]!);
  }
  return { branches, ...(defaultBranch !== undefined ? { defaultBranch } : {}) };
}
