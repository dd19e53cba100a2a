// What a GitHub Actions event says about a build: its branch, the fallbacks
// (pull request base, queued or merged pull requests' heads, the default
// branch), and whether it may write the cache. Plain data in: the event's name,
// GITHUB_REF and the payload (read by shell/event.ts).
import type { PrLeads } from './merged-prs.js';
import { get, str } from './payload.js';
import { parseQueueRef } from './queue-ref.js';
import {
  branchFromRef,
  branchName,
  DEFAULT_BRANCH_FALLBACK,
  decideRefs,
  type RefDecision,
  type RefFacts,
  type RefOverrides,
} from './ref.js';

export interface EventContext {
  eventName: string;
  /** GITHUB_REF, e.g. refs/heads/main, refs/tags/v1, refs/pull/1/merge */
  ref: string;
  /** GITHUB_HEAD_REF / GITHUB_BASE_REF (set on pull_request events) */
  headRef?: string;
  baseRef?: string;
  /** The event payload (GITHUB_EVENT_PATH); only a few fields are read. */
  payload: Record<string, unknown>;
}

/** Events that build the branch's own code, so may write its cache by default. */
const BRANCH_EVENTS = new Set(['push', 'workflow_dispatch', 'schedule']);

/** Events that always run on the default branch's ref, whatever their payload says. */
const DEFAULT_REF_EVENTS = new Set(['schedule', 'delete']);

/**
 * The default branch: the payload's repository.default_branch, else, for events
 * that always run on it (a schedule's payload names no repository), GITHUB_REF's branch.
 */
export function defaultBranchOf(ctx: EventContext): string | undefined {
  return (
    str(get(ctx.payload, 'repository', 'default_branch')) ??
    (DEFAULT_REF_EVENTS.has(ctx.eventName) ? branchFromRef(ctx.ref) : undefined)
  );
}

/** The repository the code comes from when it is not this one; a deleted or unnamed one counts as a fork. */
function forkOf(headRepo: string | undefined, baseRepo: string | undefined, unknown: string): string | undefined {
  return headRepo !== undefined && baseRepo !== undefined && headRepo === baseRepo ? undefined : (headRepo ?? unknown);
}

export interface PullRequestHead {
  head: string | undefined;
  base: string | undefined;
  /** The head repository when it is not this one. */
  fork: string | undefined;
}

/** A pull_request(_target) event's head and base branches, and whether the head is a fork. */
export function pullRequestHead(ctx: EventContext): PullRequestHead {
  const { payload } = ctx;
  const headRepo = str(get(payload, 'pull_request', 'head', 'repo', 'full_name'));
  const baseRepo =
    str(get(payload, 'pull_request', 'base', 'repo', 'full_name')) ?? str(get(payload, 'repository', 'full_name'));
  return {
    head: str(get(payload, 'pull_request', 'head', 'ref')) ?? str(ctx.headRef),
    base: str(get(payload, 'pull_request', 'base', 'ref')) ?? str(ctx.baseRef),
    // A deleted fork has no head repo: treat it as a fork, never as ours.
    fork: forkOf(headRepo, baseRepo, '(deleted repository)'),
  };
}

interface EventDecision {
  branch: string | undefined;
  fallbacks: (string | undefined)[];
  exportAllowed: boolean;
  reason: string;
  fork?: string;
  warnings?: string[];
  forcedExportWarning?: string;
}

/** refs/heads/gh-readonly-queue/<base>/pr-<N>-<sha>: a merge queue's temporary branch, and its base. */
export function mergeQueueBase(branch: string | undefined): string | undefined {
  return parseQueueRef(branch)?.base;
}

