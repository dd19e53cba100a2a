// Reads buildx's `--progress=rawjson` stream. Plain progress cannot be trusted
// for counting: its printer sometimes omits `CACHED` for a step whose layers
// come lazily from a remote cache, while the JSON's final vertex state is right.
// So the action asks for JSON (json-stream.ts splits it) and prints a
// plain-style log from it as it arrives; step-report.ts then says per stage
// which steps ran and which were served from the cache.
import { JsonStreamDecoder, type Piece } from './json-stream.js';
import { type ProgressReport, summarize, type Vertex } from './step-report.js';

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
