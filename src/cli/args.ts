// The command line's words: argv -> a command and the action's inputs, the help
// text, and what `plan` prints. Pure, so that tests need no process; main.ts
// is the shell that runs it. Every option is an action input (INPUT_DEFAULTS),
// so the command and the action can never disagree about what an option means.
import type { CiFacts } from '../core/ci.js';
import { providerName } from '../core/ci.js';
import { closest } from '../core/closest.js';
import type { Decision } from '../core/decide.js';
import { INPUT_DEFAULTS, MULTI_LINE_INPUTS, parseConfig, type InputGetter } from '../core/inputs.js';
import { verdictText } from '../core/import-plan.js';
import type { ImportSelection } from '../core/probe.js';

export const NAME = 'buildx-branch-cache';

export type Command = 'plan' | 'build' | 'help' | 'version';

export interface Cli {
  command: Command;
  /** Action input name -> raw value; repeated list options joined by newlines. */
  inputs: Record<string, string>;
  json: boolean;
  quiet: boolean;
  /** After `--`: passed to `docker buildx build` before the context. */
  extraArgs: string[];
}

/** A mistake in the command line itself: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const COMMANDS: readonly Command[] = ['plan', 'build', 'help'];

/** Inputs whose values are lists: a repeated option adds an item (last-wins for the rest). */
export const LIST_INPUTS = new Set([...MULTI_LINE_INPUTS].filter((name) => name !== 'protected-branches'));

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

/** The command chooses whether to build; the `build` input would only contradict it. */
const NOT_OPTIONS = new Set(['build']);

let names: string[] | undefined;

/**
 * The inputs a build reads: parseConfig asked with every input left at its
 * default, recording what it asks for. So a new input becomes an option by
 * itself, and the action's other modes' inputs (cleanup's) do not.
 */
export function inputNames(): string[] {
  if (names === undefined) {
    const seen = new Set<string>();
    try {
      parseConfig((name) => {
        seen.add(name);
        return '';
      });
    } catch {
      // Defaults that do not parse would be the action's bug; what was asked for still counts.
    }
    names = Object.keys(INPUT_DEFAULTS).filter((n) => seen.has(n) && !NOT_OPTIONS.has(n));
  }
  return names;
}

/** Inputs that are true/false: `--push` alone means true. */
export function isBoolean(name: string): boolean {
  const d = INPUT_DEFAULTS[name];
  return d === 'true' || d === 'false';
}

const BOOL_WORDS = new Set(['true', 'false', 'True', 'False', 'TRUE', 'FALSE']);

