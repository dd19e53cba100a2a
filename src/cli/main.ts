#!/usr/bin/env node
// The command line's shell (bundled to dist/cli.js): reads argv, the CI's
// variables and the Dockerfile, asks the same pure core as the action (ci.ts
// for the facts, decide.ts for everything else), then prints flags or runs
// buildx. The mirror of run.ts, with standard error instead of the job log.
import { spawn } from 'node:child_process';
import { fstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { buildOptions, buildxArgs, parseMetadata } from '../core/buildx.js';
import { ciFacts, detectProvider, type Env } from '../core/ci.js';
import {
  ciLine,
  cliMessage,
  helpText,
  inputGetter,
  NAME,
  parseArgs,
  planFlags,
  planJson,
  unsafeWords,
  UsageError,
  withExtraArgs,
  writesResultToStdout,
  type Cli,
} from './args.js';
import { decide, type Decision } from '../core/decide.js';
import { errorMessage, InputError } from '../core/errors.js';
import { optionWarnings, parseConfig, type Config } from '../core/inputs.js';
import { readEventPayload } from '../shell/event.js';
import { prepare, readDockerfile, reportBuild, writeSecretFiles, type Log, type Remedies } from '../shell/prepare.js';
import { ProgressStream, type ProgressReport } from '../core/progress.js';
import { redactor, secretOptionValues, secretParts } from '../core/redact.js';
import { Lines, onGitHubActions, Relay, relayLines } from '../core/relay.js';
import { logLines, type Outcome } from '../core/report.js';

let redact: (text: string) => string = (t) => t;
let quiet = false;
/** Under GitHub Actions the runner reads our output for workflow commands: what we print is relayed (relay.ts). */
const github = onGitHubActions(process.env);
const toStderr = (text: string) => void process.stderr.write(text);
/** Everything but plan's flags goes to standard error, so $(...) captures only the flags. */
const emit = (line: string) => relayLines(toStderr, github, [redact(line)]);
const say = (line: string) => {
  if (!quiet) emit(line);
};
const warn = (message: string) => emit(`${NAME}: warning: ${message}`);
const log: Log = { info: (line) => say(`  ${line}`), warn };

const REMEDIES: Remedies = {
  file: 'give --file (or the build context) that holds the Dockerfile',
  noDocker: `install Docker, or use \`${NAME} plan\` to only print the flags`,
  noBuildx: 'install the docker-buildx plugin',
};

/**
 * GitHub's event payload, read here so that ci.ts stays pure (a malformed one
 * is an error: forks are told apart by it).
 */
function githubPayload(env: Env): Record<string, unknown> {
  return detectProvider(env) === 'github' ? readEventPayload(env) : {};
}

/**
 * Runs docker with an argv array. Its JSON progress on stderr becomes a plain
 * log there, and the per-step report. Its stdout stays ours (an `--output -`
 * tarball must pass untouched), except under GitHub Actions when the runner
 * may read it (a pipe, and no build result on it): then it is text such as
 * `--call outline`'s, which quotes the Dockerfile, and is relayed into the log
 * with the progress, in one block on one stream (the runner reads stdout and
 * stderr on separate threads, so two streams' blocks could interleave).
 */
function runBuildx(args: string[]): Promise<{ code: number; report: ProgressReport }> {
  return new Promise((resolve, reject) => {
    const progress = new ProgressStream();
    const relay = new Relay(toStderr, github);
    const print = (lines: string[]) => {
      if (lines.length > 0) relay.text(`${redact(lines.join('\n'))}\n`);
    };
    const relayStdout = github && stdoutIsPipe() && !writesResultToStdout(args);
    const stdoutLines = new Lines();
    const child = spawn('docker', args, { stdio: ['inherit', relayStdout ? 'pipe' : 'inherit', 'pipe'] });
    // A cancelled CI job signals us: pass it on, so buildx stops too.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, forward);
    child.stdout?.on('data', (chunk: Buffer) => relay.text(redact(stdoutLines.push(chunk))));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => print(progress.feed(chunk)));
    child.on('error', (e) => {
      relay.close();
      reject(new Error(`cannot run docker: ${errorMessage(e)}`));
    });
    child.on('close', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      relay.text(redact(stdoutLines.end()));
      print(progress.end());
      relay.close();
      const signo = signal ? ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal as string] ?? 1) : 0;
      resolve({ code: code ?? 128 + signo, report: progress.report() });
    });
  });
}

