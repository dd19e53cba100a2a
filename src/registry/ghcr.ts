// GHCR does not accept the distribution API's manifest DELETE: its images are
// GitHub package versions, deleted through the GitHub Packages REST API.
// A version is one manifest digest with all its tags (metadata.container.tags).
import type { TagResult } from '../core/cleanup-report.js';
import { planDeletion } from '../core/deletion.js';
import { errorMessage } from '../core/errors.js';
import { GitHubApiError, GitHubRateLimitError, GitHubRest } from '../github/rest.js';

export const GHCR_HOST = 'ghcr.io';
const PER_PAGE = 100;
/** A busy package holds tens of thousands of versions: allow a million before calling it a runaway. */
const MAX_PAGES = 10_000;

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

/** GHCR's two calls on the GitHub REST client; its errors say which operation failed, not which URL. */
export class GhcrClient {
  private readonly rest: GitHubRest;

  constructor(opts: GhcrOptions | GitHubRest) {
    // An unset or empty apiUrl is api.github.com: the caller passes GITHUB_API_URL itself.
    this.rest = opts instanceof GitHubRest ? opts : new GitHubRest({ ...opts, apiUrl: opts.apiUrl ?? '' });
  }

  get timeoutMs(): number {
    return this.rest.timeoutMs;
  }

  private path(kind: OwnerKind, pkg: GhcrPackage): string {
    return `/${kind}/${encodeURIComponent(pkg.owner)}/packages/container/${encodeURIComponent(pkg.name)}/versions`;
  }

  /**
   * Every version of the package, every page. The owner may be an
   * organization or a user: /orgs first, /users on a 404. Undefined when
   * neither has the package (or the token cannot see it).
   */
  async versions(pkg: GhcrPackage): Promise<{ kind: OwnerKind; versions: PackageVersion[] } | undefined> {
    const what = `listing the versions of ${GHCR_HOST}/${pkg.owner}/${pkg.name}`;
    for (const kind of ['orgs', 'users'] as const) {
      try {
        const path = `${this.path(kind, pkg)}?per_page=${PER_PAGE}`;
        return { kind, versions: await this.rest.paginate<PackageVersion>(path, { maxPages: MAX_PAGES }) };
      } catch (e) {
        if (isNotFound(e)) continue;
        throw e instanceof GitHubApiError ? e.about(what) : e;
      }
    }
    return undefined;
  }

  async deleteVersion(kind: OwnerKind, pkg: GhcrPackage, id: number): Promise<'deleted' | 'not found'> {
    try {
      await this.rest.request('DELETE', `${this.path(kind, pkg)}/${id}`);
      return 'deleted';
    } catch (e) {
      if (isNotFound(e)) return 'not found';
      const what = `deleting version ${id} of ${GHCR_HOST}/${pkg.owner}/${pkg.name}`;
      throw e instanceof GitHubApiError ? e.about(what) : e;
    }
  }
}

function isNotFound(e: unknown): boolean {
  return e instanceof GitHubApiError && e.status === 404;
}

function hint(e: unknown): string {
  // A rate limit is also a 403, and no permission fixes it: its message says when to try again.
  const status = e instanceof GitHubApiError && !(e instanceof GitHubRateLimitError) ? e.status : 0;
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
