// Cleanup mode, the pure part: which branch a `delete` event or a closed pull
// request is about, whether its caches may go, and which cache tags are its.
// Also the per-tag results and their log and summary text. No I/O here.
import { get, str } from './payload.js';
import { mergedFrom } from './ci.js';
import { InputError } from './errors.js';
import { cell, code, text } from './markdown.js';
import { legacyCacheName } from './legacy-tag.js';
import { cacheName } from './plan.js';
import { branchName, defaultBranchOf, DEFAULT_BRANCH_FALLBACK, pullRequestHead, type EventContext } from './ref.js';
import { slugifyBranch } from './slug.js';

export interface CleanupRequest {
  event: EventContext;
  /** The `branch` input: names the branch instead of the event (e.g. a manual workflow_dispatch). */
  branch?: string;
  /** Branch names or globs (`*` within a path segment, `**` across) whose caches are never deleted. */
  protectedBranches: string[];
  /** Already validated (checkNamePart). */
  prefix: string;
  /** Every stage the branch may have a cache for. */
  stages: string[];
  /** Already-sanitised scope (cache-scope or the single platform), as the build used it. */
  scope?: string;
}

export interface CleanupPlan {
  /** Undefined when there is nothing to clean up (a tag was deleted, a fork's pull request). */
  branch: string | undefined;
  defaultBranch: string;
  /** One line on why: the log and the summary. */
  reason: string;
  /** The branch's cache tags, one per stage, without duplicates. */
  tags: string[];
}

type EventBranch = { branch: string | undefined; reason: string };

/** The branch the event says is gone, or why there is none. Throws for events cleanup does not run on. */
function branchOfEvent(ctx: EventContext): EventBranch {
  const { eventName, payload } = ctx;
  switch (eventName) {
    case 'delete': {
      const ref = str(get(payload, 'ref'));
      const type = str(get(payload, 'ref_type'));
      if (type !== 'branch') {
        const what = `${type ?? 'a ref'}${ref === undefined ? '' : ` ${ref}`}`;
        return { branch: undefined, reason: `delete of ${what}: only branches have caches, nothing to clean up` };
      }
      if (ref === undefined)
        throw new InputError('cleanup', 'the delete event payload has no ref: cannot tell which branch was deleted');
      return { branch: branchName(ref)!, reason: `delete of branch ${branchName(ref)!}` };
    }
    case 'pull_request':
    case 'pull_request_target': {
      const action = str(get(payload, 'action'));
      if (action !== 'closed') {
        throw new InputError(
          'cleanup',
          `runs on closed pull requests, and this ${eventName} event is ` +
            `"${action ?? 'unknown'}": use \`on: pull_request: types: [closed]\``,
        );
      }
      const { head, fork } = pullRequestHead(ctx);
      // A fork never writes the cache, and its branch name may equal one of ours: never act on it.
      if (fork !== undefined) {
        return {
          branch: undefined,
          reason: `closed pull request from fork ${fork}: forks never write the cache, nothing to clean up`,
        };
      }
      if (head === undefined) throw new InputError('cleanup', `the ${eventName} payload has no head branch`);
      return { branch: head, reason: `closed pull request from ${head}` };
    }
    case 'workflow_run':
      return branchOfWorkflowRun(payload);
    default:
      throw new InputError(
        'cleanup',
        (w) =>
          `runs on \`delete\` events of branches, closed pull requests and completed workflow runs, not on ` +
          `${eventName || 'this'} events: or name the branch with ${w.ref('branch')}`,
      );
  }
}

/**
 * A completed build of a push (the default branch's after a merge): the branch
 * its merge commit's message names. Its import is over, so nothing races the delete.
 */
function branchOfWorkflowRun(payload: Record<string, unknown>): EventBranch {
  const action = str(get(payload, 'action'));
  if (action !== 'completed') {
    throw new InputError(
      'cleanup',
      `runs on completed workflow runs, and this one is "${action ?? 'unknown'}": use \`types: [completed]\``,
    );
  }
  const runEvent = str(get(payload, 'workflow_run', 'event'));
  const run = `${runEvent ?? '?'} run on ${str(get(payload, 'workflow_run', 'head_branch')) ?? '?'}`;
  if (runEvent !== 'push')
    return { branch: undefined, reason: `workflow_run of a ${run}: only a push merges a branch, nothing to clean up` };
  const merged = mergedFrom(str(get(payload, 'workflow_run', 'head_commit', 'message')) ?? '');
  if (merged.kind === 'squash') {
    return {
      branch: undefined,
      reason:
        `workflow_run of a ${run}: a squash merge (${merged.request}) names no branch, nothing to clean up ` +
        '(clean up on `delete` or closed pull requests for those)',
    };
  }
  if (merged.kind === 'none')
    return { branch: undefined, reason: `workflow_run of a ${run}: not a merge commit, nothing to clean up` };
  // GitHub's message names the head repository's owner: a fork's branch may be named like ours.
  const repo = str(get(payload, 'repository', 'full_name'));
  const owner = str(get(payload, 'repository', 'owner', 'login')) ?? repo?.split('/')[0];
  if (merged.owner !== undefined && merged.owner.toLowerCase() !== owner?.toLowerCase()) {
    return {
      branch: undefined,
      reason: `workflow_run of a ${run}: merged ${merged.request} from ${merged.owner}'s fork, nothing to clean up`,
    };
  }
  return { branch: merged.branch, reason: `workflow_run of a ${run}: merged ${merged.branch} (${merged.request})` };
}

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
function branchPattern(pattern: string): string {
  return pattern.startsWith('refs/heads/') ? pattern.slice('refs/heads/'.length) : pattern;
}

