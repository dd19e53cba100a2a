// Text that someone else controls, on its way to the job log. BuildKit's step
// names and RUN output come from the Dockerfile, which a fork's pull request
// chooses; buildx prints Dockerfile text too (`--call outline`). The GitHub
// runner reads a step's output line by line, breaking at \r as well as \n, and
// takes a line for a workflow command when it starts with `::` or holds the
// legacy `##[` form anywhere, so a prefix such as `#5 ` protects nothing.
//
// Relayed text therefore goes between `::stop-commands::TOKEN` and `::TOKEN::`,
// with a fresh unguessable token per block: inside, the runner processes no
// command at all. Its \r, U+2028 and U+2029 are replaced by visible symbols,
// so that no viewer breaks a line where the runner did not. The action's own
// commands (groups, annotations) are issued outside any block, and an
// annotation that quotes such text gets it as one line (oneLine).
//
// No @actions/* here: the action and the command line share it.
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';

/** Where a block goes: a stream's write. */
export type Write = (text: string) => void;

/** \r (alone, not as part of \r\n), U+2028 and U+2029 become visible symbols; \n stays. */
export function clean(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\r/g, '␍')
    .replace(/[\u2028\u2029]/g, '␤');
}

/** For text inside one line (an annotation, a table cell): no line break of any kind. */
export function oneLine(text: string): string {
  return clean(text).replace(/\n/g, '␤');
}

/**
 * One relay block on one stream. Text goes in, in chunks cut anywhere; the
 * block opens with the first text and ends with close(). All of a block's text
 * must go to the same stream as its markers: the runner reads stdout and
 * stderr on separate threads, so their lines interleave in no fixed order.
 *
 * With `enabled` false (not on GitHub Actions) the text passes unchanged.
 */
export class Relay {
  private token: string | undefined;
  private atLineStart = true;
  /** A \r at the end of a chunk: the next chunk says whether it was a \r\n. */
  private pendingCr = false;

  constructor(
    private readonly write: Write,
    private readonly enabled: boolean,
  ) {}

  text(chunk: string): void {
    if (chunk === '') return;
    if (!this.enabled) {
      this.write(chunk);
      return;
    }
    if (this.token === undefined) {
      this.token = randomBytes(16).toString('hex');
      this.write(`::stop-commands::${this.token}\n`);
    }
    let s = (this.pendingCr ? '\r' : '') + chunk;
    this.pendingCr = s.endsWith('\r');
    if (this.pendingCr) s = s.slice(0, -1);
    s = clean(s);
    if (s === '') return;
    this.write(s);
    this.atLineStart = s.endsWith('\n');
  }

  /** Lines, each ended with a newline. */
  lines(lines: readonly string[]): void {
    if (lines.length > 0) this.text(lines.map((l) => `${l}\n`).join(''));
  }

  /** Ends the block (on a line of its own); commands work again after it. */
  close(): void {
    if (this.token === undefined) return;
    if (this.pendingCr) this.write('␍');
    this.write(`${this.atLineStart && !this.pendingCr ? '' : '\n'}::${this.token}::\n`);
    this.token = undefined;
    this.atLineStart = true;
    this.pendingCr = false;
  }
}

/** Lines in a block of their own: the one relay function for a line or a few. */
export function relayLines(write: Write, enabled: boolean, lines: readonly string[]): void {
  const r = new Relay(write, enabled);
  r.lines(lines);
  r.close();
}

/** Is this process's output read by the GitHub runner (the action, or the command line in a `run:` step)? */
export function onGitHubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/**
 * Cuts a stream into whole lines (the last one kept until it ends), so that
 * lines of two streams relayed together are never spliced, and a secret is
 * never cut in two before it is redacted.
 */
export class Lines {
  private readonly utf8 = new StringDecoder('utf8');
  private partial = '';

  /** Whole lines from this chunk on, each ended by \n. */
  push(chunk: Buffer | string): string {
    this.partial += typeof chunk === 'string' ? chunk : this.utf8.write(chunk);
    const end = this.partial.lastIndexOf('\n');
    if (end === -1) return '';
    const whole = this.partial.slice(0, end + 1);
    this.partial = this.partial.slice(end + 1);
    return whole;
  }

  /** What is left at the end, as a line. */
  end(): string {
    const rest = this.partial + this.utf8.end();
    this.partial = '';
    return rest === '' ? '' : `${rest}\n`;
  }
}
