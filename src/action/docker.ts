// Processes: the docker CLI, always with an argument array (no shell).
// Part of the shell; decisions about the answers live in probe.ts and progress.ts.
import * as exec from '@actions/exec';
import { StringDecoder } from 'node:string_decoder';
import { ProgressStream, type ProgressReport } from '../core/progress.js';
import { Lines, Relay } from '../core/relay.js';

// docker() and probeRefs live in proc.ts (no @actions/*), shared with the command line.
export { docker, probeRefs, type ProcResult } from '../shell/proc.js';

/**
 * Runs buildx, printing a plain log made from its JSON progress, which it also
 * reads. Everything buildx prints (a fork's Dockerfile chooses much of it) is
 * relayed inside one stop-commands block on stdout, opened before buildx
 * starts and closed after it ends.
 */
export async function runBuildx(
  args: string[],
  redact: (s: string) => string,
): Promise<{ code: number; report: ProgressReport }> {
  const progress = new ProgressStream();
  const relay = new Relay((s) => void process.stdout.write(s), true);
  // A character split across two chunks must not turn into U+FFFD.
  const stderr = new StringDecoder('utf8');
  const stdout = new Lines();
  const print = (lines: string[]) => {
    if (lines.length > 0) relay.text(`${redact(lines.join('\n'))}\n`);
  };
  try {
    relay.lines([redact(`[command]docker ${args.join(' ')}`)]);
    const code = await exec.exec('docker', args, {
      ignoreReturnCode: true,
      silent: true,
      listeners: {
        stdout: (data: Buffer) => relay.text(redact(stdout.push(data))),
        stderr: (data: Buffer) => print(progress.feed(stderr.write(data))),
      },
    });
    relay.text(redact(stdout.end()));
    print(progress.feed(stderr.end()));
    print(progress.end());
    return { code, report: progress.report() };
  } finally {
    relay.close();
  }
}
