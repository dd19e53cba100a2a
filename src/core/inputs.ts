// Raw action inputs (strings) -> a typed, validated configuration.
// Pure: takes a getter, so the action, the CLI and tests share it.
import { InputError } from './errors.js';
import { CACHE_TYPES, checkCacheOptions, type CacheType } from './backend.js';
import { parseImage, type ImageName } from './image.js';
import type { CacheMode } from './plan.js';
import type { ExportSetting } from './ref.js';
import { attributes, parseList } from './lists.js';
import { parseSecretSources, parseSecrets, type Secret, type SecretSource } from './secrets.js';
import { INPUTS, inputSpec, isMultiLine, MODE_SWITCHES, type Mode } from './input-table.js';

export type InputGetter = (name: string) => string;

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

/** Every input's default (input-table.ts). */
export const INPUT_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  INPUTS.map((i) => [i.name, i.default]),
);

export function parseBool(name: string, raw: string): boolean {
  const v = raw.trim();
  if (['true', 'True', 'TRUE'].includes(v)) return true;
  if (['false', 'False', 'FALSE'].includes(v)) return false;
  throw new InputError(name, `"${raw}" is not a boolean: use true or false`);
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

/** C0 and C1 control characters, and the Unicode line and paragraph separators. */
// Finding them in inputs is the point: they would break the log (see checkInputText).
// biome-ignore lint/suspicious/noControlCharactersInRegex: see above
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A value echoed into the log must not carry a line break: the runner would
 * read what follows it as a workflow command. A single-line input (after the
 * trim the runner's getInput does too) holds no control character at all; a
 * list input is split into lines as always, and each line holds none (a
 * CRLF's \r aside). `secrets` is multi-line by design and never echoed. The
 * error names the input, the line and the character, never the value.
 */
export function checkInputText(name: string, raw: string): void {
  if (inputSpec(name).kind === 'secrets') return;
  const multi = isMultiLine(name);
  const lines = multi ? raw.split('\n').map((l) => l.replace(/\r$/, '')) : [raw.trim()];
  lines.forEach((line, i) => {
    const m = CONTROL.exec(line);
    if (m === null) return;
    const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new InputError(
      name,
      `${multi ? `line ${i + 1} ` : ''}holds a line break or another control character ` +
        `(U+${code}, character ${m.index + 1}): ${multi ? 'give one item per line' : 'give it on one line'}, ` +
        'without control characters (the value is not shown)',
    );
  });
}

/** The getter with action.yml's defaults for unset inputs (the runner passes them; tests and the CLI may not). */
export function withDefaults(get: InputGetter): InputGetter {
  return (name) => {
    const v = get(name);
    checkInputText(name, v);
    return v === '' ? inputSpec(name).default : v;
  };
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

/** The mode the switches choose (input-table.ts): a switch that is not a boolean is an error, two at once too. */
export function chooseMode(get: InputGetter): Mode {
  const on = MODE_SWITCHES.filter((name) => parseBool(name, get(name).trim() || 'false'));
  if (on.length > 1) throw new InputError(on[1]!, `and ${on[0]} are both true: a step does one of them`);
  return on[0] ?? 'build';
}

/** Inputs given a value other than their default that the mode does not read: each is a mistake to point out. */
export function unusedInputs(mode: Mode, get: InputGetter): string[] {
  return INPUTS.filter((i) => {
    // A default the runner evaluates (the workflow's token) is passed whatever the mode: not the user's doing.
    if (i.modes.includes(mode) || i.actionDefault || (MODE_SWITCHES as readonly string[]).includes(i.name))
      return false;
    const v = get(i.name).trim();
    return v !== '' && v !== i.default;
  }).map((i) => i.name);
}

/** The values of the inputs that are secret whatever they hold (input-table.ts), to mask. */
export function secretInputValues(get: InputGetter): string[] {
  return INPUTS.filter((i) => i.secret && get(i.name).trim() !== '').map((i) => get(i.name).trim());
}
