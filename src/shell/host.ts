// What differs between the front doors (the action, the command line) is
// passed to the shared pipelines (pipeline.ts, cleanup.ts) as one Host, the
// way one implementation serves several entry points: the pipelines decide
// what to say and do, the host says it where its users look.
import type { Words } from '../core/errors.js';
import type { BuildxOutput } from './run-buildx.js';

export interface Log {
  /** A line of the decision log. It may quote what others wrote: the host makes it safe for its stream. */
  info(line: string): void;
  warn(message: string): void;
}

/** What to tell the user to do, in the words of the front door they used. */
export interface Remedies {
  file: string;
  noDocker: string;
  noBuildx: string;
}

export interface Host extends Log {
  /** Something the user should know that is not wrong (the action's notice annotation). */
  notice(message: string): void;
  /** Runs body under a heading: a folded log group in the action, a heading line in the command line. */
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
  setOutput(name: string, value: string): void;
  /** A value the host must never print (the runner masks it in the log). */
  setSecret(value: string): void;
  /** The run failed: say why, once, and make the exit status say so. */
  fail(message: string): void;
  /** The job summary, where there is one (the action's, when the runner names a summary file). */
  summary?: (markdown: string) => Promise<void>;
  /** The buildx command line, shown before it runs. */
  showCommand(line: string): void;
  /** Where buildx's output goes (run-buildx.ts). */
  buildxOutput(args: readonly string[]): BuildxOutput;
  /** Where temporary files (secrets, the metadata file) are made. */
  tempRoot: string;
  remedies: Remedies;
  /** How this front door names its inputs in an error (`image` or --image). */
  words: Words;
}
