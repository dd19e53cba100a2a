// Splits buildx's `--progress=rawjson` stream into JSON values and lines of
// other text (progress.ts reads the values).
import { StringDecoder } from 'node:string_decoder';

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