function suggest(word: string): string {
  const known = [
    ...inputNames(),
    ...Object.keys(ALIASES).filter((a) => a.length > 1),
    'json',
    'quiet',
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
  if (first === undefined) throw new UsageError('no command given: use plan or build');
  if (first === '-h' || first === '--help') return cli;
  if (first === '--version' || first === '-V') return { ...cli, command: 'version' };
  if (!(COMMANDS as string[]).includes(first)) {
    throw new UsageError(
      first.startsWith('-')
        ? `no command given before ${first}: use plan or build`
        : `unknown command "${first}": use plan, build or help`,
    );
  }
  cli.command = first as Command;
  if (cli.command === 'help') return cli;

  const set = (name: string, value: string) => {
    const prev = cli.inputs[name];
    cli.inputs[name] = LIST_INPUTS.has(name) && prev !== undefined ? `${prev}\n${value}` : value;
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
    if ((!arg.startsWith('--') && alias === undefined) || !inputNames().includes(name)) {
      const hint = name === 'build' ? ' (the command says whether to build: use plan or build)' : suggest(word);
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
    if (cli.inputs['context'] !== undefined)
      throw new UsageError(`the build context is given twice: --context ${cli.inputs['context']} and ${context}`);
    cli.inputs['context'] = context;
  }
  return cli;
}

/** The same getter the action's core.getInput is: '' means "not given" (parseConfig applies the default). */
export function inputGetter(cli: Cli): InputGetter {
  return (name) => (name === 'build' ? String(cli.command === 'build') : (cli.inputs[name] ?? ''));
}

/**
 * `plan`'s flags, one per line, each a single shell word: `--flag=value` with
 * no space, so `docker buildx build $(buildx-branch-cache plan ...)` splits
 * them right. The inline cache also needs the image tagged with its cache name.
 */
export function planFlags(d: Decision): string[] {
  return [
    ...d.plan.cacheFrom.map((c) => `--cache-from=${c}`),
    ...d.plan.cacheTo.map((c) => `--cache-to=${c}`),
    ...d.extraTags.map((t) => `--tag=${t}`),
  ];
}

/** Flags that the shell would split or glob: the user should take --json then. */
export function unsafeWords(flags: string[]): string[] {
  return flags.filter((f) => /[\s*?[\]]/.test(f));
}

/** Everything `plan --json` says; `selection` is the probe's answer, when refs were checked. */
export function planJson(
  ci: CiFacts,
  d: Decision,
  args: string[],
  selection?: ImportSelection,
): Record<string, unknown> {
  return {
    ci: ci.provider,
    branch: d.refs.branch ?? null,
    slug: d.branchSlug,
    defaultBranch: d.refs.defaultBranch,
    fallbacks: d.refs.fallbacks,
    exportCache: d.refs.exportCache,
    stage: d.stage,
    importStages: d.importStages,
    cacheFrom: d.plan.cacheFrom,
    cacheTo: d.plan.cacheTo,
    cacheRef: d.plan.export?.ref ?? null,
    tags: d.extraTags,
    imports: d.plan.imports.map((e) => {
      const v = selection?.verdicts.get(e.ref);
      return {
        branch: e.branch,
        stage: e.stage,
        ref: e.ref,
        state: selection?.states.get(e.ref)?.state ?? 'not checked',
        imported: v?.imported ?? selection === undefined,
        why: v ? verdictText(v) : 'not checked',
      };
    }),
    args,
    reasons: d.refs.reasons,
  };
}

/** One line naming where the facts came from, for the log. */
export function ciLine(ci: CiFacts): string {
  return `ci: ${providerName(ci.provider)}`;
}

const DESCRIBED: [string, string][] = [
  ['--image REPO', 'Repository for the cache images, e.g. ghcr.io/acme/app (registry and inline caches)'],
  ['--target STAGE', 'Stage to build; its cache is exported under this name'],
  ['-f, --file FILE', 'Dockerfile (default PATH/Dockerfile)'],
  ['--branch NAME', 'Branch the cache belongs to (default: what the CI says)'],
  [
    '--fallback NAME',
    'Branch to import from after the branch itself; repeat for more ' +
      "(default: the merge request's target, then the default branch)",
  ],
  ['--export-cache auto|true|false', 'Write the cache (auto: branch builds and merge requests from the same project)'],
  ['-t, --tag NAME', 'Image tag; repeatable'],
  ['--build-arg KEY=VALUE', 'Build argument; repeatable'],
  ['--push, --load', 'Push the image, or load it into docker'],
  ['--network MODE', 'Network for RUN steps, e.g. none or host'],
  ['--builder NAME', 'buildx builder to use'],
  ['--cache-type TYPE', 'registry (default), local, gha, s3 or inline'],
  ['--probe-cache false', 'Import every planned ref without checking first which exist'],
  ['--json', 'plan: print the whole decision as JSON'],
  ['-q, --quiet', 'No decision log on standard error'],
  ['-h, --help', 'This help'],
  ['--version', 'The version'],
];

function wrap(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && line.length + 1 + w.length > width - indent) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

export function helpText(): string {
  const col = 32;
  const options = DESCRIBED.flatMap(([flag, text]) => {
    const body = wrap(text, 80, col);
    const head = `  ${flag}`.padEnd(col);
    return flag.length + 2 >= col
      ? [`  ${flag}`, ...body.map((l) => ' '.repeat(col) + l)]
      : [head + body[0], ...body.slice(1).map((l) => ' '.repeat(col) + l)];
  });
  const shown = new Set([
    'image',
    'target',
    'file',
    'branch',
    'fallback-branches',
    'export-cache',
    'tags',
    'build-args',
    'push',
    'load',
    'network',
    'builder',
    'cache-type',
    'probe-cache',
  ]);
  const rest = inputNames()
    .filter((n) => !shown.has(n))
    .map((n) => `--${n}`);
  return [
    `Usage: ${NAME} plan  [OPTIONS] [PATH]`,
    `       ${NAME} build [OPTIONS] [PATH] [-- BUILDX-ARGS...]`,
    `       ${NAME} help | --help | --version`,
    '',
    'A warm BuildKit cache for every branch, in any CI. A build imports its own',
    "branch's cache, then its merge request's target branch's, then the default",
    "branch's, for the stage it builds and every stage that one builds on; it",
    "exports only its own branch's cache for its own stage, so no job overwrites",
    "another's.",
    '',
    'Commands:',
    '  plan    Print the cache flags for docker buildx build, one per line:',
    `            docker buildx build $(${NAME} plan --image REPO) .`,
    '          Each line is a single word (--cache-from=type=registry,ref=...):',
    '          values hold commas but no spaces, so leave $(...) unquoted and the',
    '          shell splits it into one argument per flag. --json prints the',
    '          branch, fallbacks, flags and reasons as JSON instead.',
    '  build   Run docker buildx build with those flags (no shell in between).',
    '          BUILDX-ARGS after -- go to buildx before the context. The exit',
    "          status is buildx's.",
    '  help    This help.',
    '',
    'PATH is the build context (default ".", as --context).',
    '',
    'Options:',
    ...options,
    '',
    'Every build input of the GitHub Action is an option of the same name, with',
    'the same default (see the README), also:',
    ...wrap(rest.join(' '), 80, 2).map((l) => `  ${l}`),
    'Write --name VALUE or --name=VALUE. List options (tags, build args, labels,',
    'platforms, fallbacks, secrets...) take one item each time they are given.',
    'Boolean options alone mean true: --push is --push true; --push=false.',
    'A secret given as --secrets ID=VALUE is on the command line (ps shows it);',
    'pass it to buildx from the environment instead: -- --secret id=ID,env=VAR.',
    '',
    'Which branch (the first CI found wins; the options above win over all):',
    '  GitLab CI  (GITLAB_CI)            CI_COMMIT_BRANCH; merge requests:',
    '             CI_MERGE_REQUEST_SOURCE_BRANCH_NAME, _TARGET_BRANCH_NAME;',
    '             CI_DEFAULT_BRANCH; CI_COMMIT_TAG',
    '  Jenkins    (JENKINS_URL)          BRANCH_NAME; pull requests: CHANGE_BRANCH,',
    '             CHANGE_TARGET, CHANGE_FORK; TAG_NAME; BRANCH_IS_PRIMARY',
    '  Buildkite  (BUILDKITE=true)       BUILDKITE_BRANCH, BUILDKITE_PULL_REQUEST,',
    '             _PULL_REQUEST_BASE_BRANCH, _PULL_REQUEST_REPO, BUILDKITE_REPO,',
    '             BUILDKITE_PIPELINE_DEFAULT_BRANCH, BUILDKITE_TAG',
    '  GitHub     (GITHUB_ACTIONS=true)  the event, exactly as the action reads it',
    '  otherwise                         BRANCH_NAME',
    'The default branch is "main" where the CI does not say. Tags, merge trains',
    'and merge requests from forks import only, they never write a cache.',
    '',
    'Exit status: 0 done; 1 failed (a bad option value, no Dockerfile, a failed',
    "build: then buildx's own status); 2 the command line is wrong.",
    '',
  ].join('\n');
}

/**
 * Does buildx write the build's result to standard output (`--output -`,
 * `dest=-`, or a tar or oci exporter without a dest)? Then its stdout is data
 * for a pipe or a file, and passes untouched.
 */
export function writesResultToStdout(args: readonly string[]): boolean {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a === '--output') values.push(args[i + 1] ?? '');
    else if (a.startsWith('--output=')) values.push(a.slice('--output='.length));
    else if (a.startsWith('-o') && a.length > 2) values.push(a.slice(a[2] === '=' ? 3 : 2));
  }
  return values.some((v) => {
    if (v.trim() === '-') return true;
    const attrs = new Map(
      v.split(',').map((kv) => [
        kv
          .slice(0, kv.indexOf('=') === -1 ? kv.length : kv.indexOf('='))
          .trim()
          .toLowerCase(),
        kv.includes('=') ? kv.slice(kv.indexOf('=') + 1).trim() : '',
      ]),
    );
    const dest = attrs.get('dest');
    if (dest === '-') return true;
    return dest === undefined && (attrs.get('type') === 'tar' || attrs.get('type') === 'oci');
  });
}
