// Reads buildx's `--progress=rawjson` stream. Plain progress cannot be trusted
// for counting: its printer sometimes omits `CACHED` for a step whose layers
// come lazily from a remote cache, while the JSON's final vertex state is right.
// So the action asks for JSON, prints a plain-style log from it as it arrives,
// and reports per stage which steps ran and which were served from the cache.

export interface Vertex {
  digest: string;
  name: string;
  cached: boolean;
  error: string | undefined;
  started: string | undefined;
  completed: string | undefined;
}

interface RawVertex {
  digest: string;
  name?: string;
  cached?: boolean;
  error?: string;
  started?: string;
  completed?: string;
}

interface RawStatus {
  id: string;
  vertex: string;
  name?: string;
  current?: number;
  total?: number;
  completed?: string;
}

interface RawLog {
  vertex: string;
  stream?: number;
  data: string;
  timestamp?: string;
}

interface RawWarning {
  vertex?: string;
  short?: string;
}

interface SolveStatus {
  vertexes?: RawVertex[];
  statuses?: RawStatus[];
  logs?: RawLog[];
  warnings?: RawWarning[];
}

function seconds(from: string | undefined, to: string | undefined): string {
  if (!from || !to) return '';
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(s) ? ` ${Math.max(0, s).toFixed(1)}s` : '';
}

/**
 * Incremental: feed it chunks of buildx's stderr, get back log lines to print.
 * buildx writes one indented JSON object per status; each ends with a `}` line.
 * Anything that is not JSON (a buildx error message) is passed through as is.
 */
export class ProgressStream {
  private buffer = '';
  private pending: string[] = [];
  private readonly vertices = new Map<string, Vertex>();
  private readonly numbers = new Map<string, number>();
  private readonly printed = new Map<string, 'name' | 'done' | 'cached' | 'error'>();
  private readonly statusDone = new Set<string>();
  readonly warnings: string[] = [];

  feed(chunk: string): string[] {
    this.buffer += chunk;
    const out: string[] = [];
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      out.push(...this.line(line));
    }
    return out;
  }

  /** Flush what is left at the end of the stream. */
  end(): string[] {
    const rest = this.buffer;
    this.buffer = '';
    const out = rest === '' ? [] : this.line(rest);
    if (this.pending.length > 0) out.push(...this.pending.splice(0));
    return out;
  }

  private line(line: string): string[] {
    if (this.pending.length === 0 && line !== '{') return [line];
    this.pending.push(line);
    if (line !== '}') return [];
    const text = this.pending.splice(0).join('\n');
    try {
      return this.status(JSON.parse(text) as SolveStatus);
    } catch {
      return text.split('\n');
    }
  }

  private id(digest: string): number {
    let n = this.numbers.get(digest);
    if (n === undefined) {
      n = this.numbers.size + 1;
      this.numbers.set(digest, n);
    }
    return n;
  }

  private status(s: SolveStatus): string[] {
    const out: string[] = [];
    for (const raw of s.vertexes ?? []) {
      const prev = this.vertices.get(raw.digest);
      const v: Vertex = {
        digest: raw.digest,
        name: raw.name ?? prev?.name ?? '',
        cached: raw.cached ?? prev?.cached ?? false,
        error: raw.error ?? prev?.error,
        started: raw.started ?? prev?.started,
        completed: raw.completed ?? prev?.completed,
      };
      this.vertices.set(raw.digest, v);
      if (!v.started && !v.cached && !v.completed) continue; // only announced
      const n = this.id(v.digest);
      const state = this.printed.get(v.digest);
      if (state === undefined) out.push(`#${n} ${v.name}`);
      if (v.cached && state !== 'cached') {
        out.push(`#${n} CACHED`);
        this.printed.set(v.digest, 'cached');
      } else if (v.error && state !== 'error') {
        out.push(`#${n} ERROR: ${v.error}`);
        this.printed.set(v.digest, 'error');
      } else if (v.completed && !v.cached && !v.error && state !== 'done' && state !== 'cached') {
        out.push(`#${n} DONE${seconds(v.started, v.completed)}`);
        this.printed.set(v.digest, 'done');
      } else if (state === undefined) {
        this.printed.set(v.digest, 'name');
      }
    }
    for (const st of s.statuses ?? []) {
      const key = `${st.vertex} ${st.id}`;
      if (st.completed && !this.statusDone.has(key)) {
        this.statusDone.add(key);
        const size = st.total ? ` ${st.current ?? 0}/${st.total}` : '';
        out.push(`#${this.id(st.vertex)} ${st.id}${size} done`);
      }
    }
    for (const log of s.logs ?? []) {
      const n = this.id(log.vertex);
      const text = Buffer.from(log.data, 'base64').toString('utf8');
      for (const l of text.replace(/\n$/, '').split('\n')) out.push(`#${n} ${l}`);
    }
    for (const w of s.warnings ?? []) {
      const msg = w.short ? Buffer.from(w.short, 'base64').toString('utf8') : 'warning';
      this.warnings.push(msg);
      out.push(`WARNING: ${msg}`);
    }
    return out;
  }

  /** Vertices in the order they were first seen, in their final state. */
  result(): Vertex[] {
    return [...this.vertices.values()];
  }
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
}

/**
 * `[build 2/3] RUN x`, or `[2/3] RUN x` for a single unnamed stage. BuildKit pads the
 * index to the width of the total: `[build  2/12]`, `[ 2/12]`.
 */
const STEP_RE = /^\[(?:(.+?) )? *(\d+)\/(\d+)\] (.+)$/s;

export function summarize(vertices: Vertex[]): ProgressReport {
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
  return { steps, stages, total: steps.length, cached, cacheHit: steps.length > 0 && cached === steps.length, exportErrors, exported, importErrors };
}
