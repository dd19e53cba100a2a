// GHCR does not accept the distribution API's manifest DELETE: its images are
// GitHub package versions, deleted through the GitHub Packages REST API.
// A version is one manifest digest with all its tags (metadata.container.tags).
import type { TagResult } from '../core/cleanup.js';
import { planDeletion } from '../core/deletion.js';
import { errorMessage } from '../core/errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, requestFailure } from './registry.js';

export const GHCR_HOST = 'ghcr.io';
const PER_PAGE = 100;

export interface PackageVersion {
  id: number;
  /** The manifest digest. */
  name: string;
  metadata?: { package_type?: string; container?: { tags?: string[] } };
}

export interface GhcrPackage {
  owner: string;
  /** The package name: the repository path after the owner (may hold '/'). */
  name: string;
}

/** ghcr.io/<owner>/<name...> -> owner and package name. */
export function ghcrPackage(repository: string): GhcrPackage {
  const parts = repository.split('/');
  if (parts[0]?.toLowerCase() !== GHCR_HOST || parts.length < 3) {
    throw new Error(`${repository} is not a GHCR repository (ghcr.io/<owner>/<package>)`);
  }
  return { owner: parts[1]!, name: parts.slice(2).join('/') };
}

export class GitHubApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GitHubApiError';
  }
}

/** The owner's kind decides the URL: /orgs/... or /users/... */
type OwnerKind = 'orgs' | 'users';

export interface GhcrOptions {
  token: string;
  /** GITHUB_API_URL: https://api.github.com, or a GitHub Enterprise Server's (or a test server's). */
  apiUrl?: string;
  fetch?: typeof fetch;
  /** Each request's limit, reading its answer included; DEFAULT_REQUEST_TIMEOUT_MS unless given. */
  timeoutMs?: number;
}

