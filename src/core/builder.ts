// What the selected buildx builder can do, read from `docker buildx inspect`,
// so that a build that cannot work fails before it starts, with the remedy.
import type { CacheType } from './backend.js';

export interface BuilderInfo {
  name: string;
  driver: string;
  /** Set when buildx could not reach the builder (daemon down, builder gone). */
  error: string | undefined;
  buildkitVersion: string | undefined;
  labels: string[];
}

export function parseInspect(text: string): BuilderInfo {
  // Blanks within the line only: `\s*` would cross an empty field's line break and read the next line.
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim() || undefined;
  const labels = [...text.matchAll(/^\s+(org\.mobyproject\.[^:\s]+):/gm)].map((m) => m[1]!);
  return {
    name: field('Name') ?? 'default',
    driver: field('Driver') ?? '',
    error: field('Error'),
    buildkitVersion: field('BuildKit version') ?? field('Buildkit'),
    labels,
  };
}

/**
 * The `docker` driver exports caches only on the containerd image store; its
 * worker then carries containerd labels. Other drivers run BuildKit themselves.
 */
export function canExportCache(info: BuilderInfo, type: CacheType): boolean {
  if (type === 'inline') return true;
  if (info.driver !== 'docker') return true;
  // The BuildKit inside dockerd has no s3 exporter at all.
  if (type === 's3') return false;
  return info.labels.some((l) => l.includes('.worker.containerd.'));
}

/** Major and minor of a BuildKit version like v0.13.2; undefined when the build does not say (v0.0.0+unknown). */
export function buildkitMinor(version: string | undefined): number | undefined {
  const m = /^v?0\.(\d+)\.\d+/.exec(version ?? '');
  if (!m || m[1] === '0') return undefined;
  return Number(m[1]);
}

export type BuilderVerdict =
  | { ok: true }
  | { ok: true; fallbackToInline: true; warning: string }
  | { ok: false; input: string; message: string };

export interface BuildNeeds {
  cacheType: CacheType;
  exporting: boolean;
  push: boolean;
  load: boolean;
  fallbackToInline: boolean;
}

export function checkBuilder(info: BuilderInfo, needs: BuildNeeds): BuilderVerdict {
  if (info.error) {
    return {
      ok: false,
      input: 'builder',
      message:
        `buildx cannot reach builder "${info.name}": ${info.error}. Start the Docker ` +
        `daemon, or create a builder with docker/setup-buildx-action before this step`,
    };
  }
  if (needs.push && needs.load) {
    const minor = buildkitMinor(info.buildkitVersion);
    if (minor !== undefined && minor < 13) {
      return {
        ok: false,
        input: 'load',
        message:
          `push and load together need BuildKit 0.13 or later, and builder "${info.name}" ` +
          `runs ${info.buildkitVersion}: drop one of them, or update the builder`,
      };
    }
  }
  if (needs.exporting && !canExportCache(info, needs.cacheType)) {
    const why =
      needs.cacheType === 's3'
        ? `builder "${info.name}" uses the docker driver, whose BuildKit has no s3 cache exporter`
        : `builder "${info.name}" uses the docker driver without the containerd ` +
          `image store, which cannot export a ${needs.cacheType} cache`;
    if (needs.fallbackToInline && needs.push) {
      return {
        ok: true,
        fallbackToInline: true,
        warning:
          `${why}: falling back to the inline cache (fallback-to-inline), ` +
          `which keeps only the pushed image's layers`,
      };
    }
    return {
      ok: false,
      input: 'builder',
      message:
        `${why}: add docker/setup-buildx-action before this step (a docker-container builder), ` +
        `turn on the containerd image store, or set fallback-to-inline: true (with push: true)`,
    };
  }
  return { ok: true };
}

/** buildx's own version from `docker buildx version` (github.com/docker/buildx v0.13.1 ...). */
export function buildxMinor(versionOutput: string): number | undefined {
  const m = /\sv?0\.(\d+)\.\d+/.exec(versionOutput);
  return m ? Number(m[1]) : undefined;
}

/** `--progress=rawjson`, which the cache report reads, came with buildx 0.12. */
export const MIN_BUILDX_MINOR = 12;
