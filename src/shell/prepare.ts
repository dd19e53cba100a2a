// What the action and the command line both do around the pure core before and
// after a build: read the Dockerfile, check the builder (builder-check.ts), look
// up which cache refs exist, and report what the cache did. No @actions/* here (the command
// line's bundle stays small); each shell passes its own way of logging.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretFile } from '../core/buildx.js';
import type { DecideOptions, Decision } from '../core/decide.js';
import { errorMessage, InputError } from '../core/errors.js';
import type { Config } from '../core/inputs.js';
import type { Secret, SecretSource } from '../core/secrets.js';
import { cacheFromFor, legacyEntry, type CacheEntry } from '../core/plan.js';
import { lookUpPlan, MAX_LOOKUPS, type PlanLookup } from './cache-lookup.js';
import { type EarlyRegistry, openEarly } from './registry-lookup.js';
import { verdictText } from '../core/import-plan.js';
import { selectImports, type ImportSelection } from '../core/probe.js';
import { sharesLine } from '../core/stages.js';
import { UNNAMED_FINAL } from '../core/decide.js';
import type { Log, Remedies } from './host.js';
import { askBuilder, type BuilderAnswers, PROBE_TIMEOUT_MS, preflight } from './builder-check.js';
import { onPath } from './proc.js';
import { exportState, resultLines, type Outcome } from '../core/report.js';

/** The Dockerfile's text; an error names the file, what is wrong with it, and `remedy`. */
export function readDockerfile(file: string, remedy: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a directory'
          : `cannot be read (${code ?? errorMessage(e)})`;
    throw new InputError('file', `${file} ${why}: ${remedy}`);
  }
}

/**
 * The values behind secret-envs and secret-files, to mask: each variable must
 * be set and each file readable (buildx would fail later, less clearly). The
 * error names the item, never a value.
 */
