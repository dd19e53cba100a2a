// Processes: the docker CLI, always with an argument array (no shell).
// Part of the shell; decisions about the answers live in probe.ts and progress.ts.
import * as core from '@actions/core';
import * as exec from '@actions/exec';
import { execFile } from 'node:child_process';
import { classifyProbe, type ProbeResult } from './probe.js';
import { ProgressStream, summarize, type ProgressReport } from './progress.js';

export interface ProcResult {
  code: number | null;
  output: string;
  timedOut: boolean;
  /** The binary was not found at all. */
  missing: boolean;
}

export function docker(args: string[], timeoutMs: number): Promise<ProcResult> {
  return new Promise((resolve) => {
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      resolve({
        code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
        output: `${stdout}${stderr}`,
        timedOut: Boolean(e?.killed),
        missing: e?.code === 'ENOENT',
      });
    });
  });
}

/** Check, all at once, which refs exist, with the credentials docker already has. */
export async function probeRefs(refs: string[], builder: string | undefined, timeoutMs: number): Promise<ProbeResult[] | undefined> {
  // No docker or no buildx (a flags-only job on a bare runner): nothing can be checked.
  const version = await docker(['buildx', 'version'], timeoutMs);
  if (version.code !== 0) return undefined;
  const results = await Promise.all(
    refs.map(async (ref) => {
      const args = ['buildx', ...(builder ? ['--builder', builder] : []), 'imagetools', 'inspect', '--raw', ref];
      const r = await docker(args, timeoutMs);
      return { r, result: classifyProbe(ref, r.code, r.output, r.timedOut) };
    }),
  );
  return results.map(({ result }) => result);
}

/** Runs buildx, printing a plain log made from its JSON progress, which it also reads. */
export async function runBuildx(args: string[], redact: (s: string) => string): Promise<{ code: number; report: ProgressReport }> {
  const progress = new ProgressStream();
  const print = (lines: string[]) => {
    if (lines.length > 0) process.stdout.write(redact(lines.join('\n')) + '\n');
  };
  core.info(redact(`[command]docker ${args.join(' ')}`));
  const code = await exec.exec('docker', args, {
    ignoreReturnCode: true,
    silent: true,
    listeners: {
      stdout: (data: Buffer) => process.stdout.write(redact(data.toString('utf8'))),
      stderr: (data: Buffer) => print(progress.feed(data.toString('utf8'))),
    },
  });
  print(progress.end());
  return { code, report: summarize(progress.result()) };
}