function fromEvent(ctx: EventContext, defaultBranch: string): EventDecision {
  const { eventName, payload } = ctx;
  switch (eventName) {
    case 'pull_request':
    case 'pull_request_target': {
      const { head, base, fork } = pullRequestHead(ctx);
      // The merge of the default branch into another is not the default branch's code.
      const fromDefault = fork === undefined && head === defaultBranch;
      return {
        branch: head,
        fallbacks: [base, defaultBranch],
        exportAllowed: fork === undefined && !fromDefault,
        fork,
        reason: fork
          ? `${eventName} from fork ${fork}: imports only, a fork never writes the cache`
          : fromDefault
            ? `${eventName} ${head} -> ${base ?? '?'}: the head is the default ` +
              `branch, whose cache only its own builds write, so imports only`
            : `${eventName} ${head ?? '?'} -> ${base ?? '?'}`,
        warnings:
          fork && eventName === 'pull_request_target'
            ? [
                `pull_request_target from the fork ${fork}: this job has the base repository's secrets and ` +
                  `a write token, so building the fork's code here can leak them; build forks on pull_request`,
              ]
            : undefined,
      };
    }
    case 'workflow_run': {
      // Runs on the default branch's ref, for a run of another workflow: the code it
      // builds is usually that run's head, which may come from a fork.
      const head = str(get(payload, 'workflow_run', 'head_branch'));
      const fork = forkOf(
        str(get(payload, 'workflow_run', 'head_repository', 'full_name')),
        str(get(payload, 'repository', 'full_name')),
        '(unknown repository)',
      );
      return {
        branch: head,
        fallbacks: [defaultBranch],
        exportAllowed: false,
        fork,
        reason:
          `workflow_run for ${head ?? '?'}${fork ? ` from fork ${fork}` : ''}: ` +
          `imports only unless export-cache is true${fork ? ' (never for a fork)' : ''}`,
      };
    }
    case 'merge_group': {
      const base = branchName(str(get(payload, 'merge_group', 'base_ref')));
      return {
        branch: undefined,
        fallbacks: [base, defaultBranch],
        exportAllowed: false,
        reason: `merge_group into ${base ?? '?'}: the queue branch is temporary, so no cache is written`,
      };
    }
    default: {
      const branch = branchFromRef(ctx.ref);
      const queueBase = mergeQueueBase(branch);
      if (queueBase !== undefined) {
        return {
          branch: undefined,
          fallbacks: [queueBase, defaultBranch],
          exportAllowed: false,
          reason: `${eventName} on the merge queue branch ${branch}: temporary, so no cache is written`,
        };
      }
      if (branch !== undefined && eventName === 'push' && get(payload, 'deleted') === true) {
        return {
          branch,
          fallbacks: [defaultBranch],
          exportAllowed: false,
          reason: `push that deleted branch ${branch}: nothing to build, so no cache is written`,
        };
      }
      if (branch !== undefined && BRANCH_EVENTS.has(eventName)) {
        return { branch, fallbacks: [defaultBranch], exportAllowed: true, reason: `${eventName} on branch ${branch}` };
      }
      if (branch !== undefined) {
        // workflow_run, issue_comment, repository_dispatch... run on the default
        // branch's ref but may build other code (a fork's): never write its cache unasked.
        return {
          branch,
          fallbacks: [defaultBranch],
          exportAllowed: false,
          reason:
            `${eventName} on branch ${branch}: imports only (only push, ` +
            `workflow_dispatch and schedule write the cache unless export-cache is true)`,
          forcedExportWarning:
            `export-cache is true on ${eventName}, so this build writes ${branch}'s cache, which every build of ` +
            `${branch}${branch === defaultBranch ? ' and every other branch' : ''} ` +
            `imports: make sure the code checked out is ${branch}'s`,
        };
      }
      return {
        branch: undefined,
        fallbacks: [defaultBranch],
        exportAllowed: false,
        reason: `${eventName} on ${ctx.ref || 'no ref'}: not a branch, so imports only`,
      };
    }
  }
}

/**
 * The pull requests' head branches (merged-prs.ts), first of the fallbacks, and why each is there. A merged
 * head's refs also come before the branch's own in the import planning (decide.ts): it built this code last.
 */
function leadFallbacks(leads: PrLeads): { branches: string[]; reasons: string[] } {
  const merged = (leads.merged ?? []).map(
    (p) => `merged in #${p.number} from ${p.head}: its cache holds the merged code, so it comes first`,
  );
  const q = leads.queued;
  const queued = q ? [`queued #${q.number} from ${q.head}: its cache comes before the base branch's`] : [];
  const heads = [...(q ? [q.head] : []), ...(leads.merged ?? []).map((p) => p.head)];
  return { branches: heads, reasons: [...queued, ...merged] };
}

/** The facts of a GitHub Actions event; `leads`: what the API said of its pull requests (shell/pr-lookup.ts). */
export function githubFacts(ctx: EventContext, leads: PrLeads = {}): RefFacts {
  const known = defaultBranchOf(ctx);
  const defaultBranch = known ?? DEFAULT_BRANCH_FALLBACK;
  const reasons: string[] = [];
  if (known === undefined) {
    reasons.push(`the event payload has no repository.default_branch: assuming "${DEFAULT_BRANCH_FALLBACK}"`);
  }
  const ev = fromEvent(ctx, defaultBranch);
  reasons.push(ev.reason);
  const lead = leadFallbacks(leads);
  reasons.push(...lead.reasons);
  return {
    branch: ev.branch,
    fallbacks: [...lead.branches, ...ev.fallbacks],
    exportAllowed: ev.exportAllowed,
    defaultBranch,
    reasons,
    fork: ev.fork,
    warnings: ev.warnings,
    forcedExportWarning: ev.forcedExportWarning,
  };
}

export function resolveRefs(ctx: EventContext, overrides: RefOverrides = {}, leads: PrLeads = {}): RefDecision {
  return decideRefs(githubFacts(ctx, leads), overrides, `${ctx.eventName} on ${ctx.ref || 'no ref'}`);
}
