// Helpers for e2e/inputs.test.ts: one action run on an emptied builder, the
// runner commands in its log, buildx's version, a manifest from the registry,
// a tar's listing, and a private ssh-agent.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushEvent, runAction, type RunResult } from '../scripts/action-harness.mjs';
import { runnerCommands } from '../scripts/runner-log.mjs';
import { emptyBuilder, engine, MANIFEST_TYPES, run } from './lib.js';
import { tempDir } from '../__tests__/temp-dirs.js';

/** One job on a fresh runner: an emptied builder, a push to main, no network in RUN steps. */
export async function actJob(context: string, inputs: Record<string, string>, env: Record<string, string> = {}) {
  await emptyBuilder();
  return runAction({
    cwd: context,
    event: pushEvent('main'),
    env: { ...engine().env, ...env },
    inputs: { network: 'none', push: 'false', ...inputs },
  });
}

/** Throws with the whole log when the action failed, so that the test says why. */
export function ok(r: RunResult): void {
  if (r.code !== 0) throw new Error(`action failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}

/** The data of each runner command `name` (`error`, `warning`, `add-mask`) the runner would process. */
export function commandData(r: RunResult, name: string): string[] {
  return runnerCommands(r.stdout)
    .commands.filter((c) => c.name === name)
    .map((c) => c.data);
}

/** The job log as the runner shows it: everything but the `::add-mask::` commands it consumes. */
export function shownLog(r: RunResult): string {
  return (r.stdout + r.stderr)
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('::add-mask::'))
    .join('\n');
}

/** The engine's buildx minor version (`0.29.1+ds1` → 29); undefined when it is not known. */
export function buildxMinor(): number | undefined {
  const m = /^v?0\.(\d+)\./.exec(engine().buildxVersion);
  return m ? Number(m[1]) : undefined;
}

export interface Manifest {
  mediaType?: string;
  annotations?: Record<string, string>;
  manifests?: { digest: string; mediaType: string; annotations?: Record<string, string>; platform?: unknown }[];
  layers?: unknown[];
}

/** A manifest (or index) by tag or digest, with the digest the registry serves it under. */
export async function registryManifest(
  registry: string,
  repo: string,
  ref: string,
): Promise<{ status: number; digest: string | undefined; body: Manifest | undefined }> {
  const res = await fetch(`http://${registry}/v2/${repo}/manifests/${ref}`, { headers: { Accept: MANIFEST_TYPES } });
  const body = res.ok ? ((await res.json()) as Manifest) : undefined;
  return { status: res.status, digest: res.headers.get('docker-content-digest') ?? undefined, body };
}

/** The names in a tar file (`tar -tf`), without a leading `./`. */
export async function tarNames(file: string): Promise<string[]> {
  const r = await run('tar', ['-tf', file]);
  if (r.code !== 0) throw new Error(`tar -tf ${file} failed (${r.code}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((n) => n.replace(/^\.\//, ''));
}

/** The files under `dir` (relative paths, sorted), to print what an export holds. */
export function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** A file's text, or `(missing: ...)` so that a failed comparison shows what was there instead. */
export function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    return `(missing: ${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
}

export interface SshAgent {
  socket: string;
  pid: number;
  /** The public key that was added, as `ssh-add -L` lists it. */
  publicKey: string;
  stop(): Promise<void>;
}

/** A private ssh-agent on its own socket, holding one fresh ed25519 key. Call stop() afterwards. */
export async function startSshAgent(): Promise<SshAgent> {
  const dir = tempDir('bbc-ssh-');
  const socket = join(dir, 'agent.sock');
  const started = await run('ssh-agent', ['-s', '-a', socket]);
  const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(started.stdout)?.[1]);
  if (started.code !== 0 || !Number.isInteger(pid))
    throw new Error(`ssh-agent did not start (${started.code}): ${started.stdout}${started.stderr}`);
  const stop = async () => {
    try {
      process.kill(pid);
    } catch {
      // already gone
    }
  };
  try {
    const key = join(dir, 'id_ed25519');
    const gen = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bbc-e2e', '-f', key]);
    if (gen.code !== 0) throw new Error(`ssh-keygen failed (${gen.code}): ${gen.stderr}`);
    const add = await run('ssh-add', [key], { env: { SSH_AUTH_SOCK: socket } });
    if (add.code !== 0) throw new Error(`ssh-add failed (${add.code}): ${add.stderr}`);
    const list = await run('ssh-add', ['-L'], { env: { SSH_AUTH_SOCK: socket } });
    return { socket, pid, publicKey: list.stdout.trim(), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Is the process still running? A killed daemon whose parent does not reap it
 * (a container's init may not) stays a zombie: that counts as gone.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readOr(`/proc/${pid}/stat`);
  return !/^\d+ \(.*\) Z /.test(stat);
}

/**
 * The driver of the builder the action uses (`docker`, `docker-container`, ...), from `docker buildx inspect`;
 * synchronous, so that a test can be skipped by it when the file is loaded.
 */
export function builderDriver(): string {
  try {
    const out = execFileSync('docker', ['buildx', 'inspect'], {
      env: { ...process.env, ...engine().env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return /^Driver:\s*(\S+)/m.exec(out)?.[1] ?? 'unknown';
  } catch (e) {
    return `unknown (${String(e).split('\n')[0]})`;
  }
}
