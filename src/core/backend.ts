// Where a cache lives. The plan (branch chain x stages, export only to the
// branch's own stage) is the same for every backend; this module only says it
// in each backend's own `--cache-from` / `--cache-to` terms (the options a user
// may add are checked in cache-options.ts).

export const CACHE_TYPES = ['registry', 'local', 'gha', 's3', 'inline'] as const;
export type CacheType = (typeof CACHE_TYPES)[number];

/** Extra key=value options for every import and the export (gha url/token, s3 endpoint_url...). */
type Options = { options: [string, string][] };

/** Each cache type with exactly what it needs: a repository, a directory, a bucket, or nothing. */
export type Backend = Options &
  (
    | { type: 'registry' | 'inline' /** Repository of the cache images. */; image: string }
    | { type: 'local' /** Parent directory of the caches (a persistent runner disk). */; cacheDir: string }
    | { type: 's3'; s3: { bucket: string; region: string } }
    | { type: 'gha' }
  );

/** The place all cache names of a backend live in: a repository, a directory, a bucket (gha: none). */
export function cacheHome(b: Backend): string | undefined {
  switch (b.type) {
    case 'registry':
    case 'inline':
      return b.image;
    case 'local':
      return b.cacheDir;
    case 's3':
      return `s3://${b.s3.bucket}`;
    case 'gha':
      return undefined;
  }
}

/** Render key=value pairs; later keys override earlier ones, in place. */
export function renderOptions(pairs: [string, string][]): string {
  const merged = new Map<string, string>();
  for (const [k, v] of pairs) merged.set(k, v);
  return [...merged].map(([k, v]) => `${k}=${v}`).join(',');
}

/** Where one named cache lives, as the user would recognise it (log, summary, outputs). */
export function location(b: Backend, name: string): string {
  switch (b.type) {
    case 'registry':
    case 'inline':
      return `${b.image}:${name}`;
    case 'local':
      return `${b.cacheDir.replace(/\/+$/, '')}/${name}`;
    case 'gha':
      return `gha:${name}`;
    case 's3':
      return `s3://${b.s3.bucket}/${name}`;
  }
}

export function renderImport(b: Backend, name: string): string {
  switch (b.type) {
    case 'registry':
    case 'inline':
      return renderOptions([['type', 'registry'], ['ref', location(b, name)], ...b.options]);
    case 'local':
      return renderOptions([['type', 'local'], ['src', location(b, name)], ...b.options]);
    case 'gha':
      return renderOptions([['type', 'gha'], ['scope', name], ...b.options]);
    case 's3':
      // BuildKit's s3 importer reads only the first of `;`-separated names, so one entry each.
      return renderOptions([
        ['type', 's3'],
        ['region', b.s3.region],
        ['bucket', b.s3.bucket],
        ['name', name],
        ...b.options,
      ]);
  }
}

/** The export, or undefined for inline (its cache goes inside the pushed image). */
export function renderExport(b: Backend, name: string, mode: string, toOptions: [string, string][]): string {
  // A failed cache export must not fail a good build: it is reported instead.
  const common: [string, string][] = [
    ['mode', mode],
    ['ignore-error', 'true'],
  ];
  switch (b.type) {
    case 'registry':
      return renderOptions([
        ['type', 'registry'],
        ['ref', location(b, name)],
        ['mode', mode],
        // The image-manifest layout is what GHCR, ECR and Harbor accept.
        ['image-manifest', 'true'],
        ['oci-mediatypes', 'true'],
        ['ignore-error', 'true'],
        ...b.options,
        ...toOptions,
      ]);
    case 'local':
      return renderOptions([['type', 'local'], ['dest', location(b, name)], ...common, ...b.options, ...toOptions]);
    case 'gha':
      return renderOptions([['type', 'gha'], ['scope', name], ...common, ...b.options, ...toOptions]);
    case 's3':
      return renderOptions([
        ['type', 's3'],
        ['region', b.s3.region],
        ['bucket', b.s3.bucket],
        ['name', name],
        ...common,
        ...b.options,
        ...toOptions,
      ]);
    case 'inline':
      return renderOptions([['type', 'inline'], ...toOptions]);
  }
}
