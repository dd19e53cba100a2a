// What GitLab CI's predefined variables say: a branch, tag, merge request
// (merged-result or merge-train) pipeline, and whether it comes from a fork.
import { type CiFacts, defaultBranch, type Env, facts, tagBuild, v } from './ci-facts.js';
import { branchFallbacks, type Msg } from './merge-message.js';

export function ciGitlab(env: Env, message?: Msg): CiFacts {
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
