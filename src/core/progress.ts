// Reads buildx's `--progress=rawjson` stream. Plain progress cannot be trusted
// for counting: its printer sometimes omits `CACHED` for a step whose layers
// come lazily from a remote cache, while the JSON's final vertex state is right.
// So the action asks for JSON, prints a plain-style log from it as it arrives,
// and reports per stage which steps ran and which were served from the cache.
import { StringDecoder } from 'node:string_decoder';

export interface Vertex {
  digest: string;
  name: string;
  cached: boolean;
  error: string | undefined;
  started: string | undefined;
  completed: string | undefined;
}

/** A BuildKit warning (VertexWarning), one line: its short text, base64 in the JSON. */
function warningText(w: Record<string, unknown>): string {
  const short = base64Text(w.short).trim();
  const detail = Array.isArray(w.detail) ? w.detail.map(base64Text).join(' ').trim() : '';
  return (short || detail || 'warning').replace(/\s*\n\s*/g, ' ');
}

function seconds(from: string | undefined, to: string | undefined): string {
  if (!from || !to) return '';
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(s) ? ` ${Math.max(0, s).toFixed(1)}s` : '';
}

/** What the decoder found in the stream: a JSON value, a line of other text, or a value that was not JSON. */
export type Piece =
  | { kind: 'value'; value: unknown }
  | { kind: 'text'; line: string }
  | { kind: 'malformed'; length: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;

/**
 * Splits a stream of concatenated JSON values, interleaved with lines of other
 * text, whatever the layout: buildx 0.13 pretty-prints each status object over
 * many lines, 0.29 writes one compact object per line, and `}{` with no space
 * between is read too. Chunks may be cut anywhere: inside a string, an escape,
 * or (for bytes) a multi-byte UTF-8 character.
 *
 * A value is an object: a `{` that starts a line (after nothing but spaces) or
 * follows another value. It ends at its matching `}`, counted outside strings.
 * Anything else is text, passed on a line at a time, so buildx's own messages
 * (`ERROR: failed to solve: ...`), even with braces inside, stay as they are.
 * A value that is not valid JSON (or is cut off by the end of the stream) is
 * never passed on as text: it comes out as `malformed`, and is counted.
 */
export class JsonStreamDecoder {
  private readonly utf8 = new StringDecoder('utf8');
  /** Before anything but spaces on the current line (or after a value): a `{` starts a value. */
  private atLineStart = true;
  private inValue = false;
  private text = '';
  private value: string[] = [];
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Values skipped because they were not JSON. */
  malformed = 0;

  push(chunk: string | Uint8Array): Piece[] {
    const s = typeof chunk === 'string' ? chunk : this.utf8.write(chunk);
    const out: Piece[] = [];
    let from = 0; // start of the part of s not yet taken into this.text or this.value
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.inValue) {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === BACKSLASH) this.escaped = true;
          else if (c === QUOTE) this.inString = false;
        } else if (c === QUOTE) {
          this.inString = true;
        } else if (c === 0x7b || c === 0x5b) {
          this.depth++;
        } else if (c === 0x7d || c === 0x5d) {
          if (--this.depth === 0) {
            this.value.push(s.slice(from, i + 1));
            from = i + 1;
            out.push(this.finishValue());
          }
        }
        continue;
      }
      if (c === LF) {
        this.text += s.slice(from, i);
        from = i + 1;
        out.push(...this.finishLine());
        continue;
      }
      if (!this.atLineStart) {
        // The rest of a text line: jump to its end.
        const nl = s.indexOf('\n', i);
        i = (nl === -1 ? s.length : nl) - 1;
        continue;
      }
      if (c === 0x7b) {
        // Only spaces came before it on this line: they go, the value starts.
        this.text = '';
        this.inValue = true;
        this.depth = 1;
        this.value = [];
        from = i;
      } else if (!isSpace(c)) {
        this.atLineStart = false;
      }
    }
    if (this.inValue) this.value.push(s.slice(from));
    else this.text += s.slice(from);
    return out;
  }

  /** The end of the stream: a last line without a newline, or a value that never closed. */
  end(): Piece[] {
    const out = this.push(this.utf8.end());
    if (this.inValue) {
      const length = this.value.reduce((n, part) => n + part.length, 0);
      this.value = [];
      this.inValue = false;
      this.inString = false;
      this.escaped = false;
      this.malformed++;
      out.push({ kind: 'malformed', length });
    }
    out.push(...this.finishLine());
    return out;
  }

  private finishValue(): Piece {
    const text = this.value.join('');
    this.value = [];
    this.inValue = false;
    this.atLineStart = true;
    try {
      return { kind: 'value', value: JSON.parse(text) as unknown };
    } catch {
      this.malformed++;
      return { kind: 'malformed', length: text.length };
    }
  }

  private finishLine(): Piece[] {
    const line = this.text.replace(/\r$/, '');
    this.text = '';
    this.atLineStart = true;
    // Blank lines (and the line ends after values) carry nothing.
    return /^[ \t\r]*$/.test(line) ? [] : [{ kind: 'text', line }];
  }
}

