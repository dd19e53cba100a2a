// Which branches are live, for a sweep: the GitHub API in the action (the
// repository's branches and default branch; a branch's last closed pull
// request), `git ls-remote` of a remote in the command line.
import { execFile } from 'node:child_process';
import { errorMessage, InputError } from '../core/errors.js';
import { type LastSeen, parseLsRemote } from '../core/sweep.js';
import { GitHubRest } from '../github/rest.js';
import type { BranchSource, LiveBranches } from './sweep.js';

/** The repository's branches through the GitHub API (GITHUB_REPOSITORY, GITHUB_API_URL). */
export async function githubBranches(rest: GitHubRest, repository: string): Promise<LiveBranches> {
  const repo = repository.split('/').map(encodeURIComponent).join('/');
  const [info, branches] = await Promise.all([
    rest.get<{ default_branch?: string }>(`/repos/${repo}`),
    rest.paginate<{ name?: string }>(`/repos/${repo}/branches?per_page=100`),
  ]);
  return {
    branches: branches.flatMap((b) => (typeof b.name === 'string' ? [b.name] : [])),
    defaultBranch: info.default_branch ?? '',
    where: `the GitHub API's branches of ${repository}`,
  };
}

/** When the branch's latest pull request (from this repository) was closed, if the API says. Never throws. */
export async function lastClosed(rest: GitHubRest, repository: string, branch: string): Promise<LastSeen | undefined> {
  const [owner] = repository.split('/');
  const repo = repository.split('/').map(encodeURIComponent).join('/');
  const head = encodeURIComponent(`${owner}:${branch}`);
  try {
    const pulls = await rest.get<{ closed_at?: string | null }[]>(
      `/repos/${repo}/pulls?state=closed&head=${head}&sort=updated&direction=desc&per_page=1`,
    );
    const at = Date.parse(pulls[0]?.closed_at ?? '');
    return Number.isNaN(at) ? undefined : { at: new Date(at), source: 'its pull request closed' };
  } catch {
    return undefined;
  }
}

/** The action's: every branch of GITHUB_REPOSITORY, with the token the sweep was given. */
export function actionBranches(token: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): BranchSource {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const rest = new GitHubRest({ token, env, timeoutMs });
  return {
    liveBranches: async () => {
      if (!/^[^/]+\/[^/]+$/.test(repository))
        throw new Error('GITHUB_REPOSITORY is not owner/name: sweep asks the GitHub API for its branches');
      if (token === '')
        throw new InputError('github-token', "is required for sweep: it lists the repository's branches");
      return githubBranches(rest, repository);
    },
    closedAt: (branch: string) => lastClosed(rest, repository, branch),
  };
}

/** The command line's: `git ls-remote --symref <remote> HEAD 'refs/heads/*'` in the current directory. */
export function remoteBranches(remote: string, timeoutMs = 60_000): Promise<LiveBranches> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['ls-remote', '--symref', '--', remote, 'HEAD', 'refs/heads/*'],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const why = String(stderr).trim().split('\n').pop() || errorMessage(err);
          return reject(new Error(`git ls-remote ${remote} failed: ${why}: sweep needs the remote's branches`));
        }
        const found = parseLsRemote(String(stdout));
        if (found.defaultBranch === undefined)
          return reject(new Error(`git ls-remote ${remote} names no default branch (no symbolic HEAD)`));
        resolve({ branches: found.branches, defaultBranch: found.defaultBranch, where: `git ls-remote ${remote}` });
      },
    );
  });
}
