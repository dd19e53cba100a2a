// Which CI is this, and what does it say about the build? Every CI names the
// branch, the merge request's target and the default branch in its own
// variables; this turns them into the same RefFacts a GitHub event gives, so
// that decideRefs (ref.ts) makes one decision for all of them.
// Pure: the environment (and GitHub's event payload, read by the shell) in.
// Each CI's reader is a module of its own (ci-gitlab.ts, ci-jenkins.ts, ci-buildkite.ts).
import { ciBuildkite } from './ci-buildkite.js';
import { type CiFacts, DEFAULT_BRANCH_FALLBACK, type Env, facts, type Provider, v } from './ci-facts.js';
import { ciGitlab } from './ci-gitlab.js';
import { ciJenkins } from './ci-jenkins.js';
import { branchFallbacks, commitMessage } from './merge-message.js';
import { githubFacts } from './github-event.js';

/** The order matters: Jenkins sets BRANCH_NAME too, and any CI may run inside another's container. */
export function detectProvider(env: Env): Provider {
  if (v(env, 'GITLAB_CI')) return 'gitlab';
  if (v(env, 'JENKINS_URL')) return 'jenkins';
  if (env.BUILDKITE === 'true') return 'buildkite';
  if (env.GITHUB_ACTIONS === 'true') return 'github';
  if (v(env, 'BRANCH_NAME')) return 'branch-name';
  return 'none';
}

function github(env: Env, payload: Record<string, unknown>): CiFacts {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const ref = env.GITHUB_REF ?? '';
  const f = githubFacts({ eventName, ref, headRef: env.GITHUB_HEAD_REF, baseRef: env.GITHUB_BASE_REF, payload });
  return { provider: 'github', facts: f, where: `${eventName || 'an unnamed event'} on ${ref || 'no ref'}` };
}

/**
 * The facts of the CI this runs in. `githubPayload` is the GitHub Actions event
 * payload (the file GITHUB_EVENT_PATH names); the shell reads it, only when
 * detectProvider says github.
 */
export function ciFacts(
  env: Env,
  githubPayload: Record<string, unknown> = {},
  /** mergeMessages false: a merge commit's message names no fallback (pull-request-fallbacks). */
  opts: { commitMessage?: string; mergeMessages?: boolean } = {},
): CiFacts {
  const provider = detectProvider(env);
  const message = opts.mergeMessages === false ? undefined : commitMessage(env, provider, opts.commitMessage);
  switch (provider) {
    case 'gitlab':
      return ciGitlab(env, message);
    case 'jenkins':
      return ciJenkins(env, message);
    case 'buildkite':
      return ciBuildkite(env, message);
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
