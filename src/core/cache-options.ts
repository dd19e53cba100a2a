// The options a user may add to a cache import or export (cache-options,
// cache-to-options): the keys BuildKit reads for each backend, the values it
// takes, and the keys that are the action's to decide.
import type { Backend, CacheType } from './backend.js';
import { closest } from './closest.js';
import { InputError } from './errors.js';

/** Options that say where the cache goes belong to the action, not to overrides. */
const RESERVED: Record<CacheType, string[]> = {
  registry: ['type', 'ref'],
  inline: ['type', 'ref'],
  local: ['type', 'src', 'dest'],
  gha: ['type', 'scope'],
  s3: ['type', 'name', 'bucket', 'region'],
};

export function checkOptions(b: Backend, input: string, pairs: [string, string][]): void {
  for (const [k] of pairs) {
    if (RESERVED[b.type].includes(k)) {
      throw new InputError(input, `cannot set "${k}": the action decides where the ${b.type} cache goes`);
    }
  }
}

/** How BuildKit reads an option's value. */
export type OptionKind = 'text' | 'bool' | 'mode' | 'compression' | 'int' | 'duration';

const EXPORT_COMMON: Record<string, OptionKind> = { mode: 'mode', 'ignore-error': 'bool' };
const COMPRESSION: Record<string, OptionKind> = {
  compression: 'compression',
  'compression-level': 'int',
  'force-compression': 'bool',
};

/**
 * The cache options BuildKit v0.13 (the oldest supported) knows, per cache
 * type, importer and exporter together (cache-options go to both):
 * `mode` and `ignore-error` for every exporter (control/control.go);
 * `compression`, `compression-level`, `force-compression` for registry and
 * local exports only (util/compression, used by those two in v0.13);
 * cache/remotecache/registry: ref, image-manifest, oci-mediatypes, registry.insecure;
 * cache/remotecache/local: src, dest, digest, image-manifest, oci-mediatypes;
 * cache/remotecache/gha: scope, url, token, timeout;
 * cache/remotecache/s3: bucket, region, prefix, manifests_prefix, blobs_prefix,
 * name, touch_refresh, endpoint_url, access_key_id, secret_access_key,
 * session_token, use_path_style.
 * `inline` is the export's table; its imports are registry refs.
 */
export const CACHE_OPTION_KEYS: Record<CacheType, Record<string, OptionKind>> = {
  registry: {
    ref: 'text',
    'image-manifest': 'bool',
    'oci-mediatypes': 'bool',
    'registry.insecure': 'bool',
    ...EXPORT_COMMON,
    ...COMPRESSION,
  },
  local: {
    src: 'text',
    dest: 'text',
    digest: 'text',
    'image-manifest': 'bool',
    'oci-mediatypes': 'bool',
    ...EXPORT_COMMON,
    ...COMPRESSION,
  },
  gha: { scope: 'text', url: 'text', token: 'text', timeout: 'duration', ...EXPORT_COMMON },
  s3: {
    bucket: 'text',
    region: 'text',
    prefix: 'text',
    manifests_prefix: 'text',
    blobs_prefix: 'text',
    name: 'text',
    touch_refresh: 'duration',
    endpoint_url: 'text',
    access_key_id: 'text',
    secret_access_key: 'text',
    session_token: 'text',
    use_path_style: 'bool',
    ...EXPORT_COMMON,
  },
  inline: { ...EXPORT_COMMON },
};

const NOT_SHOWN = '(the value is not shown: it may hold a secret)';
/** What Go's strconv.ParseBool takes. */
const BOOL = /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/;
const FALSE = /^(0|f|F|FALSE|false|False)$/;
/** Go's time.ParseDuration. */
const DURATION = /^[-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*$|^0$/;
const COMPRESSIONS = ['uncompressed', 'gzip', 'estargz', 'zstd'];

/** Why a value cannot be what BuildKit reads for this kind, or undefined. */
function badValue(kind: OptionKind, key: string, value: string): string | undefined {
  switch (kind) {
    case 'bool':
      // force-compression alone (empty) means true.
      return BOOL.test(value) || (key === 'force-compression' && value === '') ? undefined : 'must be true or false';
    case 'mode':
      return value === 'min' || value === 'max' ? undefined : 'must be min or max';
    case 'compression':
      return COMPRESSIONS.includes(value) ? undefined : `must be one of ${COMPRESSIONS.join(', ')}`;
    case 'int':
      return /^[-+]?\d+$/.test(value) ? undefined : 'must be a whole number';
    case 'duration':
      return DURATION.test(value) ? undefined : 'must be a duration such as 10m or 1h30m';
    // Without this case the switch ends and the function returns undefined all the same.
    // Stryker disable next-line ConditionalExpression,StringLiteral: see above
    case 'text':
      return undefined;
  }
}

/**
 * Checks `cache-options` / `cache-to-options` items (keys lower case) for a
 * cache type against what BuildKit 0.13 knows. Throws an InputError for a
 * value buildx or BuildKit cannot read (naming the item, never quoting the
 * value); returns warnings for an unknown key and for options that defeat
 * what the action relies on. For `inline`, cache-options go to registry
 * imports and are checked as registry options.
 */
export function checkCacheOptions(type: CacheType, input: string, pairs: [string, string][]): string[] {
  const table = CACHE_OPTION_KEYS[type === 'inline' && input === 'cache-options' ? 'registry' : type];
  const warnings: string[] = [];
  pairs.forEach(([key, value], i) => {
    const item = `item ${i + 1}, ${key},`;
    if (key.includes('"') || value.includes('"')) {
      throw new InputError(
        input,
        `item ${i + 1}${key.includes('"') ? '' : `, ${key},`} holds a double quote, which buildx cannot read in a ` +
          `cache option: write values without quotes (they cannot hold commas or quotes) ${NOT_SHOWN}`,
      );
    }
    // `type` is the action's to set: plan.ts says so (checkOptions).
    const kind = key === 'type' ? 'text' : table[key];
    if (kind === undefined) {
      const others = (Object.keys(CACHE_OPTION_KEYS) as CacheType[]).filter(
        (t) => t !== type && CACHE_OPTION_KEYS[t][key] !== undefined,
      );
      const close = closest(key, Object.keys(table), 2);
      const hint =
        close !== undefined
          ? ` (did you mean ${close}?)`
          : others.length > 0
            ? ` (it is one of ${others.filter((t) => t !== 'inline').join(', ')} caches)`
            : '';
      warnings.push(
        `${input}: "${key}" is not an option BuildKit 0.13 knows for ` +
          `${type} caches${hint}; BuildKit ignores options it does not know`,
      );
      return;
    }
    const why = badValue(kind, key, value);
    if (why !== undefined) throw new InputError(input, `${item} ${why} ${NOT_SHOWN}`);
    if (
      (type === 'registry' || (type === 'inline' && input === 'cache-options')) &&
      (key === 'oci-mediatypes' || key === 'image-manifest') &&
      FALSE.test(value)
    ) {
      warnings.push(
        `${input}: ${key}=false: GHCR, ECR and Harbor reject a cache exported without the OCI image-manifest ` +
          `layout, or lose it; the action exports with image-manifest=true and oci-mediatypes=true for that reason`,
      );
    }
    if (key === 'ignore-error' && FALSE.test(value)) {
      warnings.push(
        `${input}: ignore-error=false: a cache export that fails (a registry or cache service down, no permission) ` +
          `then fails the build; the action sets ignore-error=true so that a cache never fails a good build`,
      );
    }
  });
  return warnings;
}
