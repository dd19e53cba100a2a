// Which CI is this, and what does it say about the build? Every CI names the
// branch, the merge request's target and the default branch in its own
// variables; this turns them into the same RefFacts a GitHub event gives, so
// that decideRefs (ref.ts) makes one decision for all of them.
// Pure: the environment (and GitHub's event payload, read by the shell) in.
import { githubFacts, type RefFacts } from './ref.js';

export type Env = Record<string, string | undefined>;

export type Provider = 'gitlab' | 'jenkins' | 'buildkite' | 'github' | 'branch-name' | 'none';

export interface CiFacts {
  provider: Provider;
  facts: RefFacts;
  /** Names the build in error messages ("... has no branch to write to"). */
  where: string;
}

const DEFAULT_BRANCH_FALLBACK = 'main';

const NAMES: Record<Provider, string> = {
  gitlab: 'GitLab CI',
  jenkins: 'Jenkins',
  buildkite: 'Buildkite',
  github: 'GitHub Actions',
  'branch-name': 'BRANCH_NAME',
  none: 'no CI',
};

export function providerName(p: Provider): string {
  return NAMES[p];
}

/** A variable's value, or undefined when unset or empty (CIs often set empty strings). */
function v(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** The order matters: Jenkins sets BRANCH_NAME too, and any CI may run inside another's container. */
export function detectProvider(env: Env): Provider {
  if (v(env, 'GITLAB_CI')) return 'gitlab';
  if (v(env, 'JENKINS_URL')) return 'jenkins';
  if (env.BUILDKITE === 'true') return 'buildkite';
  if (env.GITHUB_ACTIONS === 'true') return 'github';
  if (v(env, 'BRANCH_NAME')) return 'branch-name';
  return 'none';
}

/** The default branch as the CI says, else `main` with a reason line saying so. */
function defaultBranch(value: string | undefined, ci: string, variable: string, reasons: string[]): string {
  if (value !== undefined) return value;
  reasons.push(
    `${ci} does not say which branch is the default (${variable} is not ` +
      `set): assuming "${DEFAULT_BRANCH_FALLBACK}"; --fallback overrides`,
  );
  return DEFAULT_BRANCH_FALLBACK;
}

function facts(
  provider: Provider,
  f: Omit<RefFacts, 'reasons'> & { reason: string },
  reasons: string[],
  where: string,
): CiFacts {
  const { reason, ...rest } = f;
  return {
    provider,
    facts: { ...rest, reasons: [...reasons, `${providerName(provider)}: ${reason}`] },
    where: `this ${providerName(provider)} ${where}`,
  };
}

/** A tag build, on any CI: no branch, the default branch's cache only, nothing written. */
function tagBuild(
  provider: Provider,
  tag: string,
  def: string,
  reasons: string[],
  kind: 'tag pipeline' | 'tag build',
): CiFacts {
  const reason = `${kind === 'tag pipeline' ? 'tag pipeline' : 'tag'} ${tag}: not a branch, so imports only`;
  return facts(
    provider,
    { branch: undefined, fallbacks: [def], exportAllowed: false, defaultBranch: def, reason },
    reasons,
    `${kind} (${tag})`,
  );
}

/** Git's rules for a branch name (`git check-ref-format --branch`), at most 255 characters. */
export function isBranchName(name: string): boolean {
  if (name === '' || name === '@' || name.length > 255 || name.startsWith('-')) return false;
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.') || name.includes('//')) return false;
  if (name.includes('..') || name.includes('@{')) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: git refuses control characters in ref names
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  return name.split('/').every((c) => c !== '' && !c.startsWith('.') && !c.endsWith('.lock'));
}

/** What a commit message says was merged. */
export type MergedFrom =
  /** A merge commit naming its source branch; `owner` is the head repository's owner (GitHub's message only). */
  | { kind: 'merge'; branch: string; request: string; owner?: string }
  /** A squash commit's `(#12)`: the pull request, but not its branch. */
  | { kind: 'squash'; request: string }
  | { kind: 'none'; why?: string };

type Msg = { text: string; from: string };

/** Longer subjects are no CI's merge message; the cap also bounds the regexes' work. */
const MAX_SUBJECT = 1024;

/**
 * The branch a merge commit's message names: GitHub's "Merge pull request #12
 * from owner/feature/x", GitLab's (and git's) "Merge branch 'feature/x' into
 * 'main'" with "See merge request group/project!12". Anyone who can write a
 * commit message can write these: the result is only a hint (a fallback to
 * import, a cache to delete), never a command, and a name git would refuse is none.
 */
export function mergedFrom(message: string): MergedFrom {
  const first = message.slice(0, MAX_SUBJECT + 2).split('\n', 1)[0]!;
  const subject = first.replace(/\r$/, '').trim();
  if (subject.length > MAX_SUBJECT) return { kind: 'none' };
  const github = /^Merge pull request #(\d{1,9}) from ([A-Za-z0-9][A-Za-z0-9-]*)\/(\S+)$/.exec(subject);
  const gitlab = github ? null : /^Merge branch '(\S+)'(?: into '?[^\s']+'?)?$/.exec(subject);
  if (github || gitlab) {
    const branch = (github ? github[3] : gitlab![1])!;
    if (!isBranchName(branch)) return { kind: 'none', why: 'it names something git would not take for a branch' };
    if (github) return { kind: 'merge', branch, request: `#${github[1]!}`, owner: github[2]! };
    const mr = /^See merge request (\S{1,255}![0-9]{1,9})\s*$/m.exec(message.slice(0, 65536));
    return { kind: 'merge', branch, request: mr ? mr[1]! : 'a merge' };
  }
  const squash = /\(#(\d{1,9})\)$/.exec(subject);
  return squash ? { kind: 'squash', request: `#${squash[1]!}` } : { kind: 'none' };
}

/** The variables a CI puts the commit's message in; BBC_COMMIT_MESSAGE (or --commit-message) goes first. */
const MESSAGE_VARIABLES: Partial<Record<Provider, string>> = {
  gitlab: 'CI_COMMIT_MESSAGE',
  buildkite: 'BUILDKITE_MESSAGE',
};

/** The commit message and where it came from, if any says. */
function commitMessage(env: Env, provider: Provider, given?: string): Msg | undefined {
  if (given?.trim()) return { text: given, from: '--commit-message' };
  for (const name of ['BBC_COMMIT_MESSAGE', MESSAGE_VARIABLES[provider]]) {
    if (name !== undefined && v(env, name) !== undefined) return { text: env[name]!, from: name };
  }
  return undefined;
}

/**
 * A branch build's fallbacks: the branch a merge commit's message names (the
 * first build after a merge then starts from the merged branch's cache), then
 * the default branch. Says why in `reasons` when the message names a merge.
 */
function branchFallbacks(
  branch: string | undefined,
  def: string,
  message: Msg | undefined,
  reasons: string[],
): (string | undefined)[] {
  const merged = message === undefined ? { kind: 'none' as const } : mergedFrom(message.text);
  if (merged.kind === 'squash') {
    reasons.push(
      `${message!.from}: a squash merge (${merged.request}) names no branch, ` +
        'so no merged branch to fall back to (--fallback names one)',
    );
  }
  if (merged.kind !== 'merge' || merged.branch === branch) return [def];
  reasons.push(`${message!.from}: a merge of ${merged.branch} (${merged.request}): its cache is the first fallback`);
  return [merged.branch, def];
}

function gitlab(env: Env, message?: Msg): CiFacts {
  const reasons: string[] = [];
  const def = defaultBranch(v(env, 'CI_DEFAULT_BRANCH'), 'GitLab', 'CI_DEFAULT_BRANCH', reasons);
  const tag = v(env, 'CI_COMMIT_TAG');
  if (tag !== undefined) {
    return tagBuild('gitlab', tag, def, reasons, 'tag pipeline');
  }
  const source = v(env, 'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME');
  if (source !== undefined) {
    const target = v(env, 'CI_MERGE_REQUEST_TARGET_BRANCH_NAME');
    const from = v(env, 'CI_MERGE_REQUEST_SOURCE_PROJECT_ID');
    const into = v(env, 'CI_MERGE_REQUEST_PROJECT_ID');
    // Unknown project ids count as a fork: never write a cache on a guess.
    const fork = from === undefined || into === undefined || from !== into;
    const forkName = fork
      ? (v(env, 'CI_MERGE_REQUEST_SOURCE_PROJECT_PATH') ?? `project ${from ?? '(unknown)'}`)
      : undefined;
    // A merge train's pipeline builds a temporary merge, like GitHub's merge_group: it never writes.
    const type = v(env, 'CI_MERGE_REQUEST_EVENT_TYPE');
    const train = type === 'merge_train';
    // A merged-result pipeline builds the merge of the source into the target, as GitHub's pull_request does.
    const merged = type === 'merged_result' ? ' (merged result: the source merged into the target)' : '';
    const reason = fork
      ? `merge request from fork ${forkName}: imports only, a fork never writes the cache`
      : train
        ? `merge train ${source} -> ${target ?? '?'}: the merge is temporary, so imports only`
        : `merge request ${source} -> ${target ?? '?'}${merged}`;
    return facts(
      'gitlab',
      {
        branch: source,
        fallbacks: [target, def],
        exportAllowed: !fork && !train,
        defaultBranch: def,
        fork: forkName,
        reason,
      },
      reasons,
      `merge request pipeline (${source})`,
    );
  }
  const branch = v(env, 'CI_COMMIT_BRANCH');
  if (branch !== undefined) {
    return facts(
      'gitlab',
      {
        branch,
        fallbacks: branchFallbacks(branch, def, message, reasons),
        exportAllowed: true,
        defaultBranch: def,
        reason: `branch pipeline on ${branch}`,
      },
      reasons,
      `pipeline on ${branch}`,
    );
  }
  return facts(
    'gitlab',
    {
      branch: undefined,
      fallbacks: [def],
      exportAllowed: false,
      defaultBranch: def,
      reason: 'neither CI_COMMIT_BRANCH nor CI_MERGE_REQUEST_SOURCE_BRANCH_NAME is set: not a branch, so imports only',
    },
    reasons,
    'pipeline',
  );
}

function jenkins(env: Env, message?: Msg): CiFacts {
  const reasons: string[] = [];
  const name = v(env, 'BRANCH_NAME');
  // BRANCH_IS_PRIMARY: the SCM source says this branch is the default one.
  const primary = env.BRANCH_IS_PRIMARY === 'true' && v(env, 'CHANGE_ID') === undefined ? name : undefined;
  const def = defaultBranch(primary, 'Jenkins', 'BRANCH_IS_PRIMARY', reasons);
  const tag = v(env, 'TAG_NAME');
  if (tag !== undefined) {
    return tagBuild('jenkins', tag, def, reasons, 'tag build');
  }
  const change = v(env, 'CHANGE_BRANCH');
  if (change !== undefined || v(env, 'CHANGE_ID') !== undefined) {
    // For a change request BRANCH_NAME is PR-12; CHANGE_BRANCH is the real source branch.
    const target = v(env, 'CHANGE_TARGET');
    const forkName = v(env, 'CHANGE_FORK');
    const reason = forkName
      ? `pull request from fork ${forkName}: imports only, a fork never writes the cache`
      : change === undefined
        ? `change ${name ?? '?'} has no CHANGE_BRANCH: its source branch is unknown, so imports only`
        : `pull request ${change} -> ${target ?? '?'} (${name ?? '?'})`;
    return facts(
      'jenkins',
      {
        branch: change,
        fallbacks: [target, def],
        exportAllowed: forkName === undefined,
        defaultBranch: def,
        fork: forkName,
        reason,
      },
      reasons,
      `change request (${name ?? '?'})`,
    );
  }
  if (name !== undefined) {
    return facts(
      'jenkins',
      {
        branch: name,
        fallbacks: branchFallbacks(name, def, message, reasons),
        exportAllowed: true,
        defaultBranch: def,
        reason: `branch ${name}`,
      },
      reasons,
      `build of ${name}`,
    );
  }
  // Not a multibranch job: the git plugin's GIT_LOCAL_BRANCH, else GIT_BRANCH without its remote.
  const git =
    v(env, 'GIT_LOCAL_BRANCH') ??
    v(env, 'GIT_BRANCH')?.replace(/^(refs\/heads\/|refs\/remotes\/origin\/|origin\/)/, '');
  if (git !== undefined) {
    return facts(
      'jenkins',
      {
        branch: git,
        fallbacks: branchFallbacks(git, def, message, reasons),
        exportAllowed: true,
        defaultBranch: def,
        reason: `branch ${git} (from the git plugin's variables; not a multibranch job)`,
      },
      reasons,
      `build of ${git}`,
    );
  }
  return facts(
    'jenkins',
    {
      branch: undefined,
      fallbacks: [def],
      exportAllowed: false,
      defaultBranch: def,
      reason: 'no BRANCH_NAME (not a multibranch job) and no GIT_BRANCH: imports only; set --branch',
    },
    reasons,
    'build',
  );
}

/** git@github.com:acme/app.git, https://github.com/acme/app -> github.com/acme/app */
export function repoKey(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^[a-z+]+:\/\//, '')
    .replace(/^[^@/]*@/, '')
    .replace(/^([^/:]+):(?!\d)/, '$1/')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
}

function buildkite(env: Env, message?: Msg): CiFacts {
  const reasons: string[] = [];
  const def = defaultBranch(
    v(env, 'BUILDKITE_PIPELINE_DEFAULT_BRANCH'),
    'Buildkite',
    'BUILDKITE_PIPELINE_DEFAULT_BRANCH',
    reasons,
  );
  const tag = v(env, 'BUILDKITE_TAG');
  if (tag !== undefined) {
    // On a tag build BUILDKITE_BRANCH holds the tag's name: it is not a branch.
    return tagBuild('buildkite', tag, def, reasons, 'tag build');
  }
  const branch = v(env, 'BUILDKITE_BRANCH');
  const pr = v(env, 'BUILDKITE_PULL_REQUEST');
  if (pr !== undefined && pr !== 'false') {
    const base = v(env, 'BUILDKITE_PULL_REQUEST_BASE_BRANCH');
    const prRepo = v(env, 'BUILDKITE_PULL_REQUEST_REPO');
    const repo = v(env, 'BUILDKITE_REPO');
    // Unknown repositories count as a fork: never write a cache on a guess.
    const fork = prRepo === undefined || repo === undefined || repoKey(prRepo) !== repoKey(repo);
    const forkName = fork ? (prRepo ?? '(unknown repository)') : undefined;
    const reason = fork
      ? `pull request #${pr} from fork ${forkName}: imports only, a fork never writes the cache`
      : `pull request #${pr} ${branch ?? '?'} -> ${base ?? '?'}`;
    return facts(
      'buildkite',
      { branch, fallbacks: [base, def], exportAllowed: !fork, defaultBranch: def, fork: forkName, reason },
      reasons,
      `pull request build (#${pr})`,
    );
  }
  if (branch !== undefined) {
    return facts(
      'buildkite',
      {
        branch,
        fallbacks: branchFallbacks(branch, def, message, reasons),
        exportAllowed: true,
        defaultBranch: def,
        reason: `branch ${branch}`,
      },
      reasons,
      `build of ${branch}`,
    );
  }
  return facts(
    'buildkite',
    {
      branch: undefined,
      fallbacks: [def],
      exportAllowed: false,
      defaultBranch: def,
      reason: 'BUILDKITE_BRANCH is not set: imports only',
    },
    reasons,
    'build',
  );
}

function github(env: Env, payload: Record<string, unknown>): CiFacts {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const ref = env.GITHUB_REF ?? '';
  const f = githubFacts({ eventName, ref, headRef: env.GITHUB_HEAD_REF, baseRef: env.GITHUB_BASE_REF, payload });
  return { provider: 'github', facts: f, where: `${eventName} on ${ref || 'no ref'}` };
}

/**
 * The facts of the CI this runs in. `githubPayload` is the GitHub Actions event
 * payload (the file GITHUB_EVENT_PATH names); the shell reads it, only when
 * detectProvider says github.
 */
export function ciFacts(
  env: Env,
  githubPayload: Record<string, unknown> = {},
  opts: { commitMessage?: string } = {},
): CiFacts {
  const provider = detectProvider(env);
  const message = commitMessage(env, provider, opts.commitMessage);
  switch (provider) {
    case 'gitlab':
      return gitlab(env, message);
    case 'jenkins':
      return jenkins(env, message);
    case 'buildkite':
      return buildkite(env, message);
    case 'github':
      return github(env, githubPayload);
    case 'branch-name': {
      // The article's convention: the CI exports the branch in BRANCH_NAME, and nothing else.
      const reasons = [
        `only BRANCH_NAME is set, which does not say which branch is the ` +
          `default: assuming "${DEFAULT_BRANCH_FALLBACK}"; --fallback overrides`,
      ];
      const def = DEFAULT_BRANCH_FALLBACK;
      const branch = v(env, 'BRANCH_NAME')!;
      return facts(
        'branch-name',
        {
          branch,
          fallbacks: branchFallbacks(branch, def, message, reasons),
          exportAllowed: true,
          defaultBranch: def,
          reason: `branch ${branch} (no known CI detected)`,
        },
        reasons,
        `build of ${branch}`,
      );
    }
    case 'none': {
      // Nothing forbids writing; with no branch there is nothing to write to until --branch names one.
      const reasons = [
        `no CI detected and no BRANCH_NAME: no branch unless --branch names ` +
          `one; assuming the default branch is "${DEFAULT_BRANCH_FALLBACK}"`,
      ];
      const fallbacks = branchFallbacks(undefined, DEFAULT_BRANCH_FALLBACK, message, reasons);
      return {
        provider,
        facts: { branch: undefined, fallbacks, exportAllowed: true, defaultBranch: DEFAULT_BRANCH_FALLBACK, reasons },
        where: 'this build (no CI detected)',
      };
    }
  }
}
