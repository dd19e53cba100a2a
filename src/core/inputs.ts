// Raw action inputs (strings) -> a typed, validated configuration.
// Pure: takes a getter (input-getter.ts), so the action, the CLI and tests share it.
import { InputError } from './errors.js';
import { CACHE_TYPES, type CacheType } from './backend.js';
import { checkCacheOptions } from './cache-options.js';
import { parseImage, type ImageName } from './image.js';
import type { CacheMode } from './plan.js';
import type { ExportSetting } from './ref.js';
import { attributes, parseList } from './lists.js';
import { parseSecretSources, parseSecrets, type Secret, type SecretSource } from './secrets.js';
import { type InputGetter, parseBool, withDefaults } from './input-getter.js';
import { inputSpec } from './input-table.js';

export interface Config {
  /** Undefined when not given (only registry and inline caches need it). */
  image: ImageName | undefined;
  cacheType: CacheType;
  cacheDir: string | undefined;
  s3Bucket: string | undefined;
  s3Region: string | undefined;
  cacheOptions: [string, string][];
  cacheScope: string | undefined;
  extraCacheFrom: string[];
  extraCacheTo: string[];
  prefix: string;
  mode: CacheMode;
  toOptions: [string, string][];
  stage: string | undefined;
  cacheStages: 'auto' | string[];
  branch: string | undefined;
  fallbackBranches: string[] | undefined;
  exportCache: ExportSetting;
  build: boolean;
  probeCache: boolean;
  /** Look up the merged or queued pull requests whose caches come first. */
  pullRequestFallbacks: boolean;
  fallbackToInline: boolean;
  context: string;
  file: string | undefined;
  target: string | undefined;
  tags: string[];
  push: boolean;
  load: boolean;
  buildArgs: string[];
  labels: string[];
  platforms: string[];
  builder: string | undefined;
  network: string | undefined;
  noCache: boolean;
  pull: boolean;
  secrets: Secret[];
  secretSources: SecretSource[];
  provenance: string | undefined;
  addHosts: string[];
  allow: string[];
  annotations: string[];
  attests: string[];
  buildContexts: string[];
  /** A frontend method (`--call`): then nothing is built, so no cache is exported. */
  call: string | undefined;
  cgroupParent: string | undefined;
  noCacheFilters: string[];
  outputs: string[];
  sbom: string | undefined;
  shmSize: string | undefined;
  ssh: string[];
  ulimit: string[];
  githubToken: string | undefined;
}

function optional(raw: string): string | undefined {
  const v = raw.trim();
  return v === '' ? undefined : v;
}

/**
 * `key=value` items. An error names the item by its number and never quotes
 * it: a credential typed with a colon for `=` (`token:ghp_...`) must not reach the log.
 */
function keyValues(name: string, raw: string): [string, string][] {
  const commas = inputSpec(name).kind === 'items';
  return parseList(raw, { input: name, commas }).map((item, i) => {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new InputError(
        name,
        `item ${i + 1} is not key=value (it is not shown: it may hold a ` +
          `secret)${commas ? '; commas separate items: put an item that holds one in double quotes' : ''}`,
      );
    }
    return [item.slice(0, eq).trim(), item.slice(eq + 1).trim()];
  });
}

/** cache-options and cache-to-options, with keys lower case, checked for their backend (errors throw). */
function cacheOptionWarnings(
  cacheType: CacheType,
  cacheOptions: [string, string][],
  toOptions: [string, string][],
): string[] {
  return [
    ...checkCacheOptions(cacheType, 'cache-options', cacheOptions),
    ...checkCacheOptions(
      cacheType,
      'cache-to-options',
      toOptions.map(([k, v]): [string, string] => [k.toLowerCase(), v]),
    ),
  ];
}

/** What the shells warn about before the build: cache options BuildKit does not know, or that defeat the export. */
export function optionWarnings(config: Config): string[] {
  return cacheOptionWarnings(config.cacheType, config.cacheOptions, config.toOptions);
}

