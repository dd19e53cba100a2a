// A local HTTP server that answers like the GitHub Packages REST API (list the
// container package versions of an org or a user, with Link pagination; delete
// a version) and records every request, with the versions and the checked-out
// repository the GHCR cleanup tests use. Shared by __tests__/ghcr.test.ts'
// in-process tests and the bundle's (__tests__/bundle/ghcr.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PackageVersion } from '../src/registry/ghcr.js';

export const TOKEN = 'ghs_test-token';

export interface Recorded {
  method: string;
  url: string;
  authorization?: string;
  accept?: string;
  apiVersion?: string;
}

export interface FakeGitHub {
  url: string;
  requests: Recorded[];
  /** The most requests the server held at once (answered after `delayMs`). */
  maxInFlight: () => number;
  /** "orgs/acme/app" or "users/octocat/app" -> versions */
  packages: Map<string, PackageVersion[]>;
}

const servers: Server[] = [];
/** The workspace() directories made so far. */
const workspaces: string[] = [];

/** Stops every fake started so far and removes every workspace(): call it from afterEach. */
export async function closeFakeGitHubs(): Promise<void> {
  for (const dir of workspaces.splice(0)) rmSync(dir, { recursive: true, force: true });
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections(); // a silent server's connections never end by themselves
      return new Promise((r) => s.close(r));
    }),
  );
}

export function version(id: number, tags: string[]): PackageVersion {
  return {
    id,
    name: `sha256:${String(id).padStart(64, '0')}`,
    metadata: { package_type: 'container', container: { tags } },
  };
}

/** What `fault` makes of one request: an answer of its own, or none ever ('silent'). */
export type GitHubFault = 'silent' | { status: number; body: unknown; headers?: Record<string, string> } | undefined;

export interface FakeGitHubOptions {
  per?: number;
  deleteStatus?: number;
  listStatus?: number;
  linkOrigin?: string;
  silent?: boolean;
  /** Each answer after this long, to see how many requests come at once. */
  delayMs?: number;
  /** Leave rel="last" out of the Link header (only next, first, prev). */
  noLast?: boolean;
  /** Called for each request (method, path and query, its index from 0): a fault instead of the answer. */
  fault?: (method: string, url: string, index: number) => GitHubFault;
}

/** Serves `per` versions a page (GitHub honours per_page up to 100; a smaller page exercises the Link header). */
export async function fakeGitHub(
  packages: Record<string, PackageVersion[]>,
  opts: FakeGitHubOptions = {},
): Promise<FakeGitHub> {
  const store = new Map(Object.entries(packages).map(([k, v]) => [k, [...v]]));
  const requests: Recorded[] = [];
  let base = '';
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const index = requests.length;
    requests.push({
      method: req.method!,
      url: url.pathname + url.search,
      authorization: req.headers.authorization,
      accept: req.headers.accept,
      apiVersion: req.headers['x-github-api-version'] as string | undefined,
    });
    if (opts.silent) return; // takes the request, never answers
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (opts.delayMs !== undefined) {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, opts.delayMs));
      inFlight--;
    }
    const fault = opts.fault?.(req.method!, url.pathname + url.search, index);
    if (fault === 'silent') return;
    if (fault !== undefined) return json(fault.status, fault.body, fault.headers);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { message: 'Bad credentials' });
    const m = /^\/(orgs|users)\/([^/]+)\/packages\/container\/([^/]+)\/versions(?:\/(\d+))?$/.exec(url.pathname);
    if (!m) return json(404, { message: 'Not Found' });
    const key = `${m[1]}/${m[2]}/${decodeURIComponent(m[3]!)}`;
    const versions = store.get(key);
    if (versions === undefined) return json(404, { message: 'Package not found.' });
    if (req.method === 'DELETE' && m[4] !== undefined) {
      if (opts.deleteStatus) return json(opts.deleteStatus, { message: 'Must have admin rights to Repository.' });
      const i = versions.findIndex((v) => v.id === Number(m[4]));
      if (i < 0) return json(404, { message: 'Not Found' });
      versions.splice(i, 1);
      res.writeHead(204);
      return res.end();
    }
    if (req.method !== 'GET' || m[4] !== undefined) return json(404, { message: 'Not Found' });
    if (opts.listStatus) return json(opts.listStatus, { message: 'Resource not accessible by integration' });
    const per = Math.min(Number(url.searchParams.get('per_page') ?? 30), opts.per ?? 100);
    const page = Number(url.searchParams.get('page') ?? 1);
    const pages = Math.max(1, Math.ceil(versions.length / per));
    const links: string[] = [];
    const at = (p: number) => `${opts.linkOrigin ?? base}${url.pathname}?per_page=${per}&page=${p}`;
    if (page < pages)
      links.push(`<${at(page + 1)}>; rel="next"`, ...(opts.noLast ? [] : [`<${at(pages)}>; rel="last"`]));
    if (page > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(page - 1)}>; rel="prev"`);
    json(200, versions.slice((page - 1) * per, page * per), links.length > 0 ? { Link: links.join(', ') } : {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, requests, packages: store, maxInFlight: () => maxInFlight };
}

export const OURS = [
  'cache.dependencies.feature_x',
  'cache.build.feature_x',
  'cache.test.feature_x',
  'cache.lint.feature_x',
];

export function acmeVersions(): PackageVersion[] {
  return [
    version(11, ['cache.dependencies.main']),
    version(12, ['cache.build.main']),
    version(13, ['main', 'latest']),
    version(21, ['cache.dependencies.feature_x']),
    version(22, ['cache.build.feature_x']),
    version(23, ['cache.test.feature_x', 'cache.test.main']),
    version(24, ['feature-x']),
    version(25, []),
  ];
}

/** A checked-out repository: its Dockerfile and the event payload (closeFakeGitHubs removes it). */
export function workspace(payload: unknown): { dir: string; eventPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bbc-cleanup-'));
  workspaces.push(dir);
  writeFileSync(
    join(dir, 'Dockerfile'),
    'FROM scratch AS dependencies\nFROM dependencies AS build\nFROM build AS test\nFROM build\n',
  );
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(payload));
  return { dir, eventPath };
}

export const deletePayload = {
  ref: 'feature/x',
  ref_type: 'branch',
  repository: { default_branch: 'main', full_name: 'acme/app' },
};
