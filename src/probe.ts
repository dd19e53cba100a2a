// Which planned cache refs exist? The shell asks the registry (with the
// builder's own credentials); this module reads the answers and decides what
// to import, so BuildKit is not sent to refs that were never written.
import type { CacheEntry } from './plan.js';

export type RefState = 'exists' | 'missing' | 'unknown';

export interface ProbeResult {
  ref: string;
  state: RefState;
  /** Why the state is unknown (registry down, denied, timed out). */
  detail?: string;
}

/**
 * How `docker buildx imagetools inspect` says a manifest is not there. A bare 404 must
 * stand alone: the ref echoed back in an error may hold one (branch fix-404, port 8404).
 */
const NOT_FOUND = /not found|manifest unknown|name unknown|(?<![\w.:/-])404(?![\w./-])/i;

/** Read one probe's exit code and output. */
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
  /** What to pass to BuildKit: the refs that exist, and those we could not check. */
  imports: CacheEntry[];
  states: Map<string, ProbeResult>;
  /** Nothing to import at all: this build starts cold. */
  cold: boolean;
  /** Refs that could not be checked, with why (they are still imported). */
  unreadable: ProbeResult[];
}

export function selectImports(entries: CacheEntry[], results: ProbeResult[]): ImportSelection {
  const states = new Map(results.map((r) => [r.ref, r]));
  // A ref we could not check is still tried: BuildKit skips it if it is truly gone.
  const imports = entries.filter((e) => states.get(e.ref)?.state !== 'missing');
  const unreadable = results.filter((r) => r.state === 'unknown');
  const cold = !results.some((r) => r.state === 'exists') && unreadable.length === 0;
  return { imports, states, cold, unreadable };
}
