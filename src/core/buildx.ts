// The argument list for `docker buildx build`, and reading its metadata file.
// Always an argv array: nothing from a branch, input or Dockerfile meets a shell.
import type { Decision } from './decide.js';
import { attestValues, type GitHubRun } from './attest.js';
import { outputsFiles, outputsToDocker } from './outputs.js';
import type { Config } from './inputs.js';
import type { SecretSource } from './secrets.js';

export interface SecretFile {
  id: string;
  /** Path of a file that holds the secret's value (written by the shell layer). */
  src: string;
}

export interface BuildOptions {
  context: string;
  file?: string;
  target?: string;
  tags: string[];
  push: boolean;
  load: boolean;
  buildArgs: string[];
  labels: string[];
  platforms: string[];
  builder?: string;
  network?: string;
  noCache: boolean;
  pull: boolean;
  /** Values written to files; then the environment and file sources as the user named them. */
  secretFiles: SecretFile[];
  secretSources: SecretSource[];
  /** `--attest` values (attest.ts). */
  attests: string[];
  addHosts: string[];
  allow: string[];
  annotations: string[];
  buildContexts: string[];
  call?: string;
  cgroupParent?: string;
  noCacheFilters: string[];
  outputs: string[];
  shmSize?: string;
  ssh: string[];
  ulimit: string[];
  metadataFile?: string;
  /** Where buildx writes the image ID (`--iidfile`); none when the result is files. */
  iidFile?: string;
  cacheFrom: string[];
  cacheTo: string[];
  /** `rawjson` when the action reads the progress itself; `plain` for a command to hand on. */
  progress: 'plain' | 'rawjson';
}

/** What the shell adds: where files are, how progress is read, the run for provenance. */
export interface BuildExtras {
  metadataFile?: string;
  iidFile?: string;
  secretFiles: SecretFile[];
  progress: BuildOptions['progress'];
  /** The workflow run (GitHub Actions only), for provenance's builder id and default (attest.ts). */
  run?: GitHubRun;
  /** BUILDX_NO_DEFAULT_ATTESTATIONS is set true. */
  noDefaultAttestations?: boolean;
}

/** The build's options: the user's inputs plus the decision's cache flags and tags. */
export function buildOptions(config: Config, d: Decision, extra: BuildExtras): BuildOptions {
  const { run, noDefaultAttestations, iidFile, ...files } = extra;
  const attests = attestValues(
    {
      provenance: config.provenance,
      sbom: config.sbom,
      attests: config.attests,
      toDocker: config.load || outputsToDocker(config.outputs),
      noDefault: noDefaultAttestations ?? false,
    },
    run,
  );
  return {
    context: config.context,
    file: config.file,
    target: config.target,
    tags: [...config.tags, ...d.extraTags],
    push: config.push,
    load: config.load,
    buildArgs: config.buildArgs,
    labels: config.labels,
    platforms: config.platforms,
    builder: config.builder,
    network: config.network,
    noCache: config.noCache,
    pull: config.pull,
    secretSources: config.secretSources,
    attests,
    addHosts: config.addHosts,
    allow: config.allow,
    annotations: config.annotations,
    buildContexts: config.buildContexts,
    call: config.call,
    cgroupParent: config.cgroupParent,
    noCacheFilters: config.noCacheFilters,
    outputs: config.outputs,
    shmSize: config.shmSize,
    ssh: config.ssh,
    ulimit: config.ulimit,
    cacheFrom: d.plan.cacheFrom,
    cacheTo: d.plan.cacheTo,
    // As build-push-action: files as the result have no image ID.
    iidFile: outputsFiles(config.outputs) ? undefined : iidFile,
    ...files,
  };
}

