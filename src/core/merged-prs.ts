// Which pull requests lend a build their head branch's cache (README "Which
// branch, which fallbacks"): on a push, those its commit merged into the branch;
// in a merge queue, the queued one. What to ask the API and how to read its
// answers, as plain data: shell/pr-lookup.ts does the asking, github-event.ts uses the result.
import { get, str } from './payload.js';
import { parseQueueRef, validBranch } from './queue-ref.js';
import type { EventContext } from './github-event.js';
import { branchFromRef } from './ref.js';

/** A pull request and its head branch. */
export interface PrBranch {
  number: number;
  head: string;
}

/** What the look-up found, for github-event.ts: their caches come right after the branch's own. */
export interface PrLeads {
  /** Merged by the pushed commit, latest merge first. */
  merged?: PrBranch[];
  /** At the head of the merge queue. */
  queued?: PrBranch;
}

export type Lookup =
  | { kind: 'merged'; repository: string; sha: string; branch: string; path: string }
  | { kind: 'queued'; repository: string; number: number; base: string; path: string };

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** owner/name as GitHub allows them: safe in a URL path as they are. */
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/**
 * The one request that finds this event's pull requests, or why there is none
 * to make (`skip`); undefined when the event has none to find. `sha` and
 * `repository` are the runner's GITHUB_SHA and GITHUB_REPOSITORY, for when the payload lacks them.
 */
export function lookupFor(
  ctx: EventContext,
  env: { sha?: string; repository?: string },
): Lookup | { skip: string } | undefined {
  const repository = str(get(ctx.payload, 'repository', 'full_name')) ?? str(env.repository);
  const queueRef =
    ctx.eventName === 'merge_group' ? (str(get(ctx.payload, 'merge_group', 'head_ref')) ?? ctx.ref) : ctx.ref;
  const queue = parseQueueRef(queueRef);
  const branch = branchFromRef(ctx.ref);
  const isPush = ctx.eventName === 'push' && branch !== undefined && get(ctx.payload, 'deleted') !== true;
  if (queue === undefined && ctx.eventName === 'merge_group')
    return { skip: 'the merge_group head ref is not gh-readonly-queue/<base>/pr-<N>-<sha>' };
  if (queue === undefined && !isPush) return undefined;
  if (repository === undefined || !REPOSITORY.test(repository))
    return { skip: 'no owner/name repository to ask about' };
  if (queue !== undefined) {
    const path = `/repos/${repository}/pulls/${queue.number}`;
    return { kind: 'queued', repository, number: queue.number, base: queue.base, path };
  }
  const sha = str(get(ctx.payload, 'after')) ?? str(env.sha);
  if (sha === undefined || !SHA.test(sha)) return { skip: 'no commit SHA to ask about' };
  return {
    kind: 'merged',
    repository,
    sha,
    branch: branch!,
    path: `/repos/${repository}/commits/${sha}/pulls?per_page=100`,
  };
}

export interface Reading<T> {
  found: T;
  /** One line per pull request left out, and why. */
  lines: string[];
}

/** A pull request object's head branch if it is this repository's, else why not. */
function headOf(pr: unknown, repository: string): { head: string } | { why: string } {
  const headRepo = str(get(pr, 'head', 'repo', 'full_name'));
  if (headRepo?.toLowerCase() !== repository.toLowerCase())
    return { why: `from the fork ${headRepo ?? '(deleted repository)'}, whose branches have no cache here` };
  const head = str(get(pr, 'head', 'ref'));
  if (head === undefined || !validBranch(head)) return { why: 'its head branch is not a valid branch name' };
  return { head };
}

/**
 * Of `GET /repos/{owner}/{repo}/commits/{sha}/pulls`, the pull requests merged
 * into `branch` from this repository, latest merge first. (The API lists every
 * pull request the commit is in; open ones and those merged elsewhere do not count.)
 */
export function mergedPulls(answer: unknown, branch: string, repository: string): Reading<PrBranch[]> {
  if (!Array.isArray(answer)) return { found: [], lines: ['the answer is not a list of pull requests'] };
  const found: (PrBranch & { at: string })[] = [];
  const lines: string[] = [];
  for (const pr of answer) {
    const number = get(pr, 'number');
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) continue;
    const at = str(get(pr, 'merged_at'));
    const base = str(get(pr, 'base', 'ref'));
    const head = headOf(pr, repository);
    const why =
      at === undefined
        ? 'not merged'
        : base !== branch
          ? `merged into ${base !== undefined && validBranch(base) ? base : 'another branch'}, not ${branch}`
          : 'why' in head
            ? head.why
            : head.head === branch
              ? `its head is ${branch} itself`
              : undefined;
    if (why !== undefined) lines.push(`#${number}: ${why}, left out`);
    else if ('head' in head && !found.some((f) => f.head === head.head))
      found.push({ number, head: head.head, at: at! });
  }
  // ISO 8601 times in UTC sort as text; the latest merge is nearest to this commit's code.
  found.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return { found: found.map(({ number, head }) => ({ number, head })), lines };
}

/** Of `GET /repos/{owner}/{repo}/pulls/{N}`, the queued pull request's head branch, if it is this repository's. */
export function queuedPull(answer: unknown, number: number, repository: string): Reading<PrBranch | undefined> {
  if (get(answer, 'number') !== number)
    return { found: undefined, lines: [`the answer is not pull request #${number}`] };
  const head = headOf(answer, repository);
  if ('why' in head) return { found: undefined, lines: [`#${number}: ${head.why}, left out`] };
  return { found: { number, head: head.head }, lines: [] };
}