export class GhcrClient {
  private readonly apiUrl: string;
  /** The only origin the token is sent to. */
  private readonly origin: string;
  readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: GhcrOptions) {
    this.apiUrl = (opts.apiUrl || 'https://api.github.com').replace(/\/+$/, '');
    this.origin = new URL(this.apiUrl).origin;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.fetch = opts.fetch ?? fetch;
  }

  /**
   * `op` (a request and the reading of its answer) with every request bounded
   * in time; a network failure or timeout becomes an error naming `what`, the
   * host and the cause.
   */
  private async guarded<T>(what: string, url: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (e instanceof GitHubApiError) throw e;
      throw new GitHubApiError(0, `${what}: ${requestFailure(e, new URL(url).host, this.timeoutMs)}`);
    }
  }

  private async call(method: string, url: string): Promise<Response> {
    // The token is for the API: a URL anywhere else is refused before anything is sent.
    if (new URL(url).origin !== this.origin)
      throw new GitHubApiError(0, `${url} is not at the API (${this.apiUrl}): not sending the token there`);
    return this.fetch(url, {
      method,
      signal: AbortSignal.timeout(this.timeoutMs),
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${this.opts.token}`,
        'X-GitHub-Api-Version': '2022-11-28',
        'User-Agent': 'buildx-branch-cache',
      },
    });
  }

  private base(kind: OwnerKind, pkg: GhcrPackage): string {
    const owner = encodeURIComponent(pkg.owner);
    return `${this.apiUrl}/${kind}/${owner}/packages/container/${encodeURIComponent(pkg.name)}/versions`;
  }

  private async fail(res: Response, what: string): Promise<GitHubApiError> {
    let message = '';
    try {
      const body = (await res.json()) as { message?: string };
      message = body.message ?? '';
    } catch {
      // no JSON body
    }
    return new GitHubApiError(res.status, `${what}: HTTP ${res.status}${message ? ` ${message}` : ''}`);
  }

  /**
   * Every version of the package, following the Link header's pages. The owner
   * may be an organization or a user: /orgs first, /users on a 404. Undefined
   * when neither has the package (or the token cannot see it).
   */
  async versions(pkg: GhcrPackage): Promise<{ kind: OwnerKind; versions: PackageVersion[] } | undefined> {
    for (const kind of ['orgs', 'users'] as const) {
      const out: PackageVersion[] = [];
      let next: string | undefined = `${this.base(kind, pkg)}?per_page=${PER_PAGE}`;
      let missing = false;
      const what = `listing the versions of ${GHCR_HOST}/${pkg.owner}/${pkg.name}`;
      for (let page = 0; next !== undefined && page < 10_000; page++) {
        const url: string = next;
        const answer = await this.guarded(what, url, async () => {
          const res = await this.call('GET', url);
          if (res.status === 404) return undefined;
          if (!res.ok) throw await this.fail(res, what);
          return { res, versions: (await res.json()) as PackageVersion[] };
        });
        if (answer === undefined) {
          missing = true;
          break;
        }
        out.push(...answer.versions);
        next = /<([^>]+)>\s*;\s*rel="next"/.exec(answer.res.headers.get('link') ?? '')?.[1];
        if (next !== undefined && new URL(next, `${this.apiUrl}/`).origin !== this.origin) {
          // The GitHub API pages within itself: a next page elsewhere gets neither the token nor a request.
          throw new GitHubApiError(
            0,
            `${what}: the next page is at ${new URL(next, `${this.apiUrl}/`).origin}, ` +
              `not at the API (${this.apiUrl}): not sending the token there`,
          );
        }
        if (next !== undefined) next = new URL(next, `${this.apiUrl}/`).toString();
      }
      if (!missing) return { kind, versions: out };
    }
    return undefined;
  }

  async deleteVersion(kind: OwnerKind, pkg: GhcrPackage, id: number): Promise<'deleted' | 'not found'> {
    const url = `${this.base(kind, pkg)}/${id}`;
    const what = `deleting version ${id} of ${GHCR_HOST}/${pkg.owner}/${pkg.name}`;
    return this.guarded(what, url, async () => {
      const res = await this.call('DELETE', url);
      if (res.status === 204 || res.status === 200) return 'deleted';
      if (res.status === 404) return 'not found';
      throw await this.fail(res, what);
    });
  }
}

function hint(e: unknown): string {
  const status = e instanceof GitHubApiError ? e.status : 0;
  if (status === 401) return `${errorMessage(e)}: github-token was refused`;
  if (status === 403) {
    return (
      `${errorMessage(e)}: the token needs packages: write (for GITHUB_TOKEN: \`permissions: packages: write\`, ` +
      "and the package's settings must give this repository Admin access under Manage Actions access)"
    );
  }
  return errorMessage(e);
}

/**
 * Delete the package versions that carry `tags`. A version with other tags
 * too is kept: deleting it would delete those tags.
 */
export async function deleteGhcrTags(
  client: GhcrClient,
  repository: string,
  tags: string[],
  opts: { dryRun: boolean },
): Promise<TagResult[]> {
  const pkg = ghcrPackage(repository);
  let listed: Awaited<ReturnType<GhcrClient['versions']>>;
  try {
    listed = await client.versions(pkg);
  } catch (e) {
    return tags.map((tag) => ({ tag, state: 'failed', detail: hint(e) }));
  }
  if (listed === undefined) {
    const detail = `no container package ${pkg.name} owned by ${pkg.owner} that this token can see`;
    return tags.map((tag) => ({ tag, state: 'not found', detail }));
  }
  const holders = listed.versions.map((v) => ({
    id: String(v.id),
    label: `version ${v.id} (${v.name})`,
    tags: v.metadata?.container?.tags ?? [],
  }));
  const plan = planDeletion(tags, holders, opts.dryRun);
  const results = new Map<string, TagResult>(plan.decided.map((r) => [r.tag, r]));
  for (const { holder, tags: ours } of plan.deletions) {
    let result: Omit<TagResult, 'tag'>;
    try {
      const r = await client.deleteVersion(listed.kind, pkg, Number(holder.id));
      result = { state: r, detail: r === 'deleted' ? holder.label : undefined };
    } catch (e) {
      result = { state: 'failed', detail: hint(e) };
    }
    for (const tag of ours) results.set(tag, { tag, ...result });
  }
  return tags.map((t) => results.get(t)!);
}
