// Asks the GitHub API which pull requests lend this build their head branch's
// cache (core/merged-prs.ts decides what to ask and what counts). One request,
// bounded in time, through the one REST client (github/rest.ts). It never
// throws: without an answer the build goes on with the usual fallbacks, and the
// log says why in one line.
import { lookupFor, mergedPulls, queuedPull, type PrLeads } from '../core/merged-prs.js';
import type { BuildSource } from '../core/decide.js';
import type { EventContext } from '../core/github-event.js';
import type { Config } from '../core/inputs.js';
import { GitHubApiError, GitHubRateLimitError, GitHubRest } from '../github/rest.js';
import type { HttpFetch } from '../http/request.js';

/** The look-up's limit: a slow API must not hold up the build for long. */
export const LOOKUP_TIMEOUT_MS = 10_000;

export interface LeadLookup {
  leads: PrLeads;
  /** For the plan's log group. */
  lines: string[];
}

export interface LookupOptions {
  /** github-token; empty or unset: no look-up. */
  token?: string;
  /** pull-request-fallbacks is false: nothing is asked, and the log says so. */
  off?: boolean;
  /** GITHUB_API_URL, GITHUB_SHA, GITHUB_REPOSITORY; process.env unless given. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  fetch?: HttpFetch;
}

const PERMISSIONS = 'github-token needs contents: read, and pull-requests: read in a private repository';

function why(e: unknown): string {
  if (e instanceof GitHubRateLimitError) return e.message;
  if (e instanceof GitHubApiError && (e.status === 401 || e.status === 403 || e.status === 404))
    return `${e.message} (${PERMISSIONS})`;
  return e instanceof Error ? e.message : String(e);
}

/** The pull requests of this event (a push's merged ones, a merge queue's), with the log's lines on them. */
export async function lookUpLeads(ctx: EventContext, opts: LookupOptions = {}): Promise<LeadLookup> {
  const env = opts.env ?? process.env;
  let subject = 'pull requests';
  const usual = 'the build imports the usual fallbacks';
  try {
    const lookup = lookupFor(ctx, { sha: env.GITHUB_SHA, repository: env.GITHUB_REPOSITORY });
    if (lookup === undefined) return { leads: {}, lines: [] };
    if ('skip' in lookup) return { leads: {}, lines: [`${subject}: not looked up: ${lookup.skip}; ${usual}`] };
    subject = lookup.kind === 'merged' ? 'pull requests merged by this push' : `queued pull request #${lookup.number}`;
    if (opts.off) return { leads: {}, lines: [`${subject}: not looked up: pull-request-fallbacks is false; ${usual}`] };
    const token = opts.token?.trim() ?? '';
    if (token === '') return { leads: {}, lines: [`${subject}: not looked up: no github-token; ${usual}`] };
    const rest = new GitHubRest({ token, env, timeoutMs: opts.timeoutMs ?? LOOKUP_TIMEOUT_MS, fetch: opts.fetch });
    const answer = await rest.get(lookup.path);
    if (lookup.kind === 'merged') {
      const { found, lines } = mergedPulls(answer, lookup.branch, lookup.repository);
      const said = found.map((p) => `#${p.number} from ${p.head}`).join(', ');
      const into = `${lookup.sha.slice(0, 12)} into ${lookup.branch}`;
      const head = `${subject} (${into}): ${said || 'none of this repository'}`;
      return { leads: { merged: found }, lines: [head, ...lines.map((l) => `  ${l}`)] };
    }
    const { found, lines } = queuedPull(answer, lookup.number, lookup.repository);
    const said = found ? `from ${found.head}` : 'no head branch of this repository';
    const head = `${subject} (into ${lookup.base}): ${said}`;
    return { leads: found ? { queued: found } : {}, lines: [head, ...lines.map((l) => `  ${l}`)] };
  } catch (e) {
    return { leads: {}, lines: [`${subject}: not looked up: ${why(e)}; ${usual}`] };
  }
}

/**
 * The branch facts with what the API says of the event's pull requests. `fallback-branches` given replaces every
 * fallback, so nothing is asked then; another CI's facts have no event to ask about.
 */
export async function withLeads(
  read: BuildSource,
  config: Pick<Config, 'fallbackBranches' | 'githubToken' | 'pullRequestFallbacks'>,
): Promise<{ source: BuildSource; lines: string[] }> {
  if (!('event' in read) || config.fallbackBranches?.length) return { source: read, lines: [] };
  const found = await lookUpLeads(read.event, { token: config.githubToken, off: !config.pullRequestFallbacks });
  return { source: { ...read, leads: found.leads }, lines: found.lines };
}
