// Cleanup mode, the pure part: which branch a `delete` event or a closed pull
// request is about, whether its caches may go (protected-branches.ts,
// keep-for.ts), and which cache tags are its. No I/O here.
import { get, str } from './payload.js';
import { mergedFrom } from './merge-message.js';
import { InputError } from './errors.js';
import { legacyCacheName } from './legacy-tag.js';
import { cacheName } from './plan.js';
import { defaultBranchOf, pullRequestHead, type EventContext } from './github-event.js';
import { branchName, DEFAULT_BRANCH_FALLBACK } from './ref.js';
import { branchPattern, checkPatterns, whyProtected } from './protected-branches.js';

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
  // Stryker disable next-line ArrayDeclaration: the mutant's pattern has blanks, which no git branch name has
  protectedBranches: string[] = [],
): CleanupBranch {
  checkPatterns(protectedBranches);
  const defaultBranch = defaultBranchOf(event) ?? DEFAULT_BRANCH_FALLBACK;
  // Stryker disable next-line MethodExpression: branchName reads a blank name as none too
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
