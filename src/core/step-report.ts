// Which steps of each stage ran and which came from the cache, from the final
// state of BuildKit's vertices (progress.ts), plus the cache export's and
// imports' errors: what the report (report.ts) and the outputs say.
/** A BuildKit vertex's final state: one step, or one of BuildKit's own operations. */
export interface Vertex {
  digest: string;
  name: string;
  cached: boolean;
  error: string | undefined;
  started: string | undefined;
  completed: string | undefined;
}

export interface Step {
  stage: string;
  /** Position in its stage, 1-based, as the log shows it ([stage 3/5]). */
  index: number;
  /** The instruction, e.g. `RUN yarn install`. */
  name: string;
  cached: boolean;
  error: boolean;
}

export interface StageReport {
  stage: string;
  total: number;
  cached: number;
  /** The first step that ran: where the cache stopped matching. */
  firstRan: Step | undefined;
}

export interface ProgressReport {
  steps: Step[];
  stages: StageReport[];
  total: number;
  cached: number;
  /** Every step was served from the cache. */
  cacheHit: boolean;
  /** Why the cache export failed (BuildKit went on: ignore-error=true). */
  exportErrors: string[];
  /** A cache export step finished without error. */
  exported: boolean;
  /** Cache imports BuildKit could not read. */
  importErrors: string[];
  /** BuildKit's warnings (Dockerfile lint and the like), one line each. */
  warnings: string[];
  /** Progress records skipped because they were not valid JSON. */
  malformed: number;
}

/**
 * `[build 2/3] RUN x`, or `[2/3] RUN x` for a single unnamed stage. BuildKit pads the
 * index to the width of the total: `[build  2/12]`, `[ 2/12]`.
 */
const STEP_RE = /^\[(?:(.+?) )? *(\d+)\/(\d+)\] (.+)$/s;

export function summarize(vertices: Vertex[], more: { warnings?: string[]; malformed?: number } = {}): ProgressReport {
  const steps: Step[] = [];
  const exportErrors: string[] = [];
  const importErrors: string[] = [];
  let exported = false;
  for (const v of vertices) {
    if (/^exporting cache|^exporting to GitHub Actions Cache/i.test(v.name) && v.completed && !v.error) exported = true;
    const m = STEP_RE.exec(v.name);
    // FROM only names a base image: there is nothing to run or cache.
    if (m && !/^FROM /i.test(m[4]!)) {
      // A multi-platform build prefixes the stage with the platform: [linux/arm64 build 2/3].
      const stage = (m[1] ?? 'default').replace(/^[a-z0-9]+\/[a-z0-9]+(?:\/[a-z0-9]+)? /, '');
      steps.push({ stage, index: Number(m[2]), name: m[4]!, cached: v.cached, error: v.error !== undefined });
    }
    if (v.error && /^exporting cache|^exporting to GitHub Actions Cache/i.test(v.name)) exportErrors.push(v.error);
    if (v.error && /^importing cache manifest/i.test(v.name)) importErrors.push(v.error);
  }
  const byStage = new Map<string, Step[]>();
  for (const s of steps) byStage.set(s.stage, [...(byStage.get(s.stage) ?? []), s]);
  const stages = [...byStage].map(([stage, list]) => {
    const ran = list.filter((s) => !s.cached).sort((a, b) => a.index - b.index);
    return { stage, total: list.length, cached: list.length - ran.length, firstRan: ran[0] };
  });
  const cached = steps.filter((s) => s.cached).length;
  return {
    steps,
    stages,
    total: steps.length,
    cached,
    cacheHit: steps.length > 0 && cached === steps.length,
    exportErrors,
    exported,
    importErrors,
    warnings: [...(more.warnings ?? [])],
    malformed: more.malformed ?? 0,
  };
}