export function parseConfig(get: InputGetter): Config {
  const input = withDefaults(get);
  const bool = (name: string) => parseBool(name, input(name));
  // Lines, or lines and commas, as the input's kind says (lists.ts).
  const list = (name: string) => {
    const spec = inputSpec(name);
    return parseList(input(name), { input: name, commas: spec.kind === 'items', quotes: spec.quotes });
  };

  const mode = input('cache-mode').trim().toLowerCase();
  if (mode !== 'min' && mode !== 'max') {
    throw new InputError('cache-mode', `"${mode}" is not a cache mode: use min or max`);
  }
  const exportCache = input('export-cache').trim().toLowerCase();
  if (exportCache !== 'auto' && exportCache !== 'true' && exportCache !== 'false') {
    throw new InputError('export-cache', `"${input('export-cache')}" is not valid: use auto, true or false`);
  }
  const stagesRaw = input('cache-stages').trim();
  const fallbacks = list('fallback-branches');
  const secrets = parseSecrets(input('secrets'));

  const cacheType = input('cache-type').trim().toLowerCase();
  if (!(CACHE_TYPES as readonly string[]).includes(cacheType)) {
    throw new InputError(
      'cache-type',
      `"${input('cache-type')}" is not a cache type: use one of ${CACHE_TYPES.join(', ')}`,
    );
  }
  const image = input('image').trim();
  const cacheOptions = keyValues('cache-options', input('cache-options')).map(([k, v]): [string, string] => [
    k.toLowerCase(),
    v,
  ]);
  const toOptions = keyValues('cache-to-options', input('cache-to-options'));
  // Values buildx or BuildKit cannot read are errors now; the warnings are the shells' to say (optionWarnings).
  cacheOptionWarnings(cacheType as CacheType, cacheOptions, toOptions);

  // Attributes read later (attest.ts, outputs.ts) are checked now, so that a bad one names its input.
  // attributes() trims every field itself: blanks around the value never change whether it parses.
  // Stryker disable next-line MethodExpression: see above
  for (const name of ['provenance', 'sbom']) attributes(name, input(name).trim());
  for (const name of ['attests', 'outputs']) for (const item of list(name)) attributes(name, item);

  return {
    image: image === '' ? undefined : parseImage(image),
    cacheType: cacheType as CacheType,
    cacheDir: optional(input('cache-dir')),
    s3Bucket: optional(input('s3-bucket')),
    s3Region: optional(input('s3-region')),
    cacheOptions,
    cacheScope: optional(input('cache-scope')),
    extraCacheFrom: [...list('cache-from'), ...list('extra-cache-from')],
    extraCacheTo: [...list('cache-to'), ...list('extra-cache-to')],
    prefix: input('cache-tag-prefix').trim(),
    mode,
    toOptions,
    stage: optional(input('stage')),
    cacheStages:
      stagesRaw.toLowerCase() === 'auto'
        ? 'auto'
        : parseList(stagesRaw, { input: 'cache-stages', commas: true }).map((s) => s.toLowerCase()),
    branch: optional(input('branch')),
    fallbackBranches: fallbacks.length > 0 ? fallbacks : undefined,
    exportCache,
    build: bool('build'),
    probeCache: bool('probe-cache'),
    pullRequestFallbacks: bool('pull-request-fallbacks'),
    fallbackToInline: bool('fallback-to-inline'),
    context: input('context').trim() || '.',
    file: optional(input('file')),
    target: optional(input('target')),
    tags: list('tags'),
    push: bool('push'),
    load: bool('load'),
    buildArgs: list('build-args'),
    labels: list('labels'),
    platforms: list('platforms'),
    builder: optional(input('builder')),
    network: optional(input('network')),
    noCache: bool('no-cache'),
    pull: bool('pull'),
    secrets,
    secretSources: [
      ...parseSecretSources('secret-envs', input('secret-envs')),
      ...parseSecretSources('secret-files', input('secret-files')),
    ],
    provenance: optional(input('provenance')),
    addHosts: list('add-hosts'),
    allow: list('allow'),
    annotations: list('annotations'),
    attests: list('attests'),
    buildContexts: list('build-contexts'),
    call: optional(input('call')),
    cgroupParent: optional(input('cgroup-parent')),
    noCacheFilters: list('no-cache-filters'),
    outputs: list('outputs'),
    sbom: optional(input('sbom')),
    shmSize: optional(input('shm-size')),
    ssh: list('ssh'),
    ulimit: list('ulimit'),
    githubToken: optional(input('github-token')),
  };
}