/** InputError for a pattern too long to be a branch name's. */
function checkPatterns(patterns: string[]): void {
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
  return globMatch(slugPattern, slugifyBranch(branch), false);
}

export interface CleanupBranch {
  /** Undefined when there is nothing to clean up. */
  branch: string | undefined;
  defaultBranch: string;
  reason: string;
}

/**
 * Which branch is gone (or why there is none), refusing protected ones; the
 * `branch` input wins over the event. Needs no Dockerfile, so it runs first.
 */
export function cleanupBranch(
  event: EventContext,
  branchInput?: string,
  protectedBranches: string[] = [],
): CleanupBranch {
  checkPatterns(protectedBranches);
  const defaultBranch = defaultBranchOf(event) ?? DEFAULT_BRANCH_FALLBACK;
  const input = branchInput?.trim() ? branchName(branchInput) : undefined;
  const found = input !== undefined ? { branch: input, reason: `branch set by input: ${input}` } : branchOfEvent(event);
  const target = { ...found, defaultBranch };
  const branch = found.branch;
  if (branch === undefined) return target;
  const why = whyProtected(branch, defaultBranch, protectedBranches);
  if (why === undefined) return target;
  // A closed pull request from a protected branch (develop into main), or its merge, is ordinary: nothing to
  // clean, not an error. A protected branch named by the `branch` input, or deleted, is a mistake worth failing for.
  const closedPullRequest =
    input === undefined && ['pull_request', 'pull_request_target', 'workflow_run'].includes(event.eventName);
  if (!closedPullRequest) throw new InputError('cleanup', `refusing to delete the caches of ${branch}: ${why}`);
  return { branch: undefined, defaultBranch, reason: `${target.reason}; keeping the caches of ${branch}: ${why}` };
}

/** The branch to clean up and its cache tags; InputError when the branch is protected. */
export function planCleanup(req: CleanupRequest): CleanupPlan {
  const target = cleanupBranch(req.event, req.branch, req.protectedBranches);
  // Protected names as branch names from here on (refs/heads/develop is develop); errors above quote them as written.
  req = { ...req, protectedBranches: req.protectedBranches.map(branchPattern) };
  const { branch, defaultBranch } = target;
  if (branch === undefined) return { ...target, tags: [] };

  const stages = req.stages.filter((s, i, all) => all.indexOf(s) === i);
  if (stages.length === 0) throw new InputError('cache-stages', 'no stages to clean up: name them in cache-stages');
  // The current tags, then the old scheme's (legacy-tag.ts), which builds import once and no longer write.
  // Old tags were shared by names that slugged alike (release-1, release/1); a protected
  // branch's slug-alikes are refused above (matchesProtected), so no protected cache goes.
  const current = stages.map((s) => cacheName(req.prefix, s, branch, req.scope));
  const legacy = stages.flatMap((s) => legacyCacheName(req.prefix, s, branch, req.scope, defaultBranch) ?? []);
  return { ...target, tags: [...current, ...legacy].filter((t, i, all) => all.indexOf(t) === i) };
}

/** Why the branch's caches are never deleted (the default branch, a protected-branches match), if they are not. */
function whyProtected(branch: string, defaultBranch: string, protectedBranches: string[]): string | undefined {
  if (branch === defaultBranch) return 'it is the default branch';
  const pattern = protectedBranches.find((p) => matchesProtected(p, branch));
  return pattern === undefined ? undefined : `it matches "${pattern}" in protected-branches`;
}

// --------------------------------------------------------------- keep-for --

