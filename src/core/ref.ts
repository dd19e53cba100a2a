// Which branch is this build for, which branches may lend it a cache, and may
// it write one? The facts come from a GitHub event (github-event.ts) or another
// CI's variables (ci.ts); this applies the user's overrides (plain data in).
import { InputError } from './errors.js';
import { str } from './payload.js';

export type ExportSetting = 'auto' | 'true' | 'false';

export interface RefOverrides {
  branch?: string;
  fallbackBranches?: string[];
  exportCache?: ExportSetting;
}

export interface RefDecision {
  /** The branch this build belongs to; undefined for tags, merge queues and the like. */
  branch: string | undefined;
  /** Branches to import from after the branch itself, in order, without duplicates. */
  fallbacks: string[];
  exportCache: boolean;
  defaultBranch: string;
  /** One line each on why: shown in the log group and the job summary. */
  reasons: string[];
  /** What the user asked for and did not get: shown as warnings. */
  warnings: string[];
}

export const DEFAULT_BRANCH_FALLBACK = 'main';

/** refs/heads/feature/x -> feature/x; anything that is not a branch ref -> undefined. */
export function branchFromRef(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  return ref.startsWith('refs/heads/') ? str(ref.slice('refs/heads/'.length)) : undefined;
}

/** A branch given either bare or as refs/heads/... */
export function branchName(ref: string | undefined): string | undefined {
  return ref === undefined ? undefined : (branchFromRef(ref) ?? str(ref));
}

export function dedupe(branches: readonly (string | undefined)[], exclude?: string): string[] {
  const out: string[] = [];
  for (const b of branches) {
    if (b !== undefined && b !== '' && b !== exclude && !out.includes(b)) out.push(b);
  }
  return out;
}

/**
 * What a CI system says about a build, before the user's overrides: the common
 * ground of GitHub events and other CIs' variables (github-event.ts, ci.ts).
 */
export interface RefFacts {
  branch: string | undefined;
  /** Candidate fallbacks in order (the default branch included); may hold duplicates. */
  fallbacks: (string | undefined)[];
  /** False for forks, tags and merge queues: they must not write a cache. */
  exportAllowed: boolean;
  defaultBranch: string;
  reasons: string[];
  /** Set when the code comes from a fork: writing a cache is refused even when asked. */
  fork?: string;
  /** Said whatever the inputs. */
  warnings?: string[];
  /** Said only when `export-cache: true` makes this build write (the code may not be the branch's). */
  forcedExportWarning?: string;
}

/** Facts plus the user's overrides: the final answer. */
export function decideRefs(facts: RefFacts, overrides: RefOverrides = {}, where = 'this build'): RefDecision {
  const reasons = [...facts.reasons];
  let branch = facts.branch;
  const inputBranch = branchName(overrides.branch?.trim());
  if (inputBranch !== undefined) {
    branch = inputBranch;
    reasons.push(`branch set by input: ${branch}`);
  }

  let fallbackList = facts.fallbacks;
  if (overrides.fallbackBranches !== undefined && overrides.fallbackBranches.length > 0) {
    fallbackList = overrides.fallbackBranches.map((b) => branchName(b.trim()));
    reasons.push('fallback branches set by input');
  }
  const fallbacks = dedupe(fallbackList, branch);

  let exportCache: boolean;
  const setting = overrides.exportCache ?? 'auto';
  if (setting === 'auto') {
    exportCache = facts.exportAllowed && branch !== undefined;
  } else {
    exportCache = setting === 'true';
    reasons.push(`export-cache set by input: ${setting}`);
  }
  const warnings: string[] = [...(facts.warnings ?? [])];
  if (
    setting === 'true' &&
    facts.forcedExportWarning !== undefined &&
    facts.fork === undefined &&
    inputBranch === undefined
  ) {
    warnings.push(facts.forcedExportWarning);
  }
  if (exportCache && facts.fork !== undefined) {
    // A fork chooses its branch name: it could overwrite any branch's cache, main's included.
    // Refused, but without failing a good build: the build goes on, importing only.
    exportCache = false;
    warnings.push(
      `export-cache is true, but the code comes from the fork ${facts.fork}: ` +
        `forks never write the cache, so this build only imports`,
    );
    reasons.push(`export-cache: true ignored: fork ${facts.fork}`);
  }
  if (exportCache && branch === undefined) {
    throw new InputError(
      'export-cache',
      (w) => `is true, but ${where} has no branch to write to: also set ${w.ref('branch')}`,
    );
  }
  return { branch, fallbacks, exportCache, defaultBranch: facts.defaultBranch, reasons, warnings };
}