export function secretSourceValues(sources: SecretSource[], env: NodeJS.ProcessEnv): string[] {
  return sources.map((s, i) => {
    const input = s.kind === 'env' ? 'secret-envs' : 'secret-files';
    if (s.kind === 'env') {
      const value = env[s.from];
      if (value === undefined)
        throw new InputError(input, `item ${i + 1}: the environment variable ${s.from} is not set: set it in env:`);
      return value;
    }
    try {
      return readFileSync(s.from, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(input, `item ${i + 1}: ${s.from} cannot be read (${code ?? errorMessage(e)}): give a file`);
    }
  });
}

/** buildx reads secrets from files (owner-only), never from its argv. */
export function writeSecretFiles(dir: string, secrets: Secret[]): SecretFile[] {
  return secrets.map((s, i) => {
    const src = join(dir, `secret-${i}`);
    writeFileSync(src, s.value, { mode: 0o600 });
    return { id: s.id, src };
  });
}

/** What is asked as soon as the inputs are read, and answered while the plan is made (pipeline.ts plan). */
export interface Early {
  builder?: BuilderAnswers;
  registry?: EarlyRegistry;
}

/**
 * Start what needs only the inputs: the builder check (for a build), and the
 * cache image's registry with its token, when the plan will look refs up there.
 */
export function askEarly(config: Config, build: boolean): Early {
  const image = config.image?.repository;
  const looks =
    config.probeCache &&
    image !== undefined &&
    (config.cacheType === 'registry' || config.cacheType === 'inline') &&
    (build || onPath('docker', process.env));
  return {
    builder: build ? askBuilder(config.builder) : undefined,
    registry: looks ? openEarly(image, { env: process.env, timeoutMs: PROBE_TIMEOUT_MS }) : undefined,
  };
}

/** Which planned refs exist and what they hold (cache-lookup.ts), or undefined when they cannot be looked at. */
export async function lookUp(
  config: Config,
  d: Decision,
  checkDocker: boolean,
  log: Log,
  early?: EarlyRegistry,
): Promise<PlanLookup | undefined> {
  if (!config.probeCache || d.plan.imports.length === 0) return undefined;
  const b = d.backend;
  if (b.type === 'gha' || b.type === 's3') return undefined;
  const type = b.type === 'local' ? 'local' : 'registry';
  const image = b.type === 'local' ? undefined : b.image;
  // No docker (a flags-only job on a bare runner): the build happens elsewhere, maybe with other credentials.
  // A look along PATH, not a docker process: flags-only mode is meant to be quick.
  if (type === 'registry' && checkDocker && !onPath('docker', process.env)) {
    log.info('docker is not on PATH here, so the cache refs were not checked');
    return undefined;
  }
  const legacyOf = (e: CacheEntry) => legacyEntry(d.backend, e, d.prefix, d.scope, d.refs.defaultBranch);
  const found = await lookUpPlan(type, image, d.plan.imports, legacyOf, {
    env: process.env,
    timeoutMs: PROBE_TIMEOUT_MS,
    builder: config.builder,
    early,
  });
  if (found.skipped > 0) {
    log.warn(
      `${found.skipped} of the planned cache refs were not looked at or imported: ` +
        `at most ${MAX_LOOKUPS} are, in order of preference (narrow cache-stages)`,
    );
  }
  return found;
}

/**
 * Check the builder (for a build) and which refs exist, together: neither
 * depends on the other. Import only the refs that exist, so BuildKit logs no
 * alarming "not found" for branches that never built.
 */
export async function prepare(
  config: Config,
  d: Decision,
  build: boolean,
  redo: (opts: DecideOptions) => Decision,
  log: Log,
  remedies: Remedies,
  early: Early = {},
): Promise<{ d: Decision; selection?: ImportSelection; registry?: PlanLookup['registry'] }> {
  let found: PlanLookup | undefined;
  if (build) {
    const planned = d;
    [d, found] = await Promise.all([
      preflight(config, d, redo, log, remedies, early.builder),
      lookUp(config, d, false, log, early.registry),
    ]);
    // The inline fallback plans other refs.
    if (d !== planned) found = await lookUp(config, d, false, log, early.registry);
  } else {
    found = await lookUp(config, d, true, log, early.registry);
  }
  if (found === undefined) return { d };
  const results = found.results;
  d = { ...d, plan: { ...d.plan, imports: found.entries } };
  const selection = selectImports(d.plan.imports, results, sharesLine(d.graph, UNNAMED_FINAL));
  for (const e of d.plan.imports) {
    const v = selection.verdicts.get(e.ref);
    const r = selection.states.get(e.ref);
    const detail = r?.state === 'unknown' ? ` (could not check: ${r.detail})` : '';
    log.info(`${e.ref}: ${v ? verdictText(v) : 'not checked'}${detail}`);
  }
  if (selection.unreadable.length > 0) {
    log.warn(
      `could not read ${selection.unreadable.length} cache ref(s), the build goes on without them if they fail: ` +
        selection.unreadable.map((r) => `${r.ref} (${r.detail})`).join('; '),
    );
  }
  // An existing ref left unread by choice (the only one: nothing to compare it with) has no detail.
  const opaque = results.filter((r) => r.state === 'exists' && r.content === undefined && r.detail !== undefined);
  if (opaque.length > 0) {
    log.warn(
      `could not read what ${opaque.length} cache ref(s) hold, ` +
        'so they are imported without checking that they add anything: ' +
        opaque.map((r) => `${r.ref} (${r.detail ?? 'no detail'})`).join('; '),
    );
  }
  if (selection.cold) log.info('No cache exists for this branch or its fallbacks: this is a cold build.');
  // The plan keeps every planned import (the summary lists them all); cache-from is what buildx gets.
  const plan = { ...d.plan, cacheFrom: cacheFromFor(d.backend, selection.imports, config.extraCacheFrom) };
  return { d: { ...d, plan }, selection, registry: found.registry };
}

/** After a build: warnings for what the cache could not do, and the per-stage report. */
export function reportBuild(d: Decision, outcome: Outcome, log: Log, checkAnnotations = true): void {
  const report = outcome.progress;
  // BuildKit's warnings (Dockerfile lint, deprecated options): one each, in every front door;
  // DOCKER_BUILD_CHECKS_ANNOTATIONS=false makes them log lines (core/env-flags.ts).
  for (const w of report?.warnings ?? []) {
    if (checkAnnotations) log.warn(w);
    else log.info(`warning: ${w}`);
  }
  if (report && report.importErrors.length > 0) {
    log.warn(
      `BuildKit could not read ${report.importErrors.length} cache ref(s), ` +
        `the build went on without them: ${report.importErrors.join('; ')}`,
    );
  }
  const ex = exportState(d, outcome);
  if (ex.state === 'not saved' && outcome.exitCode === 0)
    log.warn(`the cache was not saved to ${d.plan.export?.ref}: ${ex.why}`);
  for (const line of resultLines(d, outcome)) log.info(line);
}
