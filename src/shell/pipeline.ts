// The build, start to end, for every front door: inputs -> secrets masked ->
// the Dockerfile -> decide (core/decide.ts) -> builder and cache refs checked
// (prepare.ts) -> buildx -> the report and the outputs. What differs between
// the action and the command line comes in through the Host (host.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildOptions, buildxArgs, parseMetadata, withExtraArgs } from '../core/buildx.js';
import { decide, type BuildSource, type Decision } from '../core/decide.js';
import { checkFindings, findingLine } from '../core/check-result.js';
import { envFlags } from '../core/env-flags.js';
import { urlPassword } from '../core/git-context.js';
import { errorMessage } from '../core/errors.js';
import { secretInputValues, type InputGetter } from '../core/input-getter.js';
import { optionWarnings, parseConfig, type Config } from '../core/inputs.js';
import type { GitHubRun } from '../core/attest.js';
import type { ImportSelection } from '../core/probe.js';
import { redactor, secretOptionValues, secretParts } from '../core/redact.js';
import { logLines, type Outcome } from '../core/report.js';
import type { Host, Log } from './host.js';
import { withLeads } from './pr-lookup.js';
import { cacheBytes } from './registry-lookup.js';
import { askEarly, prepare, reportBuild, secretSourceValues, writeSecretFiles } from './prepare.js';
import { buildDockerfile } from './remote-dockerfile.js';
import { runBuildx } from './run-buildx.js';

/** Where the branch facts come from, read once the inputs are known; `lines` open the decision log. */
export interface SourceReading {
  source: BuildSource;
  lines: string[];
  /** The workflow run, on GitHub Actions: provenance names it (core/attest.ts). */
  run?: GitHubRun;
}

export interface Planned {
  config: Config;
  d: Decision;
  selection?: ImportSelection;
  run?: GitHubRun;
  /** The look-up's registry client (prepare.ts): the read of the export reuses its token. */
  registry?: Awaited<ReturnType<typeof prepare>>['registry'];
}

