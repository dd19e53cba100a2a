// The docker CLI as a process, always with an argument array (no shell), and
// the cache-ref probe built on it. Free of @actions/*, so that the command line
// (dist/cli.js) shares it without bundling the action's toolkit.
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { classifyProbe, type ProbeResult } from '../core/probe.js';

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

/** Is there an executable `name` in one of PATH's directories (as the shell would find it)? */
export function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return statSync(join(dir, name)).isFile(); // a directory is "executable" too
    } catch {
      return false;
    }
  });
}

/** Check, all at once, which refs exist, with the credentials docker already has. */
export async function probeRefs(
  refs: string[],
  builder: string | undefined,
  timeoutMs: number,
  checkBuildx = true,
): Promise<ProbeResult[] | undefined> {
  // No docker or no buildx (a flags-only job on a bare runner): nothing can be checked.
  // A build has checked that already (preflight), so it passes false.
  if (checkBuildx && (await docker(['buildx', 'version'], timeoutMs)).code !== 0) return undefined;
  const results = await Promise.all(
    refs.map(async (ref) => {
      const args = ['buildx', ...(builder ? ['--builder', builder] : []), 'imagetools', 'inspect', '--raw', ref];
      const r = await docker(args, timeoutMs);
      return { r, result: classifyProbe(ref, r.code, r.output, r.timedOut) };
    }),
  );
  return results.map(({ result }) => result);
}
