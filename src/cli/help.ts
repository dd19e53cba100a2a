// The command line's help text. Its option list comes from the input table
// (core/input-table.ts) through inputNames(), so a new build input is listed
// by itself; the options described here are the ones most builds need.
import { inputNames, NAME } from './args.js';

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
  [
    '--commit-message TEXT',
    "The commit's message, to find the branch a merge commit merged (default: the CI's own variable)",
  ],
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
    `       ${NAME} bake  [OPTIONS] [TARGET...]`,
    `       ${NAME} cleanup --image REPO --branch NAME [OPTIONS] [PATH]`,
    `       ${NAME} sweep --image REPO [--remote NAME] [OPTIONS]`,
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
    '  bake    Run docker buildx bake with a branch cache plan per target',
    '          (--files, --set, --source; TARGETs as bake reads them).',
    '  cleanup Delete the cache tags of one gone branch (--branch), for every',
    "          stage of the Dockerfile (or --cache-stages), as the action's",
    '          cleanup does: never the default or a --protected-branches one,',
    '          nor a digest another tag shares. --dry-run lists them.',
    '  sweep   Delete the cache tags of every branch the git remote (--remote,',
    '          default origin; `git ls-remote`) no longer has, once nothing says',
    '          it was used within --keep-for (default 7d). For a cron job.',
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
    "cleanup and sweep take the options of the action's cleanup and sweep modes",
    '(--keep-for, --dry-run, --protected-branches, --request-timeout, ...).',
    '',
    'Exit status: 0 done; 1 failed (a bad option value, no Dockerfile, a failed',
    "build: then buildx's own status); 2 the command line is wrong.",
    '',
  ].join('\n');
}