/** A file's text, or '' when buildx did not write it. */
export function readOptional(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** What provenance needs to know: the run, and whether buildx's default attestations are off. */
function attestContext(p: Planned): { run?: GitHubRun; noDefaultAttestations: boolean } {
  return { run: p.run, noDefaultAttestations: envFlags(process.env).noDefaultAttestations };
}

/** Every value a run masks and redacts: secret inputs, build secrets of every form, a Git URL's password. */
export function runSecrets(get: InputGetter, config: Config): string[] {
  return secretParts([
    ...secretInputValues(get),
    ...config.secrets.map((s) => s.value),
    ...secretSourceValues(config.secretSources, process.env),
    // A password in a Git context's URL (https://user:token@host/...) is printed with the command line.
    ...(urlPassword(config.context) !== undefined ? [urlPassword(config.context)!] : []),
    ...secretOptionValues([...config.cacheOptions, ...config.toOptions]),
  ]);
}

/**
 * One run of the pipeline. Its state (the redactor, the decision so far, the
 * outcome) belongs to the run, so a failure at any point can still be said
 * without secrets and summarised with whatever plan there was.
 */
export class BuildPipeline {
  redact: (text: string) => string = (t) => t;
  decision: Decision | undefined;
  readonly outcome: Outcome = {};
  /** The host's log with every line redacted. */
  readonly log: Log;

  constructor(readonly host: Host) {
    this.log = {
      info: (line) => host.info(this.redact(line)),
      warn: (message) => host.warn(this.redact(message)),
    };
  }

  /** A failure as one line in the host's words, without secrets. */
  failure(e: unknown): string {
    return this.redact(errorMessage(e, this.host.words));
  }

  /** Inputs to a checked plan: every planned ref looked up, the builder checked for a build (default: `build`). */
  async plan(get: InputGetter, read: (config: Config) => SourceReading, build?: boolean): Promise<Planned> {
    const { host, log } = this;
    const config = parseConfig(get);
    const willBuild = build ?? config.build;
    // Asked now, answered while the event and the Dockerfile are read (prepare.ts).
    const early = askEarly(config, willBuild);
    const secrets = runSecrets(get, config);
    for (const s of secrets) host.setSecret(s);
    this.redact = redactor(secrets);
    if (config.image?.lowered)
      host.notice(`image: repository names are lower case, so the cache goes to ${config.image.repository}`);
    for (const w of optionWarnings(config)) log.warn(w);
    const { source: read0, lines, run } = read(config);
    const lookup = await withLeads(read0, config);
    const source = lookup.source;
    // From the disk, or through the GitHub API for a Git context; undefined text: the target stage only.
    const { text: dockerfile, file, ...built } = await buildDockerfile(config, host.remedies.file, log);
    const planned = decide(config, source, dockerfile, file);
    this.decision = planned;
    const title = `buildx-branch-cache: ${planned.refs.branch ?? 'no branch'} (fallbacks: ${
      planned.refs.fallbacks.join(', ') || 'none'
    })`;
    return host.group(title, async () => {
      for (const line of [...lines, ...lookup.lines, ...built.lines, ...logLines(planned)]) log.info(line);
      for (const w of planned.refs.warnings) log.warn(w);
      // Set now, so that they are there even when what follows fails.
      this.setPlanOutputs(planned);
      const redo = (opts: Parameters<typeof decide>[4]) => decide(config, source, dockerfile, file, opts);
      const prepared = await prepare(config, planned, willBuild, redo, log, host.remedies, early);
      this.decision = prepared.d;
      this.outcome.selection = prepared.selection;
      this.setPlanOutputs(prepared.d);
      // buildx builds the chosen context, with the Git token (if any) among the secrets written to files.
      const building = { ...config, context: built.context, secrets: [...config.secrets, ...built.secrets] };
      return { config: building, d: prepared.d, selection: prepared.selection, run, registry: prepared.registry };
    });
  }

  /** The argv a build would run, for a run that does not build. */
  argsWithoutBuild(p: Planned): string[] {
    const args = buildxArgs(buildOptions(p.config, p.d, { secretFiles: [], progress: 'plain', ...attestContext(p) }));
    this.host.setOutput('args', JSON.stringify(args));
    return args;
  }

  /**
   * Runs buildx with the plan (and `extraArgs` before the context) and reports
   * what the cache did. Returns buildx's exit status; a failed build has been
   * reported to the host (fail) by then.
   */
  async build(p: Planned, extraArgs: readonly string[] = []): Promise<number> {
    const { host, log, outcome } = this;
    const dir = mkdtempSync(join(host.tempRoot, 'buildx-branch-cache-'));
    try {
      const metadataFile = join(dir, 'metadata.json');
      const iidFile = join(dir, 'iid');
      const secretFiles = writeSecretFiles(dir, p.config.secrets);
      const args = withExtraArgs(
        buildxArgs(
          buildOptions(p.config, p.d, { metadataFile, iidFile, secretFiles, progress: 'rawjson', ...attestContext(p) }),
        ),
        extraArgs,
      );
      host.setOutput('args', JSON.stringify(args));
      host.showCommand(this.redact(`docker ${args.join(' ')}`));
      const { code, report } = await runBuildx(args, host.buildxOutput(args), this.redact);
      outcome.progress = report;
      outcome.exitCode = code;
      // The cache's footprint: one read of the manifest just exported (registry caches; bounded, never failing).
      const exported = p.d.plan.export;
      if (report.exported && p.d.backend.type === 'registry' && exported !== undefined)
        outcome.exportBytes = await cacheBytes(
          p.d.backend.image,
          exported.name,
          { env: process.env, timeoutMs: 5000 },
          p.registry,
        );
      host.setOutput('cache-hit', String(report.cacheHit));
      host.setOutput('cached-steps', String(report.cached));
      host.setOutput('total-steps', String(report.total));
      const { checkAnnotations } = envFlags(process.env);
      await host.group('buildx-branch-cache: what the cache did', async () =>
        reportBuild(p.d, outcome, log, checkAnnotations),
      );
      const metadata = readOptional(metadataFile);
      // The user's own --metadata-file among the extra arguments replaces ours; a failed build may write none.
      if (metadata === '' && extraArgs.length === 0 && code === 0)
        log.warn('buildx wrote no metadata file: the imageid, digest and metadata outputs are empty');
      const meta = parseMetadata(metadata);
      // A check's findings are in the metadata only (core/check-result.ts): one warning each.
      const findings = checkFindings(meta.raw);
      for (const f of findings) {
        if (checkAnnotations) log.warn(findingLine(f));
        else log.info(`warning: ${findingLine(f)}`);
      }
      if (code !== 0) {
        const why = findings.length > 0 ? `call ${p.config.call} found ${findings.length} problem(s)` : '';
        host.fail(`docker buildx build failed with exit code ${code}: ${why || 'see the build log above'}`);
        return code;
      }
      // As build-push-action writes them: the ID buildx wrote (else what the metadata says), the metadata indented.
      host.setOutput('imageid', readOptional(iidFile).trim() || meta.imageid);
      host.setOutput('digest', meta.digest);
      host.setOutput('metadata', Object.keys(meta.raw).length > 0 ? JSON.stringify(meta.raw, null, 2) : '');
      if (meta.digest) log.info(`digest: ${meta.digest}`);
      return 0;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private setPlanOutputs(d: Decision): void {
    const { host } = this;
    host.setOutput('branch', d.refs.branch ?? '');
    host.setOutput('branch-slug', d.branchSlug);
    host.setOutput('cache-from', d.plan.cacheFrom.join('\n'));
    host.setOutput('cache-to', d.plan.cacheTo.join('\n'));
    host.setOutput('cache-ref', d.plan.export?.ref ?? '');
  }
}
