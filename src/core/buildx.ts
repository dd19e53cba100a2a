// The argument list for `docker buildx build`, and reading its metadata file.
// Always an argv array: nothing from a branch, input or Dockerfile meets a shell.
import type { Decision } from './decide.js';
import type { Config } from './inputs.js';

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
  secretFiles: SecretFile[];
  provenance?: string;
  metadataFile?: string;
  cacheFrom: string[];
  cacheTo: string[];
  /** `rawjson` when the action reads the progress itself; `plain` for a command to hand on. */
  progress: 'plain' | 'rawjson';
}

/** The build's options: the user's inputs plus the decision's cache flags and tags. */
export function buildOptions(
  config: Config,
  d: Decision,
  extra: { metadataFile?: string; secretFiles: SecretFile[]; progress: BuildOptions['progress'] },
): BuildOptions {
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
    provenance: config.provenance,
    cacheFrom: d.plan.cacheFrom,
    cacheTo: d.plan.cacheTo,
    ...extra,
  };
}

/** `docker` argv: buildx's global flags (builder) come before `build`. */
export function buildxArgs(o: BuildOptions): string[] {
  const args = ['buildx'];
  if (o.builder) args.push('--builder', o.builder);
  args.push('build', `--progress=${o.progress}`);
  if (o.file) args.push('--file', o.file);
  if (o.target) args.push('--target', o.target);
  for (const t of o.tags) args.push('--tag', t);
  for (const b of o.buildArgs) args.push('--build-arg', b);
  for (const l of o.labels) args.push('--label', l);
  if (o.platforms.length > 0) args.push('--platform', o.platforms.join(','));
  if (o.network) args.push('--network', o.network);
  if (o.noCache) args.push('--no-cache');
  if (o.pull) args.push('--pull');
  for (const s of o.secretFiles) args.push('--secret', `id=${s.id},src=${s.src}`);
  if (o.provenance) args.push('--provenance', o.provenance);
  for (const c of o.cacheFrom) args.push('--cache-from', c);
  for (const c of o.cacheTo) args.push('--cache-to', c);
  if (o.push) args.push('--push');
  if (o.load) args.push('--load');
  if (o.metadataFile) args.push('--metadata-file', o.metadataFile);
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
