// Which planned cache refs exist, and what each holds? The shell asks the
// registry (cache-lookup.ts); this module reads the answers and decides what to
// import: only refs that exist, and of those only the ones that add records
// (import-plan.ts), so BuildKit is sent neither to refs that were never written
// nor to two manifests that serve the same steps.
import type { CacheContent } from './cache-content.js';
import { planImports, type Related, type Verdict } from './import-plan.js';
import type { CacheEntry } from './plan.js';

export type RefState = 'exists' | 'missing' | 'unknown';

export interface ProbeResult {
  ref: string;
  state: RefState;
  /**
   * Why the state is unknown (registry down, denied, timed out), or why an
   * existing ref's content could not be read.
   */
  detail?: string;
  /** The manifest digest, when the ref exists. */
  digest?: string;
  /** The cache records it holds, when they could be read. */
  content?: CacheContent;
}

/**
 * How `docker buildx imagetools inspect` says a manifest is not there. A bare 404 must
 * stand alone: the ref echoed back in an error may hold one (branch fix-404, port 8404).
 */
const NOT_FOUND = /not found|manifest unknown|name unknown|(?<![\w.:/-])404(?![\w./-])/i;

/** Read one `imagetools inspect` probe's exit code and output. */
export function classifyProbe(ref: string, code: number | null, output: string, timedOut = false): ProbeResult {
  if (timedOut) return { ref, state: 'unknown', detail: 'timed out' };
  if (code === 0) return { ref, state: 'exists' };
  if (NOT_FOUND.test(output)) return { ref, state: 'missing' };
  const line =
    output
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .pop() ?? `exit code ${code}`;
  return { ref, state: 'unknown', detail: line.replace(/^ERROR:\s*/, '') };
}

export interface ImportSelection {
  /** What to pass to BuildKit. */
  imports: CacheEntry[];
  states: Map<string, ProbeResult>;
  /** Per planned ref: imported or left out, and why. */
  verdicts: Map<string, Verdict>;
  /** Nothing to import at all: this build starts cold. */
  cold: boolean;
  /** Refs that could not be checked, with why (they are still imported). */
  unreadable: ProbeResult[];
}

/**
 * `entries` in the plan's order (this branch first, the stage being built first).
 * A ref with no answer, or one we could not read, is still tried: BuildKit skips it if it is truly gone.
 */
export function selectImports(
  entries: CacheEntry[],
  results: ProbeResult[],
  related: Related = () => true,
): ImportSelection {
  const states = new Map(results.map((r) => [r.ref, r]));
  const ranks = new Map<string, number>();
  for (const e of entries) if (!ranks.has(e.branch)) ranks.set(e.branch, ranks.size);
  const verdictList = planImports(
    entries.map((e) => {
      const r = states.get(e.ref);
      return {
        ref: e.ref,
        stage: e.stage,
        branchRank: ranks.get(e.branch)!,
        state: r?.state ?? 'unknown',
        content: r?.content,
      };
    }),
    related,
  );
  const verdicts = new Map(verdictList.map((v) => [v.ref, v]));
  const imports = entries.filter((e) => verdicts.get(e.ref)?.imported);
  const unreadable = results.filter((r) => r.state === 'unknown');
  const cold = !results.some((r) => r.state === 'exists') && unreadable.length === 0;
  return { imports, states, verdicts, cold, unreadable };
}
