// Helpers for the end-to-end tests: the engine's whereabouts, docker as a
// process, an emptied builder per job, fixtures, the registry's HTTP API, and
// counting RUN steps from a build's own plain progress output.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { JsonStreamDecoder } from '../src/core/json-stream.js';
import { tempDir } from '../__tests__/temp-dirs.js';

export interface Engine {
  registry: string;
  authRegistry: string;
  authUser: string;
  authPassword: string;
  busybox: string;
  /** A dockerd on the classic image store (cannot export caches), next to a private engine only. */
  classicDockerHost: string | undefined;
  /** `private`: scripts/test-engine.sh started it (ours to empty); `external`: the caller's DOCKER_HOST. */
  kind: 'private' | 'external';
  /** `current` (Debian sid's engine), `oldest` (trixie's), or `external`. */
  flavor: string;
  /** As the engine reports them, e.g. `28.5.2+dfsg4` and `0.29.1+ds1`. */
  dockerVersion: string;
  buildxVersion: string;
  env: Record<string, string>;
}

export function engine(): Engine {
  const file = process.env.BBC_ENGINE_ENV ?? join(process.env.BBC_ENGINE_DIR ?? '/tmp/bbc-engine', 'env.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const env: Record<string, string> = {};
  for (const key of ['DOCKER_HOST', 'DOCKER_CONFIG', 'PATH']) if (raw[key]) env[key] = raw[key]!;
  return {
    registry: raw.registry!,
    authRegistry: raw.authRegistry!,
    authUser: raw.authUser!,
    authPassword: raw.authPassword!,
    busybox: raw.busybox!,
    classicDockerHost: raw.classicDockerHost || undefined,
    kind: raw.engine === 'private' ? 'private' : 'external',
    flavor: raw.flavor ?? '',
    dockerVersion: raw.dockerVersion ?? '',
    buildxVersion: raw.buildxVersion ?? '',
    env,
  };
}

export interface ProcResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `input` is written to the process's stdin (e.g. `docker login --password-stdin`). */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {},
): Promise<ProcResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: { ...process.env, ...engine().env, ...opts.env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export async function docker(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {},
): Promise<ProcResult> {
  return run('docker', args, opts);
}

async function must(p: Promise<ProcResult>, what: string): Promise<ProcResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r;
}

/**
 * As on an ephemeral runner: no build cache, no images. Only on an engine that
 * scripts/test-engine.sh started: an external engine (BBC_ENGINE=external) is
 * someone else's, and is emptied only when BBC_EXTERNAL_ENGINE_DISPOSABLE=1
 * says it may be.
 */
export async function emptyBuilder(): Promise<void> {
  const E = engine();
  if (E.kind !== 'private' && process.env.BBC_EXTERNAL_ENGINE_DISPOSABLE !== '1') {
    throw new Error(
      `emptyBuilder refuses to empty ${E.env.DOCKER_HOST ?? 'the DOCKER_HOST engine'}: scripts/test-engine.sh did not start it (BBC_ENGINE=external), ` +
        'and emptying it would prune its whole build cache and remove all its images. ' +
        'Run the tests on the private engine (the default), or set BBC_EXTERNAL_ENGINE_DISPOSABLE=1 if that engine is yours to wipe.',
    );
  }
  // Images first, so that the prune can also take what they held on to.
  const ids = (await must(docker(['image', 'ls', '-aq']), 'docker image ls')).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await must(docker(['image', 'rm', '-f', ...new Set(ids)]), 'docker image rm');
  await must(docker(['buildx', 'prune', '-af']), 'docker buildx prune');
}

/** A unique repository name per test, so tests never see each other's tags. */
export function uniqueRepo(name: string): string {
  return `e2e/${name}-${randomBytes(4).toString('hex')}`;
}

/** A build context: the files given, plus the static busybox at ./busybox (a tempDir(): the test file's removeTempDirs() removes it). */
export function fixture(files: Record<string, string>): string {
  const dir = tempDir('bbc-e2e-');
  copyFileSync(engine().busybox, join(dir, 'busybox'));
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

export interface StepCount {
  total: number;
  ran: number;
  cached: number;
  /** The RUN steps that ran, as the log names them. */
  ranNames: string[];
}

/**
 * Count RUN steps in `--progress=plain` output. A vertex is `#N [stage i/n] RUN ...`;
 * it was served from cache when a `#N CACHED` line follows.
 */
export function countRunSteps(log: string): StepCount {
  const names = new Map<string, string>();
  const cached = new Set<string>();
  for (const line of log.split('\n')) {
    const vertex = /^#(\d+) \[[^\]]*\d+\/\d+\] (RUN .*)$/.exec(line);
    if (vertex) names.set(vertex[1]!, vertex[2]!);
    const hit = /^#(\d+) CACHED\s*$/.exec(line);
    if (hit) cached.add(hit[1]!);
  }
  const ranNames = [...names].filter(([id]) => !cached.has(id)).map(([, n]) => n);
  return { total: names.size, ran: ranNames.length, cached: names.size - ranNames.length, ranNames };
}

/**
 * Count RUN steps in `--progress=rawjson` output (either layout: 0.13 indents
 * each status object, 0.29 writes one per line). Each vertex's last state says whether it was cached.
 */
export function countRawRunSteps(raw: string): StepCount {
  const state = new Map<string, { name: string; cached: boolean }>();
  const decoder = new JsonStreamDecoder();
  for (const piece of [...decoder.push(raw), ...decoder.end()]) {
    if (piece.kind !== 'value') continue;
    const status = piece.value as { vertexes?: { digest: string; name?: string; cached?: boolean }[] };
    for (const v of status.vertexes ?? []) {
      const prev = state.get(v.digest);
      state.set(v.digest, { name: v.name ?? prev?.name ?? '', cached: v.cached ?? prev?.cached ?? false });
    }
  }
  const runs = [...state.values()].filter((v) => /^\[[^\]]*\d+\/\d+\] RUN /.test(v.name));
  const ranNames = runs.filter((v) => !v.cached).map((v) => v.name.replace(/^\[[^\]]*\] /, ''));
  return { total: runs.length, ran: ranNames.length, cached: runs.length - ranNames.length, ranNames };
}

async function registryGet(
  registry: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Response> {
  return fetch(`http://${registry}${path}`, { method, headers });
}

/** `auth`: user and password for a registry behind htpasswd. */
export async function registryTags(
  registry: string,
  repo: string,
  auth?: { user: string; password: string },
): Promise<string[]> {
  const headers: Record<string, string> = auth
    ? { Authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` }
    : {};
  const res = await registryGet(registry, `/v2/${repo}/tags/list`, headers);
  if (res.status === 404) return [];
  const body = (await res.json()) as { tags?: string[] | null };
  return (body.tags ?? []).sort();
}

/** Every manifest kind a registry may answer with (a HEAD or GET must accept them all). */
export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export async function registryDigest(registry: string, repo: string, tag: string): Promise<string | undefined> {
  const res = await registryGet(registry, `/v2/${repo}/manifests/${tag}`, { Accept: MANIFEST_TYPES }, 'HEAD');
  return res.ok ? (res.headers.get('docker-content-digest') ?? undefined) : undefined;
}
