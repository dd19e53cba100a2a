// The thin shell: reads inputs and the event, calls the pure core, runs buildx,
// writes outputs and the job summary. The only module that touches the outside.
import * as core from '@actions/core';
import { context as github } from '@actions/github';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildxArgs, parseMetadata, type BuildOptions, type SecretFile } from './buildx.js';
import { checkBuilder, parseInspect } from './builder.js';
import { decide, type Decision, type DecideOptions } from './decide.js';
import { errorMessage, InputError } from './errors.js';
import { parseConfig, type Config } from './inputs.js';
import type { EventContext } from './ref.js';
import { docker, probeRefs, runBuildx } from './docker.js';
import { cacheFromFor } from './plan.js';
import { selectImports, type ImportSelection, type ProbeResult } from './probe.js';
import type { ProgressReport } from './progress.js';
import { redactor, secretOptionValues, secretParts } from './redact.js';
import { exportState, logLines, resultLines, summaryMarkdown, type Outcome } from './report.js';

/** Replaces secret values in everything the action prints; set once the inputs are read. */
let redact: (text: string) => string = (t) => t;
const say = (line: string) => core.info(redact(line));
const warn = (message: string) => core.warning(redact(message));

/** Each ref check is bounded; they all run at once. */
const PROBE_TIMEOUT_MS = 15_000;

function readDockerfile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? errorMessage(e)})`;
    throw new InputError('file', `${file} ${why}: set \`file\` (or \`context\`) to the Dockerfile's path`);
  }
}

function eventContext(): EventContext {
  return {
    eventName: github.eventName ?? '',
    ref: github.ref ?? '',
    headRef: process.env.GITHUB_HEAD_REF,
    baseRef: process.env.GITHUB_BASE_REF,
    payload: (github.payload ?? {}) as Record<string, unknown>,
  };
}

