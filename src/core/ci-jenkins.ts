// What Jenkins says: a multibranch job's BRANCH_NAME and CHANGE_* variables
// (pull requests, forks, tags), else the git plugin's GIT_BRANCH.
import { type CiFacts, defaultBranch, type Env, facts, tagBuild, v } from './ci-facts.js';
import { branchFallbacks, type Msg } from './merge-message.js';

export function ciJenkins(env: Env, message?: Msg): CiFacts {
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
        // No CHANGE_BRANCH: whatever --branch names, this build's source is unknown, so it never writes.
        exportAllowed: forkName === undefined && change !== undefined,
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
