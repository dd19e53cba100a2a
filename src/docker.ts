// Processes: the docker CLI, always with an argument array (no shell).
// Part of the shell; decisions about the answers live in probe.ts and progress.ts.
import * as core from '@actions/core';
import * as exec from '@actions/exec';
import { StringDecoder } from 'node:string_decoder';
import { ProgressStream, type ProgressReport } from './progress.js';

// docker() and probeRefs live in proc.ts (no @actions/*), shared with the command line.
export { docker, probeRefs, type ProcResult } from './proc.js';

/** Runs buildx, printing a plain log made from its JSON progress, which it also reads. */
export async function runBuildx(args: string[], redact: (s: string) => string): Promise<{ code: number; report: ProgressReport }> {
  const progress = new ProgressStream();
  // A character split across two chunks must not turn into U+FFFD.
  const stderr = new StringDecoder('utf8');
  const print = (lines: string[]) => {
    if (lines.length > 0) process.stdout.write(redact(lines.join('\n')) + '\n');
  };
  core.info(redact(`[command]docker ${args.join(' ')}`));
  const code = await exec.exec('docker', args, {
    ignoreReturnCode: true,
    silent: true,
    listeners: {
      stdout: (data: Buffer) => process.stdout.write(redact(data.toString('utf8'))),
      stderr: (data: Buffer) => print(progress.feed(stderr.write(data))),
    },
  });
  print(progress.feed(stderr.end()));
  print(progress.end());
  return { code, report: progress.report() };
}
