// The one way this project runs a build: `docker` with an argument array (no
// shell), its JSON progress (stderr) turned into a plain log and the per-step
// report. The action and the command line differ only in where that log goes
// and whether buildx's stdout is theirs to relay (BuildxOutput).
import { spawn } from 'node:child_process';
import { errorMessage } from '../core/errors.js';
import { ProgressStream } from '../core/progress.js';
import type { ProgressReport, Vertex } from '../core/step-report.js';
import { Lines, Relay, type Write } from '../core/relay.js';

export interface BuildxOutput {
  /** The stream the plain log goes to, in relay blocks when `github` (relay.ts). */
  write: Write;
  /** The GitHub runner reads that stream for workflow commands. */
  github: boolean;
  /**
   * Relay buildx's stdout into the same block (the runner reads stdout and
   * stderr on separate threads, so two streams' blocks could interleave), or
   * leave it to buildx (an `--output -` tarball must pass untouched).
   */
  relayStdout: boolean;
}

export interface BuildxRun {
  code: number;
  report: ProgressReport;
  /** Every vertex's final state, for a bake's per-target reports (core/bake.ts). */
  vertices: Vertex[];
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Runs `docker args`. Everything it prints (a fork's Dockerfile chooses much
 * of it) is redacted and relayed inside one block, opened with the first text
 * and closed after buildx ends. A cancelled job signals us: the signal is
 * passed on, so buildx stops too.
 */
export function runBuildx(
  args: string[],
  out: BuildxOutput,
  redact: (s: string) => string,
  cwd?: string,
): Promise<BuildxRun> {
  return new Promise((resolve, reject) => {
    const progress = new ProgressStream();
    const relay = new Relay(out.write, out.github);
    const print = (lines: string[]) => {
      if (lines.length > 0) relay.text(`${redact(lines.join('\n'))}\n`);
    };
    const stdoutLines = new Lines();
    // Lines() decodes UTF-8 across chunks: a character split in two never becomes U+FFFD.
    const stderrText = new Lines();
    const child = spawn('docker', args, { cwd, stdio: ['inherit', out.relayStdout ? 'pipe' : 'inherit', 'pipe'] });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const s of SIGNALS) process.on(s, forward);
    child.stdout?.on('data', (chunk: Buffer) => relay.text(redact(stdoutLines.push(chunk))));
    child.stderr!.on('data', (chunk: Buffer) => print(progress.feed(stderrText.push(chunk))));
    child.on('error', (e) => {
      for (const s of SIGNALS) process.off(s, forward);
      relay.close();
      reject(new Error(`cannot run docker: ${errorMessage(e)}`));
    });
    child.on('close', (code, signal) => {
      for (const s of SIGNALS) process.off(s, forward);
      relay.text(redact(stdoutLines.end()));
      print(progress.feed(stderrText.end()));
      print(progress.end());
      relay.close();
      const signo = signal ? (SIGNAL_NUMBERS[signal] ?? 1) : 0;
      resolve({ code: code ?? 128 + signo, report: progress.report(), vertices: progress.result() });
    });
  });
}