/** `docker` argv: buildx's global flags (builder) come before `build`; the context is always last. */
export function buildxArgs(o: BuildOptions): string[] {
  const args = ['buildx'];
  if (o.builder) args.push('--builder', o.builder);
  args.push('build', `--progress=${o.progress}`);
  const each = (flag: string, values: readonly string[]) => {
    for (const v of values) args.push(flag, v);
  };
  const one = (flag: string, value: string | undefined) => {
    if (value) args.push(flag, value);
  };
  each('--add-host', o.addHosts);
  each('--allow', o.allow);
  each('--annotation', o.annotations);
  each('--build-arg', o.buildArgs);
  each('--build-context', o.buildContexts);
  one('--call', o.call);
  one('--cgroup-parent', o.cgroupParent);
  one('--file', o.file);
  each('--label', o.labels);
  each('--no-cache-filter', o.noCacheFilters);
  each('--output', o.outputs);
  if (o.platforms.length > 0) args.push('--platform', o.platforms.join(','));
  each('--attest', o.attests);
  for (const s of o.secretFiles) args.push('--secret', `id=${s.id},src=${s.src}`);
  for (const s of o.secretSources) args.push('--secret', `id=${s.id},${s.kind}=${s.from}`);
  one('--shm-size', o.shmSize);
  each('--ssh', o.ssh);
  each('--tag', o.tags);
  one('--target', o.target);
  each('--ulimit', o.ulimit);
  one('--network', o.network);
  if (o.noCache) args.push('--no-cache');
  if (o.pull) args.push('--pull');
  each('--cache-from', o.cacheFrom);
  each('--cache-to', o.cacheTo);
  if (o.push) args.push('--push');
  if (o.load) args.push('--load');
  one('--iidfile', o.iidFile);
  one('--metadata-file', o.metadataFile);
  // A context that starts with '-' would be read as a flag.
  args.push(o.context.startsWith('-') ? `./${o.context}` : o.context);
  return args;
}

export interface BuildMetadata {
  /**
   * What a registry serves for the pushed tag: with attestations (buildx's
   * default provenance), an image index's digest.
   */
  digest: string;
  /** The image's ID as Docker shows it (`docker image inspect`). */
  imageid: string;
  raw: Record<string, unknown>;
}

/**
 * buildx's `--metadata-file`. `containerimage.digest` is the digest of what was
 * pushed: an image index whenever buildx adds its default provenance attestation
 * (0.10 on), which is also the registry's Docker-Content-Digest for the tag.
 * `containerimage.config.digest` is the image config's digest, the image ID of
 * BuildKit's own exporters and of Docker's classic image store. Docker's
 * containerd image store reports it or not by version (dockerd 26.1 gives the
 * index digest under that key for a push and leaves it out for a build it only
 * stores; 28.5 always leaves it out): there the image's ID is the index's digest,
 * `containerimage.digest`, so that is the image ID when the config digest is missing.
 */
export function parseMetadata(text: string): BuildMetadata {
  const trimmed = text.trim();
  if (trimmed === '') return { digest: '', imageid: '', raw: {} };
  const raw = JSON.parse(trimmed) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  const digest = s(raw['containerimage.digest']);
  return { digest, imageid: s(raw['containerimage.config.digest']) || digest, raw };
}

/** docker buildx argv with the user's extra arguments before the context (always the last word). */
export function withExtraArgs(args: string[], extra: readonly string[]): string[] {
  if (extra.length === 0) return args;
  return [...args.slice(0, -1), ...extra, ...args.slice(-1)];
}

/**
 * Does buildx write the build's result to standard output (`--output -`,
 * `dest=-`, or a tar or oci exporter without a dest)? Then its stdout is data
 * for a pipe or a file, and passes untouched.
 */
export function writesResultToStdout(args: readonly string[]): boolean {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a === '--output') values.push(args[i + 1] ?? '');
    else if (a.startsWith('--output=')) values.push(a.slice('--output='.length));
    else if (a.startsWith('-o') && a.length > 2) values.push(a.slice(a[2] === '=' ? 3 : 2));
  }
  return values.some((v) => {
    if (v.trim() === '-') return true;
    const attrs = new Map(
      v.split(',').map((kv) => [
        kv
          .slice(0, kv.indexOf('=') === -1 ? kv.length : kv.indexOf('='))
          .trim()
          .toLowerCase(),
        kv.includes('=') ? kv.slice(kv.indexOf('=') + 1).trim() : '',
      ]),
    );
    const dest = attrs.get('dest');
    if (dest === '-') return true;
    return dest === undefined && (attrs.get('type') === 'tar' || attrs.get('type') === 'oci');
  });
}