/** JSON's whitespace (LF is handled on its own). */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const list = (x: unknown): Record<string, unknown>[] => (Array.isArray(x) ? x.filter(isObject) : []);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

function base64Text(x: unknown): string {
  return typeof x === 'string' ? Buffer.from(x, 'base64').toString('utf8') : '';
}

/**
 * Incremental: feed it chunks of buildx's stderr (text or bytes), get back the
 * log lines to print, in buildx's plain-progress style. JSON never reaches the
 * log: a status is printed as what it says, a value that is not JSON is
 * skipped (and counted). Text that is not JSON (a buildx error) passes as is.
 */
export class ProgressStream {
  private readonly decoder = new JsonStreamDecoder();
  private readonly vertices = new Map<string, Vertex>();
  private readonly numbers = new Map<string, number>();
  private readonly printed = new Map<string, 'name' | 'done' | 'cached' | 'error'>();
  private readonly statusDone = new Set<string>();
  private readonly warningKeys = new Set<string>();
  private malformedSaid = 0;
  /** BuildKit's warnings (Dockerfile lint, deprecated options), one line each, in order. */
  readonly warnings: string[] = [];

  feed(chunk: string | Uint8Array): string[] {
    return this.lines(this.decoder.push(chunk));
  }

  /** Flush what is left at the end of the stream; says how many records were skipped. */
  end(): string[] {
    const out = this.lines(this.decoder.end());
    if (this.decoder.malformed > this.malformedSaid) {
      this.malformedSaid = this.decoder.malformed;
      out.push(`(${this.decoder.malformed} progress record(s) from buildx were not valid JSON and were skipped)`);
    }
    return out;
  }

  /** Progress records skipped because they were not valid JSON. */
  get malformed(): number {
    return this.decoder.malformed;
  }

  private lines(pieces: Piece[]): string[] {
    const out: string[] = [];
    for (const p of pieces) {
      if (p.kind === 'text') out.push(p.line);
      else if (p.kind === 'value' && isObject(p.value)) out.push(...this.status(p.value));
    }
    return out;
  }

  private id(digest: string): number {
    let n = this.numbers.get(digest);
    if (n === undefined) {
      n = this.numbers.size + 1;
      this.numbers.set(digest, n);
    }
    return n;
  }

  /** One SolveStatus (client.SolveStatus as JSON): its fields are checked, not trusted. */
  private status(s: Record<string, unknown>): string[] {
    const out: string[] = [];
    for (const raw of list(s.vertexes)) {
      const digest = str(raw.digest);
      if (digest === undefined) continue;
      const prev = this.vertices.get(digest);
      const v: Vertex = {
        digest,
        name: str(raw.name) ?? prev?.name ?? '',
        cached: (typeof raw.cached === 'boolean' ? raw.cached : undefined) ?? prev?.cached ?? false,
        error: str(raw.error) || prev?.error,
        started: str(raw.started) ?? prev?.started,
        completed: str(raw.completed) ?? prev?.completed,
      };
      this.vertices.set(digest, v);
      if (!v.started && !v.cached && !v.completed) continue; // only announced
      const n = this.id(digest);
      const state = this.printed.get(digest);
      if (state === undefined) out.push(`#${n} ${v.name}`);
      if (v.cached && state !== 'cached') {
        out.push(`#${n} CACHED`);
        this.printed.set(digest, 'cached');
      } else if (v.error && state !== 'error') {
        out.push(`#${n} ERROR: ${v.error}`);
        this.printed.set(digest, 'error');
      } else if (v.completed && !v.cached && !v.error && state !== 'done' && state !== 'cached') {
        out.push(`#${n} DONE${seconds(v.started, v.completed)}`);
        this.printed.set(digest, 'done');
      } else if (state === undefined) {
        this.printed.set(digest, 'name');
      }
    }
    for (const st of list(s.statuses)) {
      const vertex = str(st.vertex);
      const id = str(st.id);
      if (vertex === undefined || id === undefined) continue;
      const key = `${vertex} ${id}`;
      if (st.completed && !this.statusDone.has(key)) {
        this.statusDone.add(key);
        const size =
          typeof st.total === 'number' && st.total > 0
            ? ` ${typeof st.current === 'number' ? st.current : 0}/${st.total}`
            : '';
        out.push(`#${this.id(vertex)} ${id}${size} done`);
      }
    }
    for (const log of list(s.logs)) {
      const vertex = str(log.vertex);
      if (vertex === undefined) continue;
      const n = this.id(vertex);
      const text = base64Text(log.data);
      for (const l of text.replace(/\n$/, '').split('\n')) out.push(`#${n} ${l}`);
    }
    for (const w of list(s.warnings)) {
      const msg = warningText(w);
      // buildx may send a warning again in a later status: say it once.
      if (this.warningKeys.has(msg)) continue;
      this.warningKeys.add(msg);
      this.warnings.push(msg);
      out.push(`WARNING: ${msg}`);
    }
    return out;
  }

  /** The per-stage report of what ran and what came from the cache, with BuildKit's warnings. */
  report(): ProgressReport {
    return summarize(this.result(), { warnings: this.warnings, malformed: this.malformed });
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
