// The docker CLI as a process, always with an argument array (no shell), and
// the cache-ref probe built on it. Free of @actions/*, so that the command line
// (dist/cli.js) shares it without bundling the action's toolkit.
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
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
  return run('docker', args, timeoutMs);
}

function run(file: string, args: string[], timeoutMs: number): Promise<ProcResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
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

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile(); // a directory is "executable" too
  } catch {
    return false;
  }
}

/** Is there an executable `name` in one of PATH's directories (as the shell would find it)? */
export function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, name)));
}

/** Where the docker CLI looks for plugins after its config directory's `cli-plugins`, on Linux. */
const SYSTEM_PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];

/**
 * The docker-buildx binary that `docker buildx` would run, when that is
 * certain: docker on PATH, no `cliPluginsExtraDirs` in its config (older and
 * newer CLIs order those differently), the first of the config directory's
 * `cli-plugins` and the system directories that has one. Undefined otherwise.
 */
export function buildxPlugin(env: NodeJS.ProcessEnv): string | undefined {
  if (process.platform !== 'linux' || !onPath('docker', env)) return undefined;
  const configDir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  let config: { cliPluginsExtraDirs?: unknown } = {};
  try {
    config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as typeof config;
  } catch {
    // No config, or one docker cannot read either: docker's answer decides (see buildx()).
  }
  if (Array.isArray(config.cliPluginsExtraDirs) && config.cliPluginsExtraDirs.length > 0) return undefined;
  // docker takes the first that exists, and fails if it cannot run it: then docker is asked (and fails).
  const first = [join(configDir, 'cli-plugins'), ...SYSTEM_PLUGIN_DIRS]
    .map((dir) => join(dir, 'docker-buildx'))
    .find((path) => existsSync(path));
  return first !== undefined && executable(first) ? first : undefined;
}

/**
 * `docker buildx ARGS`. Where buildxPlugin finds the plugin, it runs alone
 * (buildx runs standalone), which skips the docker CLI's own start and its
 * scan of every plugin: about 80 ms a call (README: "The action's own cost per
 * job"). A failure there is asked again through docker, whose answer counts.
 */
export async function buildx(
  args: string[],
  timeoutMs: number,
  /** Which of the plugin's answers stand without docker's: by default a success (and a timeout, not doubled). */
  stands: (r: ProcResult) => boolean = (r) => r.code === 0 || r.timedOut,
): Promise<ProcResult> {
  const plugin = buildxPlugin(process.env);
  if (plugin !== undefined) {
    const direct = await run(plugin, args, timeoutMs);
    if (stands(direct)) return direct;
  }
  return docker(['buildx', ...args], timeoutMs);
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
  if (checkBuildx && (await buildx(['version'], timeoutMs)).code !== 0) return undefined;
  const results = await Promise.all(
    refs.map(async (ref) => {
      const args = [...(builder ? ['--builder', builder] : []), 'imagetools', 'inspect', '--raw', ref];
      // A ref that is not there is an answer too (a new branch's usual one): docker would only say it again.
      const r = await buildx(
        args,
        timeoutMs,
        (p) => classifyProbe(ref, p.code, p.output, p.timedOut).state !== 'unknown',
      );
      return { r, result: classifyProbe(ref, r.code, r.output, r.timedOut) };
    }),
  );
  return results.map(({ result }) => result);
}