/** The `keep-for` input: how long a merged branch's caches outlive it. */
export interface KeepFor {
  ms: number;
  /** As written (`7d`), for the reasons. */
  text: string;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `keep-for`: 0, or a whole number of minutes, hours, days or weeks (30m, 12h, 7d, 2w); empty is 7d. */
export function parseKeepFor(raw: string): KeepFor {
  const v = raw.trim() || '7d';
  const m = /^(\d{1,6})([mhdw])$/.exec(v);
  if (/^0+[mhdw]?$/.test(v)) return { ms: 0, text: '0' };
  if (m === null) {
    throw new InputError(
      'keep-for',
      `"${raw.slice(0, 40)}" is not a duration: a whole number and m, h, d or w (30m, 12h, 7d, 2w), or 0 for at once`,
    );
  }
  return { ms: Number(m[1]) * UNIT_MS[m[2]!]!, text: v };
}

function ago(ms: number): string {
  if (ms < 60_000) return 'less than a minute ago';
  if (ms < 2 * 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 2 * 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} days ago`;
}

/**
 * Why the gone branch's caches stay for now, if they do: a build of the branch
 * it was merged into may still be importing them (its first fallback, ref.ts).
 * A merged pull request's caches stay until keep-for after the merge; a
 * `delete` event does not say whether the branch was merged, so they stay
 * keep-for from now. A branch named by the `branch` input, a closed unmerged
 * pull request and a completed workflow run (the import is over) delete at once.
 */
export function whyKept(event: EventContext, byInput: boolean, keep: KeepFor, now: Date): string | undefined {
  if (keep.ms === 0 || byInput) return undefined;
  const later = 'a later sweep or cleanup deletes them';
  // A delete event does not say whether the branch was merged: its caches go at once, as before keep-for
  // (nothing would delete them later until a sweep exists). A merged pull request's close says so.
  if (event.eventName !== 'pull_request' && event.eventName !== 'pull_request_target') return undefined;
  if (get(event.payload, 'pull_request', 'merged') !== true) return undefined;
  const at = Date.parse(str(get(event.payload, 'pull_request', 'merged_at')) ?? '');
  // No time, or one in the future (another clock): as if merged just now.
  const age = Number.isNaN(at) ? undefined : Math.max(0, now.getTime() - at);
  if (age !== undefined && age >= keep.ms) return undefined;
  const when = age === undefined ? 'at a time the event does not give' : ago(age);
  return `merged ${when}, within keep-for ${keep.text}: ${later}`;
}

// ---------------------------------------------------------------- results --

export type TagState = 'deleted' | 'would delete' | 'not found' | 'kept' | 'failed' | 'unsupported';

export interface TagResult {
  tag: string;
  state: TagState;
  /** Why it was kept or failed; the digest or version deleted. */
  detail?: string;
}

/** The message for a registry that does not delete through any API we speak. */
export function unsupportedMessage(registry: string, answer: string): string {
  return (
    `${registry} does not delete manifests through the registry API (it answered ${answer}): ` +
    `set a retention policy there for the cache tags instead (e.g. Docker Hub's or ECR's lifecycle rules); ` +
    `a self-hosted distribution registry deletes once its storage.delete.enabled is true`
  );
}

/** The refs deleted (or, in a dry run, that would be): the `deleted-refs` output. */
export function deletedRefs(image: string, results: TagResult[]): string[] {
  return results.filter((r) => r.state === 'deleted' || r.state === 'would delete').map((r) => `${image}:${r.tag}`);
}

export function resultLines(image: string, results: TagResult[]): string[] {
  return results.map((r) => `${r.state}: ${image}:${r.tag}${r.detail ? ` (${r.detail})` : ''}`);
}

const ICON: Record<TagState, string> = {
  deleted: '🗑️',
  'would delete': '📝',
  'not found': '➖',
  kept: '🔒',
  failed: '❌',
  unsupported: '❌',
};

export function cleanupSummary(opts: {
  image: string;
  plan: CleanupPlan;
  results: TagResult[];
  dryRun: boolean;
  where: string;
}): string {
  const { plan, results } = opts;
  const branch = plan.branch ? `: ${code(plan.branch)}` : '';
  const title = `### buildx-branch-cache cleanup${branch}${opts.dryRun ? ' (dry run)' : ''}`;
  const lines = [title, '', `${text(plan.reason)}.`, ''];
  if (plan.branch === undefined) return lines.join('\n') + '\n';
  lines.push(`Registry: ${text(opts.where)}`, '', '| Cache ref | Result |', '|---|---|');
  for (const r of results) {
    const result = `${ICON[r.state]} ${r.state}${r.detail ? `: ${text(r.detail)}` : ''}`;
    lines.push(`| ${cell(code(`${opts.image}:${r.tag}`))} | ${cell(result)} |`);
  }
  const count = (s: TagState) => results.filter((r) => r.state === s).length;
  const done = opts.dryRun ? `${count('would delete')} would be deleted` : `${count('deleted')} deleted`;
  lines.push(
    '',
    `**${done}, ${count('not found')} not found, ${count('kept')} ` +
      `kept, ${count('failed') + count('unsupported')} failed.**`,
  );
  return lines.join('\n') + '\n';
}
