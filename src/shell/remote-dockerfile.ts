// The Dockerfile a build plans from, and the context it builds: from the disk
// as always, or, for a Git context (core/git-context.ts: a Git URL,
// `context: git`, or no checkout on GitHub Actions), read through the GitHub
// contents API at the context's ref. A Dockerfile that cannot be read there
// is not a failure: the plan knows the target stage only (core/decide.ts), and
// one warning says so and why. BuildKit clones the repository itself, with
// the GIT_AUTH_TOKEN secret that this adds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../core/errors.js';
import {
  chooseContext,
  contentsRequest,
  dockerfileInRepo,
  gitAuthSecret,
  type GitHubEnv,
  type GitUrl,
} from '../core/git-context.js';
import type { Config } from '../core/inputs.js';
import type { Secret } from '../core/secrets.js';
import { GitHubApiError, GitHubRateLimitError, GitHubRest } from '../github/rest.js';
import type { Log } from './host.js';
import { readDockerfile } from './prepare.js';
import type { HttpFetch } from '../http/request.js';

/** One small request before the build: a slow API costs the plan its stages, not the job its time. */
export const DOCKERFILE_TIMEOUT_MS = 15_000;

export interface BuildDockerfile {
  /** The Dockerfile's text; undefined when it could not be read: the plan knows the target stage only. */
  text: string | undefined;
  /** How errors and the log name the Dockerfile. */
  file: string;
  /** What buildx builds: the `context` input, or the workflow's repository as a Git URL. */
  context: string;
  /** More build secrets (the context host's GIT_AUTH_TOKEN), written to owner-only files like the user's. */
  secrets: Secret[];
  /** Lines for the decision log. */
  lines: string[];
}

export interface ReadOptions {
  env?: Record<string, string | undefined>;
  fetch?: HttpFetch;
  timeoutMs?: number;
}

/** The contents API's answer for a file (the object form: base64 content up to 1 MB). */
interface Contents {
  type?: unknown;
  encoding?: unknown;
  content?: unknown;
}

/** Why a failed read failed, with what to do where there is something to do. */
function failure(e: unknown): string {
  if (e instanceof GitHubRateLimitError) return e.reason;
  if (!(e instanceof GitHubApiError)) return errorMessage(e);
  if (e.status === 401) return `${e.reason}: github-token was refused`;
  if (e.status === 403 || e.status === 404)
    return `${e.reason}: no such repository, ref or file, or github-token cannot read it (it needs contents: read)`;
  return e.reason;
}

/**
 * GET /repos/{owner}/{repo}/contents/{path}?ref= through the one GitHub
 * client (github/rest.ts: GITHUB_API_URL, the token to the API only, the
 * timeout). Its JSON form: the client reads JSON answers only.
 */
export async function fetchDockerfile(
  request: { path: string },
  token: string,
  opts: ReadOptions = {},
): Promise<{ text: string } | { why: string }> {
  try {
    const rest = new GitHubRest({
      token,
      env: opts.env ?? process.env,
      fetch: opts.fetch,
      timeoutMs: opts.timeoutMs ?? DOCKERFILE_TIMEOUT_MS,
    });
    const data = await rest.get<Contents | Contents[]>(request.path);
    if (Array.isArray(data)) return { why: 'it is a directory' };
    if (data?.type !== 'file') return { why: `it is not a file (${String(data?.type).slice(0, 20)})` };
    if (data.encoding !== 'base64' || typeof data.content !== 'string')
      return { why: 'the API did not send its content (a file over 1 MB)' };
    return { text: Buffer.from(data.content, 'base64').toString('utf8') };
  } catch (e) {
    return { why: failure(e) };
  }
}

/** A Git context's Dockerfile: a local absolute `file`, else the contents API; undefined text with a warning. */
async function gitDockerfile(
  git: GitUrl,
  config: Config,
  env: GitHubEnv,
  log: Log,
  remedy: string,
  opts: ReadOptions,
): Promise<{ text: string | undefined; file: string; lines: string[] }> {
  const path = dockerfileInRepo(git.subdir, config.file);
  if (path === undefined) return { text: readDockerfile(config.file!, remedy), file: config.file!, lines: [] };
  const request = contentsRequest(git, path, env);
  const what = 'path' in request ? request.what : `${path} of the Git context`;
  const token = config.githubToken ?? '';
  const read =
    'why' in request
      ? request
      : token === ''
        ? { why: 'no github-token to read it with' }
        : await fetchDockerfile(request, token, opts);
  if ('text' in read)
    return { text: read.text, file: what, lines: [`Dockerfile: ${what}, read through the GitHub API`] };
  log.warn(
    `could not read the Dockerfile (${what}) through the GitHub API: ${read.why}. ` +
      'Planning the target stage only: its stage graph is unknown, so the caches of the stages it builds on ' +
      'are not imported',
  );
  return { text: undefined, file: what, lines: [] };
}

/** The Dockerfile and the context of this build (the step before core/decide.ts). */
export async function buildDockerfile(
  config: Config,
  remedy: string,
  log: Log,
  opts: ReadOptions = {},
): Promise<BuildDockerfile> {
  const env = opts.env ?? process.env;
  const file = config.file ?? join(config.context, 'Dockerfile');
  // Left to itself (no `file`, the default context) in a workspace that is no checkout (no Dockerfile, no
  // .git): the repository at its commit, from Git. A `file` that is missing is a mistake to report.
  const checkedOut = config.file !== undefined || existsSync(file) || existsSync('.git');
  const choice = chooseContext(config.context, env, checkedOut);
  if (choice.kind === 'local')
    return { text: readDockerfile(file, remedy), file, context: config.context, secrets: [], lines: [] };
  if (choice.kind === 'url') {
    if (config.file?.startsWith('/'))
      return { ...choice, text: readDockerfile(config.file, remedy), file: config.file, secrets: [], lines: [] };
    log.warn(
      'the context is a URL but not a Git repository, so its Dockerfile cannot be read here. ' +
        'Planning the target stage only: its stage graph is unknown, so the caches of the stages it builds on ' +
        'are not imported',
    );
    return { ...choice, text: undefined, file: 'the Dockerfile at the context URL', secrets: [], lines: [] };
  }
  if (config.context === 'git' && existsSync('git'))
    log.warn('context: git is the workflow repository from Git, not the directory git here: write ./git for that');
  const secret = gitAuthSecret(choice.git, env, config.githubToken, [...config.secrets, ...config.secretSources]);
  const read = await gitDockerfile(choice.git, config, env, log, remedy, opts);
  const lines = [
    ...(choice.why ? [choice.why] : []),
    `context: Git, ${choice.git.host}/${choice.git.path} at ${choice.git.ref || 'the default branch'}` +
      `${choice.git.subdir ? `, directory ${choice.git.subdir}` : ''}`,
    ...read.lines,
    ...(secret ? [`GIT_AUTH_TOKEN: github-token, as the secret ${secret.id}`] : []),
  ];
  return { text: read.text, file: read.file, context: choice.context, secrets: secret ? [secret] : [], lines };
}