/** Standard output is a pipe or a socket (what the runner gives a step), not a file or a terminal. */
function stdoutIsPipe(): boolean {
  try {
    const st = fstatSync(1);
    return st.isFIFO() || st.isSocket();
  } catch {
    return true;
  }
}

async function build(config: Config, d: Decision, cli: Cli, outcome: Outcome): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'buildx-branch-cache-'));
  try {
    const secretFiles = writeSecretFiles(dir, config.secrets);
    const metadataFile = join(dir, 'metadata.json');
    const args = withExtraArgs(
      buildxArgs(buildOptions(config, d, { metadataFile, secretFiles, progress: 'rawjson' })),
      cli.extraArgs,
    );
    say(`  docker ${args.join(' ')}`);
    const { code, report } = await runBuildx(args);
    outcome.progress = report;
    outcome.exitCode = code;
    say(`${NAME}: what the cache did`);
    reportBuild(d, outcome, log);
    if (code !== 0) {
      emit(`${NAME}: docker buildx build failed with exit code ${code}: see the build log above`);
      return code;
    }
    let metadata = '';
    try {
      metadata = readFileSync(metadataFile, 'utf8');
    } catch {
      // The user's own --metadata-file after -- replaces ours: nothing to report then.
    }
    const meta = parseMetadata(metadata);
    if (meta.digest) say(`  digest: ${meta.digest}`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  let cli: Cli;
  try {
    cli = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    emit(`${NAME}: ${e.message}`);
    emit(`Try '${NAME} --help' for more information.`);
    return 2;
  }
  if (cli.command === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  if (cli.command === 'version') {
    process.stdout.write(`${NAME} ${pkg.version}\n`);
    return 0;
  }
  quiet = cli.quiet;
  try {
    const config = parseConfig(inputGetter(cli));
    redact = redactor(
      secretParts([
        ...config.secrets.map((s) => s.value),
        ...secretOptionValues([...config.cacheOptions, ...config.toOptions]),
      ]),
    );
    if (config.image?.lowered)
      warn(`image: repository names are lower case, so the cache goes to ${config.image.repository}`);
    for (const w of optionWarnings(config)) warn(w);
    const env = process.env as Env;
    const ci = ciFacts(env, githubPayload(env));
    const file = config.file ?? join(config.context, 'Dockerfile');
    const dockerfile = readDockerfile(file, REMEDIES);
    const source = { facts: ci.facts, where: ci.where };
    let d = decide(config, source, dockerfile, file);
    say(`${NAME}: ${d.refs.branch ?? 'no branch'} (fallbacks: ${d.refs.fallbacks.join(', ') || 'none'})`);
    for (const line of [ciLine(ci), ...logLines(d)]) say(`  ${line}`);
    for (const w of d.refs.warnings) warn(w);

    const probed = await prepare(
      config,
      d,
      cli.command === 'build',
      (opts) => decide(config, source, dockerfile, file, opts),
      log,
      REMEDIES,
    );
    d = probed.d;

    if (cli.command === 'plan') {
      if (cli.json) {
        const args = buildxArgs(buildOptions(config, d, { secretFiles: [], progress: 'plain' }));
        process.stdout.write(`${JSON.stringify(planJson(ci, d, args, probed.selection), null, 2)}\n`);
      } else {
        const flags = planFlags(d);
        for (const f of unsafeWords(flags))
          warn(`this flag holds a space or a glob character, so $(...) would split or expand it: use --json: ${f}`);
        if (flags.length > 0) process.stdout.write(`${flags.join('\n')}\n`);
      }
      return 0;
    }
    return await build(config, d, cli, { selection: probed.selection });
  } catch (e) {
    // One line, no stack: every failure here is the user's to fix (or buildx's to explain).
    const message = e instanceof InputError ? cliMessage(e.message, e.input) : errorMessage(e);
    emit(`${NAME}: ${message}`);
    return 1;
  }
}

// `plan | head -1` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  emit(`${NAME}: ${errorMessage(e)}`);
  process.exitCode = 1;
}