function buildOptions(
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

function setReportOutputs(r: ProgressReport): void {
  core.setOutput('cache-hit', String(r.cacheHit));
  core.setOutput('cached-steps', String(r.cached));
  core.setOutput('total-steps', String(r.total));
}

function setPlanOutputs(d: Decision): void {
  core.setOutput('branch', d.refs.branch ?? '');
  core.setOutput('branch-slug', d.branchSlug);
  core.setOutput('cache-from', d.plan.cacheFrom.join('\n'));
  core.setOutput('cache-to', d.plan.cacheTo.join('\n'));
  core.setOutput('cache-ref', d.plan.export?.ref ?? '');
}

/** Import only the refs that exist: BuildKit's "not found" importer errors alarm people. */
async function probe(config: Config, d: Decision): Promise<{ d: Decision; selection?: ImportSelection }> {
  // Only registry refs can be asked about; a local directory is simply there or not.
  if (!config.probeCache || d.plan.imports.length === 0) return { d };
  if (d.backend.type === 'local') {
    const results = d.plan.imports.map((e) => ({ ref: e.ref, state: existsSync(join(e.ref, 'index.json')) ? ('exists' as const) : ('missing' as const) }));
    return finishProbe(config, d, results);
  }
  if (d.backend.type !== 'registry' && d.backend.type !== 'inline') return { d };
  const results = await probeRefs(
    d.plan.imports.map((e) => e.ref),
    config.builder,
    PROBE_TIMEOUT_MS,
  );
  if (results === undefined) {
    core.info('docker buildx is not available here, so the cache refs were not checked');
    return { d };
  }
  return finishProbe(config, d, results);
}

function finishProbe(config: Config, d: Decision, results: ProbeResult[]): { d: Decision; selection: ImportSelection } {
  const selection = selectImports(d.plan.imports, results);
  for (const r of results) say(`${r.state === 'exists' ? 'found' : r.state === 'missing' ? 'missing' : 'could not check'}: ${r.ref}${r.detail ? ` (${r.detail})` : ''}`);
  if (selection.unreadable.length > 0) {
    warn(
      `could not read ${selection.unreadable.length} cache ref(s), the build goes on without them if they fail: ${selection.unreadable.map((r) => `${r.ref} (${r.detail})`).join('; ')}`,
    );
  }
  if (selection.cold) core.info('No cache exists for this branch or its fallbacks: this is a cold build.');
  // The plan keeps every planned import (the summary lists them all); cache-from is what buildx gets.
  const plan = { ...d.plan, cacheFrom: cacheFromFor(d.backend, selection.imports, config.extraCacheFrom) };
  return { d: { ...d, plan }, selection };
}

async function build(config: Config, d: Decision, outcome: Outcome): Promise<void> {
  const dir = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'buildx-branch-cache-'));
  try {
    const secretFiles = config.secrets.map((s, i) => {
      const src = join(dir, `secret-${i}`);
      writeFileSync(src, s.value, { mode: 0o600 });
      return { id: s.id, src };
    });
    const metadataFile = join(dir, 'metadata.json');
    const args = buildxArgs(buildOptions(config, d, { metadataFile, secretFiles, progress: 'rawjson' }));
    core.setOutput('args', JSON.stringify(args));
    const { code, report } = await runBuildx(args, redact);
    outcome.progress = report;
    outcome.exitCode = code;
    setReportOutputs(report);
    if (report.importErrors.length > 0) {
      warn(`BuildKit could not read ${report.importErrors.length} cache ref(s), the build went on without them: ${report.importErrors.join('; ')}`);
    }
    const ex = exportState(d, outcome);
    if (ex.state === 'not saved' && code === 0) warn(`the cache was not saved to ${d.plan.export?.ref}: ${ex.why}`);
    core.startGroup('buildx-branch-cache: what the cache did');
    for (const line of resultLines(d, outcome)) say(line);
    core.endGroup();
    if (code !== 0) {
      core.setFailed(`docker buildx build failed with exit code ${code}: see the build log above`);
      process.exitCode = code;
      return;
    }
    let metadata = '';
    try {
      metadata = readFileSync(metadataFile, 'utf8');
    } catch {
      warn('buildx wrote no metadata file: the imageid, digest and metadata outputs are empty');
    }
    const meta = parseMetadata(metadata);
    core.setOutput('imageid', meta.imageid);
    core.setOutput('digest', meta.digest);
    core.setOutput('metadata', JSON.stringify(meta.raw));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Before a build: is there a docker, a buildx, a reachable builder that can do what we ask? */
async function preflight(config: Config, d: Decision, redo: (opts: DecideOptions) => Decision): Promise<Decision> {
  const version = await docker(['buildx', 'version'], PROBE_TIMEOUT_MS);
  if (version.missing) {
    throw new Error('docker is not on PATH: install Docker (GitHub-hosted runners have it), or set build: false to only work out the flags');
  }
  if (version.code !== 0) {
    throw new Error('docker buildx is not available: add docker/setup-buildx-action before this step, or install the docker-buildx plugin');
  }
  const inspect = await docker(['buildx', ...(config.builder ? ['--builder', config.builder] : []), 'inspect'], 30_000);
  if (inspect.code !== 0) {
    const line = inspect.output.trim().split('\n').pop() ?? '';
    throw new InputError('builder', `buildx cannot use builder "${config.builder ?? 'default'}": ${line.replace(/^ERROR:\s*/, '')}`);
  }
  const verdict = checkBuilder(parseInspect(inspect.output), {
    cacheType: d.backend.type,
    exporting: d.plan.cacheTo.length > 0,
    push: config.push,
    load: config.load,
    fallbackToInline: config.fallbackToInline,
  });
  if (!verdict.ok) throw new InputError(verdict.input, verdict.message);
  if ('fallbackToInline' in verdict) {
    warn(verdict.warning);
    const inline = redo({ inlineFallback: true });
    for (const line of logLines(inline)) say(line);
    return inline;
  }
  return d;
}

export async function run(): Promise<void> {
  let decision: Decision | undefined;
  const outcome: Outcome = {};
  try {
    const config = parseConfig((name) => core.getInput(name));
    const secrets = secretParts([...config.secrets.map((s) => s.value), ...secretOptionValues(config.cacheOptions)]);
    for (const s of secrets) core.setSecret(s);
    redact = redactor(secrets);
    if (config.image?.lowered) {
      core.notice(`image: repository names are lower case, so the cache goes to ${config.image.repository}`);
    }
    const file = config.file ?? join(config.context, 'Dockerfile');
    const source = { event: eventContext() };
    const dockerfile = readDockerfile(file);
    let d = decide(config, source, dockerfile, file);
    decision = d;

    core.startGroup(`buildx-branch-cache: ${d.refs.branch ?? 'no branch'} (fallbacks: ${d.refs.fallbacks.join(', ') || 'none'})`);
    try {
      for (const line of logLines(d)) say(line);
      // Set now, so that they are there even when what follows fails.
      setPlanOutputs(d);
      if (config.build) {
        d = await preflight(config, d, (opts) => decide(config, source, dockerfile, file, opts));
        decision = d;
      }
      const probed = await probe(config, d);
      d = probed.d;
      decision = d;
      outcome.selection = probed.selection;
      setPlanOutputs(d);
    } finally {
      core.endGroup();
    }

    if (config.build) {
      await build(config, d, outcome);
    } else {
      core.setOutput('args', JSON.stringify(buildxArgs(buildOptions(config, d, { secretFiles: [], progress: 'plain' }))));
    }
  } catch (e) {
    core.setFailed(redact(errorMessage(e)));
  }
  // The summary is written for failed builds too: the plan is what the user debugs from.
  if (decision !== undefined && process.env.GITHUB_STEP_SUMMARY) {
    try {
      await core.summary.addRaw(redact(summaryMarkdown(decision, outcome))).write();
    } catch (e) {
      warn(`could not write the job summary: ${errorMessage(e)}`);
    }
  }
}
