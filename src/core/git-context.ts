// A build context that is a Git repository, as buildx and BuildKit read one
// (`https://host/owner/repo.git#ref:subdir`, `git@host:owner/repo.git`,
// `github.com/owner/repo`), and what this action does with it: which context
// a run builds (`context: git`, or no checkout on GitHub Actions), where its
// Dockerfile is in the repository, which GitHub contents request reads it,
// and the GIT_AUTH_TOKEN secret BuildKit clones it with. Pure: the shell
// (shell/remote-dockerfile.ts) checks the disk and does the request.
import { posix } from 'node:path';
import { InputError } from './errors.js';
import type { Secret, SecretSource } from './secrets.js';

export interface GitUrl {
  scheme: 'http' | 'https' | 'ssh' | 'git';
  /** Lower case, with the port when one is given: BuildKit names the token secret after it. */
  host: string;
  /** The repository's path on the host, without the leading slash. */
  path: string;
  /** Branch, tag, commit or full ref; '' for the remote's default branch. */
  ref: string;
  /** Directory inside the repository, normalised; '' for the root. It never climbs out of the repository. */
  subdir: string;
}

const SCP = /^([a-zA-Z0-9_-]+)@([a-zA-Z0-9.-]+):(.*?)(?:\?(.*?))?(?:#(.*))?$/;
const SCHEME = /^([a-zA-Z0-9]+):\/\//;

/** Undefined for text that is not valid percent-encoding: no reading is better than a guess. */
function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** `a/../b` and `/x` stay inside the repository, as BuildKit normalises a subdir. */
function inside(p: string): string {
  return posix.join('/', p).replace(/^\/+/, '').replace(/\/+$/, '');
}

/** The ref and subdir from `#ref:subdir`, or from the query form (`?ref=...&subdir=...`, `tag=`, `branch=`). */
function refAndSubdir(fragment: string, query: URLSearchParams): { ref: string; subdir: string } | undefined {
  const frag = decode(fragment);
  if (frag === undefined) return undefined;
  const colon = frag.indexOf(':');
  let ref = colon === -1 ? frag : frag.slice(0, colon);
  let subdir = colon === -1 ? '' : frag.slice(colon + 1);
  const tag = query.get('tag');
  const branch = query.get('branch');
  const fromQuery = query.get('ref') ?? (tag ? `refs/tags/${tag}` : branch ? `refs/heads/${branch}` : undefined);
  // A conflict is BuildKit's error to report; reading another ref than it builds would plan the wrong file.
  if (fromQuery && ref && fromQuery !== ref) return undefined;
  ref ||= fromQuery ?? '';
  const sub = query.get('subdir');
  if (sub && subdir && inside(sub) !== inside(subdir)) return undefined;
  subdir ||= sub ?? '';
  // The commit (checksum=) pins what is built, so it is the best ref to read the Dockerfile at.
  const commit = query.get('commit') ?? query.get('checksum');
  return { ref: commit || ref, subdir: inside(subdir) };
}

/**
 * A Git context as buildx tells one from a path or another URL, or undefined:
 * http(s) only with a path ending in `.git`; ssh://, git://, scp-style
 * `user@host:path`; and the old `github.com/owner/repo` form.
 */
export function parseGitUrl(context: string): GitUrl | undefined {
  if (context.startsWith('./') || context.startsWith('../')) return undefined;
  const scp = SCHEME.test(context) ? null : SCP.exec(context);
  if (scp) {
    const parts = refAndSubdir(scp[5] ?? '', new URLSearchParams(scp[4] ?? ''));
    if (!parts) return undefined;
    return { scheme: 'ssh', host: scp[2]!.toLowerCase(), path: scp[3]!.replace(/^\/+/, ''), ...parts };
  }
  const raw = context.startsWith('github.com/') ? `https://${context}` : context;
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https' && scheme !== 'ssh' && scheme !== 'git') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.host === '') return undefined;
  const path = decode(url.pathname);
  if (path === undefined) return undefined;
  if ((scheme === 'http' || scheme === 'https') && raw === context && !path.endsWith('.git')) return undefined;
  const parts = refAndSubdir(url.hash.replace(/^#/, ''), url.searchParams);
  if (!parts) return undefined;
  return { scheme, host: url.host.toLowerCase(), path: path.replace(/^\/+/, ''), ...parts };
}

/** The variables of a GitHub Actions run that name the repository, the commit and the server. */
export interface GitHubEnv {
  GITHUB_ACTIONS?: string;
  GITHUB_SERVER_URL?: string;
  GITHUB_REPOSITORY?: string;
  GITHUB_SHA?: string;
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/;
const REPO = /^[A-Za-z0-9._-]+$/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** The GitHub server's origin, `https://github.com` unless GITHUB_SERVER_URL says another (Enterprise Server). */
export function serverOrigin(env: GitHubEnv): URL | undefined {
  try {
    const url = new URL(env.GITHUB_SERVER_URL || 'https://github.com');
    return url.protocol === 'https:' || url.protocol === 'http:' ? new URL(url.origin) : undefined;
  } catch {
    return undefined;
  }
}

function ownerRepo(full: string): { owner: string; repo: string } | undefined {
  const [owner, repo, ...more] = full.replace(/\.git$/, '').split('/');
  if (more.length > 0 || !owner || !repo || !OWNER.test(owner) || !REPO.test(repo)) return undefined;
  if (repo === '.' || repo === '..') return undefined;
  return { owner, repo };
}

/** `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}.git#${GITHUB_SHA}`, the workflow's repository at its commit. */
export function workflowRepoUrl(env: GitHubEnv): string {
  const origin = serverOrigin(env);
  const repo = ownerRepo(env.GITHUB_REPOSITORY ?? '');
  const sha = env.GITHUB_SHA ?? '';
  if (!origin || !repo || !SHA.test(sha)) {
    throw new InputError(
      'context',
      '`git` means the workflow repository at its commit, and GITHUB_SERVER_URL, GITHUB_REPOSITORY or ' +
        'GITHUB_SHA is missing or not valid here: give a path or a Git URL',
    );
  }
  return `${origin.origin}/${repo.owner}/${repo.repo}.git#${sha.toLowerCase()}`;
}

export type ContextChoice =
  /** A directory here: the Dockerfile is read from the disk, as always. */
  | { kind: 'local' }
  /** A Git repository; `why` says so in the log when the action chose it rather than the input. */
  | { kind: 'git'; context: string; git: GitUrl; why?: string }
  /** Another URL (a tarball, a Dockerfile over HTTP): BuildKit fetches it, the action cannot plan from it. */
  | { kind: 'url'; context: string };

/**
 * What this run builds. `context: git` is the workflow's repository at
 * GITHUB_SHA; so is the default `.` on GitHub Actions when there is no
 * Dockerfile here (no checkout), as docker/build-push-action builds by default.
 */
export function chooseContext(context: string, env: GitHubEnv, checkedOut: boolean): ContextChoice {
  if (context === 'git') {
    const url = workflowRepoUrl(env);
    return { kind: 'git', context: url, git: parseGitUrl(url)!, why: `context: git: ${env.GITHUB_REPOSITORY}` };
  }
  const git = parseGitUrl(context);
  if (git) return { kind: 'git', context, git };
  if (/^https?:\/\//i.test(context)) return { kind: 'url', context };
  if (context === '.' && !checkedOut && env.GITHUB_ACTIONS === 'true') {
    let url: string;
    try {
      url = workflowRepoUrl(env);
    } catch {
      return { kind: 'local' }; // not a workflow run after all: the missing Dockerfile is the error to report
    }
    const why = `no Dockerfile in the workspace (no checkout): building ${env.GITHUB_REPOSITORY} from Git`;
    return { kind: 'git', context: url, git: parseGitUrl(url)!, why };
  }
  return { kind: 'local' };
}

/**
 * The Dockerfile's path in the repository: `file` is relative to the
 * context's subdir (as buildx passes it), default `Dockerfile`; '' when it
 * names no file. An absolute `file` is on this machine: undefined.
 */
export function dockerfileInRepo(subdir: string, file: string | undefined): string | undefined {
  if (file?.startsWith('/')) return undefined;
  return inside(posix.join(subdir, file ?? 'Dockerfile'));
}

/** The contents API request that reads `path` of a repository on the GitHub server, or why there is none. */
export function contentsRequest(
  git: GitUrl,
  path: string,
  env: GitHubEnv,
): { path: string; what: string } | { why: string } {
  const server = serverOrigin(env);
  if (server === undefined || git.host !== server.host.toLowerCase())
    return { why: `${git.host} is not the GitHub server (${server?.host ?? 'none'})` };
  const repo = ownerRepo(git.path);
  if (repo === undefined) return { why: `${git.path} is not owner/repository` };
  if (path === '') return { why: 'file names the repository root, not a file' };
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  const query = git.ref === '' ? '' : `?ref=${encodeURIComponent(git.ref)}`;
  const at = git.ref === '' ? 'the default branch' : git.ref;
  return {
    path: `/repos/${repo.owner}/${repo.repo}/contents/${encoded}${query}`,
    what: `${path} of ${repo.owner}/${repo.repo} at ${at}`,
  };
}

/** The secret BuildKit's Git source reads a token from for one host (the plain GIT_AUTH_TOKEN is for any host). */
export function gitAuthSecretId(host: string): string {
  return `GIT_AUTH_TOKEN.${host}`;
}

/**
 * The token as the GIT_AUTH_TOKEN secret for the context's host, as
 * docker/build-push-action passes it: only over http(s), only to the GitHub
 * server (the token is worth nothing elsewhere, and must not go there), and
 * not when the user gives a GIT_AUTH_TOKEN of their own.
 */
export function gitAuthSecret(
  git: GitUrl,
  env: GitHubEnv,
  token: string | undefined,
  own: readonly (Secret | SecretSource)[],
): Secret | undefined {
  if (!token || (git.scheme !== 'https' && git.scheme !== 'http')) return undefined;
  if (git.host !== serverOrigin(env)?.host.toLowerCase()) return undefined;
  const id = gitAuthSecretId(git.host);
  if (own.some((s) => s.id === 'GIT_AUTH_TOKEN' || s.id === id)) return undefined;
  // buildx reads `id=...,src=...`: an id with a comma or a space would be another attribute.
  return /[\s,=]/.test(id) ? undefined : { id, value: token };
}

/** The password of a URL with credentials (`https://user:token@host/...`), which must be masked; else undefined. */
export function urlPassword(context: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]+)@/i.exec(context);
  return m?.[1];
}
