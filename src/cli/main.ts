#!/usr/bin/env node
// The command line's front door (bundled to dist/cli.js): argv -> a command;
// `plan` and `build` run the same pipeline as the action (shell/pipeline.ts)
// with the command line's host (host.ts), the branch facts from the CI's
// variables (core/ci.ts) instead of the event; `cleanup` and `sweep` run the
// action's (shell/cleanup.ts, shell/sweep.ts), a sweep's live branches from git.
import pkg from '../../package.json' with { type: 'json' };
import { ciFacts, detectProvider } from '../core/ci.js';
import type { CiFacts, Env } from '../core/ci-facts.js';
import { githubRun } from '../core/attest.js';
import { errorMessage } from '../core/errors.js';
import type { Config } from '../core/inputs.js';
import { get } from '../core/payload.js';
import { readEventPayload } from '../shell/event.js';
import { runCleanup } from '../shell/cleanup.js';
import { remoteBranches } from '../shell/live-branches.js';
import { BuildPipeline } from '../shell/pipeline.js';
import { runSweep } from '../shell/sweep.js';
import { runBake } from '../shell/bake.js';
import { failIfUnsettled } from '../shell/unsettled.js';
import { inputGetter, NAME, parseArgs, UsageError, type Cli } from './args.js';
import { helpText } from './help.js';
import { ciLine, planFlags, planJson, unsafeWords } from './plan-output.js';
import { CLI_WORDS, cliHost } from './host.js';

/** Lines of our own on standard error before the host exists (usage errors). */
const early = cliHost(false);

async function main(argv: string[]): Promise<number> {
  let cli: Cli;
  try {
    cli = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    early.emit(`${NAME}: ${e.message}`);
    early.emit(`Try '${NAME} --help' for more information.`);
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
  const host = cliHost(cli.quiet);
  if (cli.command === 'cleanup' || cli.command === 'sweep') {
    // The shared steps say a failure through fail(); the exit status follows it.
    let failed = false;
    const io = {
      ...host,
      fail: (m: string) => {
        failed = true;
        host.fail(m);
      },
    };
    const get = inputGetter(cli);
    if (cli.command === 'cleanup') await runCleanup(get, io);
    else
      await runSweep(get, { ...io, branches: () => ({ liveBranches: () => remoteBranches(cli.remote ?? 'origin') }) });
    return failed ? 1 : 0;
  }
  const pipeline = new BuildPipeline(host);
  try {
    const env = process.env as Env;
    let ci: CiFacts | undefined;
    // GitHub's event payload is read here, so that ci.ts stays pure (forks are told apart by it).
    const read = (config: Config) => {
      const payload = detectProvider(env) === 'github' ? readEventPayload(env) : {};
      ci = ciFacts(env, payload, { commitMessage: cli.commitMessage, mergeMessages: config.pullRequestFallbacks });
      // In a GitHub Actions step, provenance names the run as build-push-action does (core/attest.ts).
      const run = githubRun(env, get(payload, 'repository', 'private') === true);
      return { source: { facts: ci.facts, where: ci.where }, lines: [ciLine(ci)], run };
    };
    if (cli.command === 'bake') return await runBake(inputGetter(cli), host, read);
    const planned = await pipeline.plan(inputGetter(cli), read, cli.command === 'build');
    if (cli.command === 'build') return await pipeline.build(planned, cli.extraArgs);
    if (cli.json) {
      const args = pipeline.argsWithoutBuild(planned);
      process.stdout.write(`${JSON.stringify(planJson(ci!, planned.d, args, planned.selection), null, 2)}\n`);
      return 0;
    }
    const flags = planFlags(planned.d);
    for (const f of unsafeWords(flags))
      host.warn(`this flag holds a space or a glob character, so $(...) would split or expand it: use --json: ${f}`);
    if (flags.length > 0) process.stdout.write(`${flags.join('\n')}\n`);
    return 0;
  } catch (e) {
    // One line, no stack: every failure here is the user's to fix (or buildx's to explain).
    host.fail(pipeline.failure(e));
    return 1;
  }
}

// `plan | head -1` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

failIfUnsettled(
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      early.emit(`${NAME}: ${errorMessage(e, CLI_WORDS)}`);
      process.exitCode = 1;
    },
  ),
  () => {
    early.emit(`${NAME}: stopped before it finished (a bug: please report it)`);
    process.exitCode = 1;
  },
);
