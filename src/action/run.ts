// The action's thin shell: reads inputs and the event, calls the pure core
// (decide.ts) and the shared shell steps (prepare.ts), runs buildx, and writes
// outputs and the job summary. The only module that uses @actions/core.
import * as core from '@actions/core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOptions, buildxArgs, parseMetadata } from '../core/buildx.js';
import { cleanupRequested, runCleanup } from './cleanup-run.js';
import { decide, type Decision } from '../core/decide.js';
import { runBuildx } from './docker.js';
import { errorMessage } from '../core/errors.js';
import { optionWarnings, parseConfig, type Config } from '../core/inputs.js';
import { prepare, readDockerfile, reportBuild, writeSecretFiles, type Log, type Remedies } from '../shell/prepare.js';
import { readEventPayload } from '../shell/event.js';
import type { ProgressReport } from '../core/progress.js';
import { redactor, secretOptionValues, secretParts } from '../core/redact.js';
import { oneLine, relayLines } from '../core/relay.js';
import type { EventContext } from '../core/ref.js';
import { logLines, summaryMarkdown, type Outcome } from '../core/report.js';

/** Replaces secret values in everything the action prints; set once the inputs are read. */
let redact: (text: string) => string = (t) => t;
/**
 * Info lines can echo text that others wrote (stage names, the first step that
 * ran, BuildKit's errors): each is relayed, so it can never be a runner
 * command. Warnings are the action's own annotations, their text on one line.
 */
const stdout = (text: string) => void process.stdout.write(text);
const log: Log = {
  info: (line) => relayLines(stdout, true, [redact(line)]),
  warn: (message) => core.warning(oneLine(redact(message))),
};

const REMEDIES: Remedies = {
  file: "set `file` (or `context`) to the Dockerfile's path",
  noDocker: 'install Docker (GitHub-hosted runners have it), or set build: false to only work out the flags',
  noBuildx: 'add docker/setup-buildx-action before this step, or install the docker-buildx plugin',
};

/** The event, read when it is needed (a malformed payload is then one clear error, not a crash at start). */
function eventContext(): EventContext {
  return {
    eventName: process.env.GITHUB_EVENT_NAME ?? '',
    ref: process.env.GITHUB_REF ?? '',
    headRef: process.env.GITHUB_HEAD_REF,
    baseRef: process.env.GITHUB_BASE_REF,
    payload: readEventPayload(process.env),
  };
}

function setPlanOutputs(d: Decision): void {
  core.setOutput('branch', d.refs.branch ?? '');
  core.setOutput('branch-slug', d.branchSlug);
  core.setOutput('cache-from', d.plan.cacheFrom.join('\n'));
  core.setOutput('cache-to', d.plan.cacheTo.join('\n'));
  core.setOutput('cache-ref', d.plan.export?.ref ?? '');
}

function setReportOutputs(r: ProgressReport): void {
  core.setOutput('cache-hit', String(r.cacheHit));
  core.setOutput('cached-steps', String(r.cached));
  core.setOutput('total-steps', String(r.total));
}

async function build(config: Config, d: Decision, outcome: Outcome): Promise<void> {
  const dir = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'buildx-branch-cache-'));
  try {
    const metadataFile = join(dir, 'metadata.json');
    const secretFiles = writeSecretFiles(dir, config.secrets);
    const args = buildxArgs(buildOptions(config, d, { metadataFile, secretFiles, progress: 'rawjson' }));
    core.setOutput('args', JSON.stringify(args));
    const { code, report } = await runBuildx(args, redact);
    outcome.progress = report;
    outcome.exitCode = code;
    setReportOutputs(report);
    core.startGroup('buildx-branch-cache: what the cache did');
    reportBuild(d, outcome, log);
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
      log.warn('buildx wrote no metadata file: the imageid, digest and metadata outputs are empty');
    }
    const meta = parseMetadata(metadata);
    core.setOutput('imageid', meta.imageid);
    core.setOutput('digest', meta.digest);
    core.setOutput('metadata', JSON.stringify(meta.raw));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The summary of a run that failed before it had a plan: the error, as text. */
function failureMarkdown(message: string): string {
  const text = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `### buildx-branch-cache: failed before planning\n\n<pre>${text}</pre>\n`;
}

export async function run(): Promise<void> {
  // Cleanup mode (cleanup-run.ts) deletes a gone branch's cache tags instead of building.
  if (cleanupRequested((name) => core.getInput(name))) return runCleanup((name) => core.getInput(name));
  let decision: Decision | undefined;
  let failure: string | undefined;
  const outcome: Outcome = {};
  try {
    const config = parseConfig((name) => core.getInput(name));
    const secrets = secretParts([
      ...config.secrets.map((s) => s.value),
      ...secretOptionValues([...config.cacheOptions, ...config.toOptions]),
    ]);
    for (const s of secrets) core.setSecret(s);
    redact = redactor(secrets);
    if (config.image?.lowered) {
      core.notice(`image: repository names are lower case, so the cache goes to ${config.image.repository}`);
    }
    for (const w of optionWarnings(config)) log.warn(w);
    const file = config.file ?? join(config.context, 'Dockerfile');
    const source = { event: eventContext() };
    const dockerfile = readDockerfile(file, REMEDIES);
    let d = decide(config, source, dockerfile, file);
    decision = d;

    core.startGroup(
      `buildx-branch-cache: ${d.refs.branch ?? 'no branch'} (fallbacks: ${d.refs.fallbacks.join(', ') || 'none'})`,
    );
    try {
      for (const line of logLines(d)) log.info(line);
      for (const w of d.refs.warnings) log.warn(w);
      // Set now, so that they are there even when what follows fails.
      setPlanOutputs(d);
      const prepared = await prepare(
        config,
        d,
        config.build,
        (opts) => decide(config, source, dockerfile, file, opts),
        log,
        REMEDIES,
      );
      d = prepared.d;
      decision = d;
      outcome.selection = prepared.selection;
      setPlanOutputs(d);
    } finally {
      core.endGroup();
    }

    if (config.build) {
      await build(config, d, outcome);
    } else {
      core.setOutput(
        'args',
        JSON.stringify(buildxArgs(buildOptions(config, d, { secretFiles: [], progress: 'plain' }))),
      );
    }
  } catch (e) {
    failure = redact(errorMessage(e));
    core.setFailed(oneLine(failure));
  }
  // The summary is written for failed builds too: the plan is what the user debugs from.
  // A failure before there was a plan (a bad input, a malformed event payload) is said there too.
  if ((decision !== undefined || failure !== undefined) && process.env.GITHUB_STEP_SUMMARY) {
    try {
      const markdown = decision !== undefined ? summaryMarkdown(decision, outcome) : failureMarkdown(failure!);
      await core.summary.addRaw(redact(markdown)).write();
    } catch (e) {
      log.warn(`could not write the job summary: ${errorMessage(e)}`);
    }
  }
}
