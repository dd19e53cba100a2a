// What Buildkite says: BUILDKITE_BRANCH, its pull request variables (a fork
// when the pull request's repository is not the pipeline's), tags.
import { type CiFacts, defaultBranch, type Env, facts, tagBuild, v } from './ci-facts.js';
import { branchFallbacks, type Msg } from './merge-message.js';

/** git@github.com:acme/app.git, https://github.com/acme/app -> github.com/acme/app */
export function repoKey(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^[a-z+]+:\/\//, '')
    .replace(/^[^@/]*@/, '')
    .replace(/^([^/:]+):(?!\d)/, '$1/')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}

export function ciBuildkite(env: Env, message?: Msg): CiFacts {
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
