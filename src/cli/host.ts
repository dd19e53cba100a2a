// The command line's Host (shell/host.ts): everything but `plan`'s flags goes
// to standard error, so $(...) captures only the flags. Under GitHub Actions
// (a `run:` step) the runner reads that output for workflow commands, so it is
// relayed (core/relay.ts) the way the action relays its log.
import { fstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Words } from '../core/errors.js';
import { onGitHubActions, relayLines } from '../core/relay.js';
import type { Host } from '../shell/host.js';
import { writesResultToStdout } from '../core/buildx.js';
import { NAME } from './args.js';

/** Options are what the command line calls inputs. */
export const CLI_WORDS: Words = { name: (n) => `--${n}`, ref: (n) => `--${n}` };

const toStderr = (text: string) => void process.stderr.write(text);

/** Standard output is a pipe or a socket (what the runner gives a step), not a file or a terminal. */
function stdoutIsPipe(): boolean {
  try {
    const st = fstatSync(1);
    return st.isFIFO() || st.isSocket();
  } catch {
    return true;
  }
}

export interface CliHost extends Host {
  /** A line of our own on standard error, even with --quiet (errors, usage). */
  emit(line: string): void;
}

export function cliHost(quiet: boolean, env: NodeJS.ProcessEnv = process.env): CliHost {
  const github = onGitHubActions(env);
  const emit = (line: string) => relayLines(toStderr, github, [line]);
  const say = (line: string) => {
    if (!quiet) emit(line);
  };
  return {
    emit,
    info: (line) => say(`  ${line}`),
    warn: (message) => emit(`${NAME}: warning: ${message}`),
    notice: (message) => emit(`${NAME}: warning: ${message}`),
    group: async (title, body) => {
      say(title);
      return body();
    },
    // The command line has no step outputs: `plan --json` prints the decision instead.
    setOutput: () => {},
    setSecret: () => {},
    fail: (message) => emit(`${NAME}: ${message}`),
    showCommand: (line) => say(`  ${line}`),
    /**
     * buildx's stdout stays the user's (an `--output -` tarball must pass
     * untouched), except under GitHub Actions when the runner may read it (a
     * pipe, and no build result on it): then it is text such as `--call
     * outline`'s, which quotes the Dockerfile, and is relayed with the progress.
     */
    buildxOutput: (args) => ({
      write: toStderr,
      github,
      relayStdout: github && stdoutIsPipe() && !writesResultToStdout(args),
    }),
    tempRoot: tmpdir(),
    remedies: {
      file: 'give --file (or the build context) that holds the Dockerfile',
      noDocker: `install Docker, or use \`${NAME} plan\` to only print the flags`,
      noBuildx: 'install the docker-buildx plugin',
    },
    words: CLI_WORDS,
  };
}
