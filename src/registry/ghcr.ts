// GHCR does not accept the distribution API's manifest DELETE: its images are
// GitHub package versions, deleted through the GitHub Packages REST API.
// A version is one manifest digest with all its tags (metadata.container.tags).
import type { TagResult } from '../core/cleanup-report.js';
import { planDeletion } from '../core/deletion.js';
import { errorMessage } from '../core/errors.js';
import { parseLinks, requestPath, sameOrigin } from '../core/github-api.js';
import { GitHubApiError, GitHubRateLimitError, GitHubRest, type GitHubResponse } from '../github/rest.js';
import type { HttpFetch } from '../http/request.js';

export const GHCR_HOST = 'ghcr.io';
const PER_PAGE = 100;
/** A busy package holds tens of thousands of versions: allow a million before calling it a runaway. */
const MAX_PAGES = 10_000;
/** Pages asked at once: GitHub's secondary rate limits frown on many parallel requests from one token. */
const PAGE_CONCURRENCY = 4;

export interface PackageVersion {
  id: number;
  /** The manifest digest. */
  name: string;
  /** When the version last changed (a tag added or moved). */
  updated_at?: string;
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
  fetch?: HttpFetch;
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
   * The versions of the package, page by page, until every tag of `wanted` is
   * seen: the API has no look-up by tag, and a version carries all of its
   * tags, so a version seen with one of them settles what shares its digest.
   * Every page when a tag is on none, or without `wanted`. The owner may be an organization or a
   * user: /orgs first, /users on a 404. Undefined when neither has the
   * package (or the token cannot see it).
   */
  async versions(
    pkg: GhcrPackage,
    wanted?: readonly string[],
  ): Promise<{ kind: OwnerKind; versions: PackageVersion[] } | undefined> {
    const what = `listing the versions of ${GHCR_HOST}/${pkg.owner}/${pkg.name}`;
    for (const kind of ['orgs', 'users'] as const) {
      let first: GitHubResponse<unknown>;
      try {
        first = await this.rest.request('GET', `${this.path(kind, pkg)}?per_page=${PER_PAGE}`);
      } catch (e) {
        if (isNotFound(e)) continue;
        throw e instanceof GitHubApiError ? e.about(what) : e;
      }
      try {
        return { kind, versions: await this.pagesFrom(first, wanted === undefined ? undefined : new Set(wanted)) };
      } catch (e) {
        throw e instanceof GitHubApiError ? e.about(what) : e;
      }
    }
    return undefined;
  }

  /**
   * The first page's versions and the next pages' until `missing` is empty (undefined: every page).
   * With the Link header's last page known, the pages are asked by number, a
   * few at a time: one, then two, then PAGE_CONCURRENCY (a branch's versions
   * are usually recent, so near the front, and pages asked past them are
   * wasted); else one after another by the next link.
   */
  private async pagesFrom(first: GitHubResponse<unknown>, missing?: Set<string>): Promise<PackageVersion[]> {
    const pages: PackageVersion[][] = [];
    const done = () => missing !== undefined && missing.size === 0;
    const take = (res: GitHubResponse<unknown>, index: number) => {
      if (!Array.isArray(res.data)) throw pageError(res.url, res.status, `HTTP ${res.status}, but not a list`);
      pages[index] = res.data as PackageVersion[];
      for (const v of pages[index]) for (const t of v.metadata?.container?.tags ?? []) missing?.delete(t);
    };
    take(first, 0);
    if (done()) return pages.flat();
    let links = this.links(first);
    const last = links.last === undefined ? Number.NaN : Number(new URL(links.last).searchParams.get('page'));
    if (links.next !== undefined && Number.isInteger(last) && last > 1) {
      if (last > MAX_PAGES) throw pageError(first.url, 0, `stopped: more than ${MAX_PAGES} pages (the page cap)`);
      const at = (n: number) => {
        const u = new URL(links.last!);
        u.searchParams.set('page', String(n));
        return u.toString();
      };
      for (let page = 2, width = 1; page <= last && !done(); width *= 2) {
        const batch = Array.from({ length: Math.min(width, PAGE_CONCURRENCY, last - page + 1) }, (_, i) => page + i);
        const answers = await Promise.all(batch.map((n) => this.rest.request('GET', at(n))));
        for (const [i, res] of answers.entries()) take(res, batch[i]! - 1);
        page += batch.length;
      }
      return pages.flat();
    }
    for (let page = 2; links.next !== undefined && !done(); page++) {
      if (page > MAX_PAGES) throw pageError(links.next, 0, `stopped: more than ${MAX_PAGES} pages (the page cap)`);
      const res = await this.rest.request('GET', links.next);
      take(res, page - 1);
      links = this.links(res);
    }
    return pages.flat();
  }

  /** A page's Link header; a next or last page elsewhere is refused: it would get the token (github/rest.ts). */
  private links(res: GitHubResponse<unknown>): Record<string, string> {
    const links = parseLinks(res.headers.get('link'), res.url);
    for (const rel of ['next', 'last']) {
      const to = links[rel];
      if (to !== undefined && !sameOrigin(to, this.rest.apiUrl)) {
        const elsewhere = `the ${rel} page is at ${new URL(to).origin}, not at the API (${this.rest.apiUrl})`;
        throw pageError(res.url, 0, `${elsewhere}: not sending the token there`);
      }
    }
    return links;
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

/** A listing failure of our own (a page cap, a foreign link), told like the API's. */
function pageError(url: string, status: number, reason: string): GitHubApiError {
  return new GitHubApiError({ status, method: 'GET', path: requestPath(url), reason });
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
    listed = await client.versions(pkg, tags);
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
