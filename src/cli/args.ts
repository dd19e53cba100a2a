// The command line's words: argv -> a command and the action's inputs. Pure, so that tests need no
// process; main.ts is the shell that runs it. Every option is a build input of the action's table
// (core/input-table.ts), so the two never disagree about what an option means.
import { closest } from '../core/closest.js';
import { inputSpec, inputsOf, isMultiLine, MODE_SWITCHES, type Mode } from '../core/input-table.js';
import type { InputGetter } from '../core/input-getter.js';

export const NAME = 'buildx-branch-cache';

export type Command = 'plan' | 'build' | 'bake' | 'cleanup' | 'sweep' | 'help' | 'version';

export interface Cli {
  command: Command;
  /** Action input name -> raw value; repeated list options joined by newlines. */
  inputs: Record<string, string>;
  json: boolean;
  quiet: boolean;
  /** After `--`: passed to `docker buildx build` before the context. */
  extraArgs: string[];
  /** --commit-message: the commit's message, for the merged branch it names (core/ci.ts); not an input. */
  commitMessage?: string;
  /** --remote: the git remote whose branches a sweep keeps (default origin); not an input. */
  remote?: string;
}

/** A mistake in the command line itself: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const COMMANDS: readonly Command[] = ['plan', 'build', 'bake', 'cleanup', 'sweep', 'help'];

/** Short and singular spellings, as docker's own flags read. */
export const ALIASES: Record<string, string> = {
  fallback: 'fallback-branches',
  tag: 'tags',
  t: 'tags',
  'build-arg': 'build-args',
  label: 'labels',
  platform: 'platforms',
  f: 'file',
  'cache-stage': 'cache-stages',
};

/** The mode a command runs: plan and build are the action's build mode. */
function modeOf(command: Command): Mode {
  return command === 'cleanup' || command === 'sweep' || command === 'bake' ? command : 'build';
}

/**
 * The options: the inputs the command's mode reads, but the switches (`build`,
 * `cleanup`, `sweep`: the command chooses; the input would only contradict it).
 */
export function inputNames(command: Command = 'build'): string[] {
  const switches: readonly string[] = ['build', ...MODE_SWITCHES];
  return inputsOf(modeOf(command))
    .map((i) => i.name)
    .filter((n) => !switches.includes(n));
}

/** Inputs that are true/false: `--push` alone means true. */
export function isBoolean(name: string): boolean {
  return inputSpec(name).kind === 'bool';
}

const BOOL_WORDS = new Set(['true', 'false', 'True', 'False', 'TRUE', 'FALSE']);

function suggest(word: string, command: Command): string {
  const known = [
    ...inputNames(command),
    ...Object.keys(ALIASES).filter((a) => a.length > 1),
    'json',
    'quiet',
    'commit-message',
    'remote',
    'help',
    'version',
  ];
  const best = closest(word, known, Math.max(2, Math.floor(word.length / 4)));
  return best !== undefined ? ` (did you mean --${best}?)` : '';
}

/** Parse argv (without `node` and the script). Throws UsageError. */
export function parseArgs(argv: readonly string[]): Cli {
  const cli: Cli = { command: 'help', inputs: {}, json: false, quiet: false, extraArgs: [] };
  const first = argv[0];
  if (first === undefined) throw new UsageError('no command given: use plan, build, cleanup or sweep');
  if (first === '-h' || first === '--help') return cli;
  if (first === '--version' || first === '-V') return { ...cli, command: 'version' };
  if (!(COMMANDS as string[]).includes(first)) {
    throw new UsageError(
      first.startsWith('-')
        ? `no command given before ${first}: use plan, build, cleanup or sweep`
        : `unknown command "${first}": use plan, build, bake, cleanup, sweep or help`,
    );
  }
  cli.command = first as Command;
  if (cli.command === 'help') return cli;

  const set = (name: string, value: string) => {
    const prev = cli.inputs[name];
    // A repeated list option adds an item; last wins for the rest.
    cli.inputs[name] = isMultiLine(name) && prev !== undefined ? `${prev}\n${value}` : value;
  };
  let context: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      if (cli.command !== 'build')
        throw new UsageError(
          'arguments after -- are passed to docker buildx build, so they only go with the build command',
        );
      cli.extraArgs = argv.slice(i + 1);
      break;
    }
    if (arg === '-h' || arg === '--help') return { ...cli, command: 'help' };
    if (arg === '--json') {
      if (cli.command !== 'plan') throw new UsageError('--json goes with the plan command');
      cli.json = true;
      continue;
    }
    if (arg === '-q' || arg === '--quiet') {
      cli.quiet = true;
      continue;
    }
    if (arg === '--commit-message' || arg.startsWith('--commit-message=')) {
      // Any text, a leading - included (a message may start with one): the value is never an option.
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (value === undefined) throw new UsageError('--commit-message needs a value, e.g. "$(git log -1 --format=%B)"');
      cli.commitMessage = value;
      continue;
    }
    if (arg === '--remote' || arg.startsWith('--remote=')) {
      if (cli.command !== 'sweep') throw new UsageError('--remote goes with the sweep command');
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (value === undefined || value === '')
        throw new UsageError('--remote needs a value: the git remote, e.g. origin');
      cli.remote = value;
      continue;
    }
    if ((!arg.startsWith('-') || arg === '-') && cli.command === 'bake') {
      // As docker buildx bake reads them: the words after the options are targets.
      set('targets', arg);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (context !== undefined) throw new UsageError(`one build context only: got "${context}" and "${arg}"`);
      context = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const word = arg.startsWith('--')
      ? arg.slice(2, eq === -1 ? undefined : eq)
      : arg.slice(1, eq === -1 ? undefined : eq);
    const alias = Object.hasOwn(ALIASES, word) ? ALIASES[word] : undefined;
    const name = alias ?? word;
    if ((!arg.startsWith('--') && alias === undefined) || !inputNames(cli.command).includes(name)) {
      const hint =
        name === 'build' ? ' (the command says whether to build: use plan or build)' : suggest(word, cli.command);
      throw new UsageError(`unknown option ${arg.slice(0, eq === -1 ? undefined : eq)}${hint}`);
    }
    if (eq !== -1) {
      set(name, arg.slice(eq + 1));
    } else if (isBoolean(name)) {
      // `--push` alone is true; `--push false` reads the word after it only when it is a boolean.
      const next = argv[i + 1];
      if (next !== undefined && /^(yes|no|on|off|y|n|1|0)$/i.test(next)) {
        // Not a build context called "yes": a boolean written the YAML 1.1 way.
        throw new UsageError(`${arg} takes true or false, not "${next}"`);
      }
      set(name, next !== undefined && BOOL_WORDS.has(next) ? argv[++i]! : 'true');
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next.length > 1 && !/^-\d/.test(next))) {
        throw new UsageError(`${arg} needs a value (write ${arg}=VALUE for a value that starts with -)`);
      }
      set(name, next);
      i++;
    }
  }
  if (context !== undefined) {
    if (cli.command === 'sweep') throw new UsageError(`sweep reads no build context: got "${context}"`);
    if (cli.inputs['context'] !== undefined)
      throw new UsageError(`the build context is given twice: --context ${cli.inputs['context']} and ${context}`);
    cli.inputs['context'] = context;
  }
  return cli;
}

/** The same getter the action's core.getInput is: '' means "not given" (parseConfig applies the default). */
export function inputGetter(cli: Cli): InputGetter {
  return (name) => (name === 'build' ? String(cli.command !== 'plan') : (cli.inputs[name] ?? ''));
}
