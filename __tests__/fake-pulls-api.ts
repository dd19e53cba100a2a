// A local HTTP server that answers like GitHub's pull request endpoints: "List
// pull requests associated with a commit" (GET /repos/{owner}/{repo}/commits/{sha}/pulls)
// and "Get a pull request" (GET /repos/{owner}/{repo}/pulls/{N}), with bodies
// shaped as the REST reference's example responses. 401 without the token;
// a fixed status, the rate limit or silence on request. It records every
// request. Shared by __tests__/pr-lookup.test.ts and e2e/merged.test.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const PULLS_TOKEN = 'ghs_pulls-token';

export interface PullSpec {
  number: number;
  head: string;
  base: string;
  /** When it was merged; undefined: still open (or closed unmerged with `closed`). */
  mergedAt?: string;
  closed?: boolean;
  /** The head repository's full name (default acme/app); null: a deleted fork. */
  headRepo?: string | null;
  repo?: string;
}

function repoObject(fullName: string, id: number): Record<string, unknown> {
  const [owner, name] = fullName.split('/');
  return {
    id,
    node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
    name,
    full_name: fullName,
    owner: { login: owner, id: 1, type: 'Organization' },
    private: false,
    html_url: `https://github.com/${fullName}`,
    fork: fullName !== 'acme/app',
    url: `https://api.github.com/repos/${fullName}`,
    default_branch: 'main',
  };
}

/** A pull request as the API returns it (the fields the reference's example holds, trimmed of URLs we never read). */
export function pullBody(p: PullSpec): Record<string, unknown> {
  const repo = p.repo ?? 'acme/app';
  const headRepo = p.headRepo === undefined ? repo : p.headRepo;
  const merged = p.mergedAt !== undefined;
  return {
    url: `https://api.github.com/repos/${repo}/pulls/${p.number}`,
    id: 1000 + p.number,
    node_id: 'MDExOlB1bGxSZXF1ZXN0MQ==',
    html_url: `https://github.com/${repo}/pull/${p.number}`,
    number: p.number,
    state: merged || p.closed ? 'closed' : 'open',
    locked: false,
    title: `Change ${p.head}`,
    user: { login: 'octocat', id: 1, type: 'User' },
    body: 'Please pull these awesome changes',
    labels: [],
    created_at: '2026-01-01T00:00:00Z',
    updated_at: p.mergedAt ?? '2026-01-01T00:00:00Z',
    closed_at: merged || p.closed ? (p.mergedAt ?? '2026-01-02T00:00:00Z') : null,
    merged_at: p.mergedAt ?? null,
    merge_commit_sha: 'e5bd3914e2e596debea16f433f57875b5b90bcd6',
    assignee: null,
    draft: false,
    head: {
      label: `${(headRepo ?? 'ghost/app').split('/')[0]}:${p.head}`,
      ref: p.head,
      sha: '6dcb09b5b57875f334f61aebed695e2e4193db5e',
      user: { login: 'octocat', id: 1 },
      repo: headRepo === null ? null : repoObject(headRepo, 2),
    },
    base: {
      label: `${repo.split('/')[0]}:${p.base}`,
      ref: p.base,
      sha: '6dcb09b5b57875f334f61aebed695e2e4193db5e',
      user: { login: 'octocat', id: 1 },
      repo: repoObject(repo, 1),
    },
    author_association: 'MEMBER',
    auto_merge: null,
  };
}

export interface PullsRequest {
  method: string;
  url: string;
  authorization?: string;
}

export interface FakePullsApi {
  url: string;
  requests: PullsRequest[];
  close(): Promise<void>;
}

export interface FakePullsOptions {
  /** Answer every request with this status and GitHub's message for it. */
  status?: number;
  rateLimited?: boolean;
  silent?: boolean;
}

/** `commits`: "owner/repo@sha" -> the pull requests listed for it; `pulls`: the pull requests by number. */
export async function fakePullsApi(
  commits: Record<string, PullSpec[]>,
  pulls: PullSpec[] = [],
  opts: FakePullsOptions = {},
): Promise<FakePullsApi> {
  const requests: PullsRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://api');
    requests.push({
      method: req.method ?? '',
      url: url.pathname + url.search,
      authorization: req.headers.authorization,
    });
    if (opts.silent) return;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      res
        .writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
        .end(JSON.stringify(body));
    if (req.headers.authorization !== `Bearer ${PULLS_TOKEN}`) return json(401, { message: 'Bad credentials' });
    if (opts.rateLimited)
      return json(
        403,
        { message: 'API rate limit exceeded for installation ID 1.' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 600) },
      );
    if (opts.status === 403) return json(403, { message: 'Resource not accessible by integration' });
    if (opts.status) return json(opts.status, { message: 'Not Found' });
    const commit = /^\/repos\/([^/]+\/[^/]+)\/commits\/([0-9a-f]+)\/pulls$/.exec(url.pathname);
    if (commit) return json(200, (commits[`${commit[1]}@${commit[2]}`] ?? []).map(pullBody));
    const pull = /^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)$/.exec(url.pathname);
    const found = pull && pulls.find((p) => p.number === Number(pull[2]) && (p.repo ?? 'acme/app') === pull[1]);
    if (found) return json(200, pullBody(found));
    return json(404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
