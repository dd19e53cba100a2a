// bench:cleanup: what one branch's cleanup costs in a big repository, in time
// and in requests counted at the server.
//   (a) the test engine's open registry (scripts/test-engine.sh; give it an
//       engine dir and ports of its own) behind a recording proxy, filled with
//       10,000 tags: 2,000 BuildKit cache tags of 500 branches, 8,000 image
//       tags, a cache tag sharing its digest with another branch's, and inline
//       caches (a cache tag on an image a user tag also carries), which must
//       survive their branch's cleanup; then a sweep of 10 gone branches;
//   (b) a fake GitHub Packages API (__tests__/fake-github.ts) with 10,000
//       versions, the branch's versions near the front, deep, or a tag absent.
// Prints a markdown table. Usage:
//   BBC_ENGINE_DIR=/tmp/bbc-clean BBC_REGISTRY_PORT=5270 BBC_AUTH_REGISTRY_PORT=5271 \
//     npm run bench:cleanup -- [--runs 5] [--repo NAME (an earlier run's, filled)] [--only registry|ghcr]
// Timings are wall-clock on a shared machine: noisy, medians. Request counts are exact.
import { randomBytes, createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CACHE_CONFIG_TYPE } from '../src/core/cache-content.js';
import { legacyCacheName } from '../src/core/legacy-tag.js';
import { mapLimit } from '../src/core/map-limit.js';
import { cacheName } from '../src/core/plan.js';
import { deleteRegistryTags } from '../src/registry/delete-tags.js';
import { deleteGhcrTags, GhcrClient } from '../src/registry/ghcr.js';
import { RegistryClient } from '../src/registry/registry.js';
import { runSweep } from '../src/shell/sweep.js';
import { closeFakeGitHubs, fakeGitHub, TOKEN, version } from '../__tests__/fake-github.js';
import { startEngine } from './harness.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    repo: { type: 'string' },
    only: { type: 'string' },
  },
});
const RUNS = Number(args.runs);
const STAGES = ['dependencies', 'build', 'test', 'final'];
const BRANCHES = 500;
const IMAGE_TAGS = 8000;
const sha = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const branchName = (i: number) => `feature/b${i}`;
/** As core/cleanup.ts planCleanup lists them: the current tags, then the old scheme's (absent here). */
const branchTags = (i: number) => [
  ...STAGES.map((s) => cacheName('cache', s, branchName(i))),
  ...STAGES.flatMap((s) => legacyCacheName('cache', s, branchName(i), undefined, 'main') ?? []),
];

interface Row {
  what: string;
  runs: number;
  medianMs: number;
  requests: string;
}
const rows: Row[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const fmt = (counts: Map<string, number>) => {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return `${total} (${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')})`;
};
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench:cleanup: ${what}`);
}

/** A proxy in front of the registry that counts each request by method and kind (tags list, manifest, blob). */
async function recordingProxy(
  upstream: string,
): Promise<{ host: string; counts: Map<string, number>; server: Server }> {
  const [upHost, upPort] = upstream.split(':') as [string, string];
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const kind = /\/tags\/list/.test(req.url ?? '') ? 'list' : /\/blobs\//.test(req.url ?? '') ? 'blob' : 'manifest';
    const key = `${req.method} ${kind}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const up = httpRequest(
      { host: upHost, port: Number(upPort), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, counts, server };
}

async function put(url: string, body: string | Buffer, type: string, method = 'PUT'): Promise<Response> {
  const res = await fetch(url, { method, headers: { 'Content-Type': type }, body });
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

async function pushBlob(base: string, repo: string, blob: string): Promise<void> {
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`starting an upload: HTTP ${start.status}`);
  const location = new URL(start.headers.get('location')!, base);
  location.searchParams.set('digest', sha(blob));
  await put(location.toString(), blob, 'application/octet-stream');
}

const CACHE_CONFIG = JSON.stringify({ layers: [], records: [{ digest: 'sha256:k1' }] });
const IMAGE_CONFIG = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** Distinct manifests on the two config blobs: the annotation sets each one apart. */
const manifest = (config: string, configType: string, n: string) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: configType, digest: sha(config), size: config.length },
    layers: [],
    annotations: { 'bench.n': n },
  });
const cacheM = (n: string) => manifest(CACHE_CONFIG, CACHE_CONFIG_TYPE, n);
const imageM = (n: string) => manifest(IMAGE_CONFIG, 'application/vnd.oci.image.config.v1+json', n);

/** The repository's 10,000 tags: which manifest each gets. Branch 0 shares build's with branch 1; 2-4 are inline. */
function layout(): Map<string, string> {
  const tags = new Map<string, string>();
  for (let b = 0; b < BRANCHES; b++)
    for (const s of STAGES) {
      const inline = b >= 2 && b <= 4 && s === 'final';
      tags.set(cacheName('cache', s, branchName(b)), inline ? imageM(`release-${b}`) : cacheM(`${s}-${b}`));
    }
  tags.set(cacheName('cache', 'build', branchName(0)), cacheM('build-1'));
  for (const b of [2, 3, 4]) tags.set(`release-${b}`, imageM(`release-${b}`)); // the user's tag on the inline image
  // Image tags as CI writes them: commit shas, pull requests, builds, some versions (which parse as scheme tags).
  for (let i = 0; tags.size < BRANCHES * STAGES.length + IMAGE_TAGS; i++) {
    const name =
      i % 16 === 0
        ? `v1.${i >> 8}.${i & 0xff}`
        : i % 3 === 0
          ? `pr-${i}`
          : i % 3 === 1
            ? `sha-${createHash('sha1').update(String(i)).digest('hex').slice(0, 7)}`
            : `build-${i}`;
    tags.set(name, imageM(`img-${i >> 1}`)); // two tags per image
  }
  return tags;
}

async function fill(registry: string, repo: string): Promise<void> {
  const base = `http://${registry}`;
  for (const blob of [CACHE_CONFIG, IMAGE_CONFIG]) await pushBlob(base, repo, blob);
  const tags = [...layout()];
  const start = Date.now();
  await mapLimit(tags, 16, ([tag, body]) => put(`${base}/v2/${repo}/manifests/${tag}`, body, OCI_MANIFEST));
  process.stderr.write(`filled ${repo}: ${tags.length} tags in ${((Date.now() - start) / 1000).toFixed(1)} s\n`);
}

async function registryBench(): Promise<void> {
  const E = startEngine();
  const repo = args.repo ?? `bench/cleanup-${randomBytes(4).toString('hex')}`;
  const proxy = await recordingProxy(E.registry);
  const client = () => new RegistryClient({ host: proxy.host, apiHost: proxy.host, name: repo });
  if (args.repo === undefined) await fill(E.registry, repo);
  const total = (await client().tags()).length;
  process.stderr.write(`${repo}: ${total} tags\n`);
  const exists = async (tag: string) => (await client().digest(tag)) !== undefined;

  /** Clean up branches from `from` on, `runs` of them that still have their caches (a fresh branch each run). */
  const measure = async (what: string, candidates: number[], runs: number, after?: (b: number) => Promise<void>) => {
    const times: number[] = [];
    let counts = new Map<string, number>();
    for (const b of candidates) {
      if (times.length === runs) break;
      if (!(await exists(cacheName('cache', 'dependencies', branchName(b))))) continue; // an earlier run's
      proxy.counts.clear();
      const start = performance.now();
      const results = await deleteRegistryTags(client(), branchTags(b), { dryRun: false });
      times.push(performance.now() - start);
      counts = new Map(proxy.counts);
      check(!results.some((r) => r.state === 'failed' || r.state === 'unsupported'), JSON.stringify(results));
      await after?.(b);
    }
    check(times.length > 0, `${what}: no branch left with caches (use a fresh --repo)`);
    rows.push({
      what: `registry, ${total} tags: ${what}`,
      runs: times.length,
      medianMs: median(times),
      requests: fmt(counts),
    });
  };

  const fresh = Array.from({ length: BRANCHES - 10 }, (_, i) => i + 10).reverse();
  await measure('one branch (4 cache manifests, 4 absent old-scheme tags)', fresh, RUNS);
  // Each tag goes alone (registry/delete-tags.ts): the other tag on a shared manifest keeps it, unchanged.
  const sharedDigest = await client().digest(cacheName('cache', 'build', branchName(1)));
  await measure('a branch whose cache shares a digest with another branch’s', [0], 1, async () => {
    check(!(await exists(cacheName('cache', 'build', branchName(0)))), 'branch 0’s shared cache tag was kept');
    const still = await client().digest(cacheName('cache', 'build', branchName(1)));
    check(still === sharedDigest, `branch 1's tag on the shared manifest changed: ${sharedDigest} -> ${still}`);
  });
  const releases = new Map(
    await Promise.all([2, 3, 4].map(async (b) => [b, await client().digest(`release-${b}`)] as const)),
  );
  await measure(
    'a branch with an inline cache (a cache tag on an image a user tag has)',
    [2, 3, 4],
    RUNS,
    async (b) => {
      check(
        !(await exists(cacheName('cache', 'final', branchName(b)))),
        `the inline cache tag of branch ${b} was kept`,
      );
      const still = await client().digest(`release-${b}`);
      check(still !== undefined && still === releases.get(b), `the user's tag release-${b} changed or went: ${still}`);
    },
  );

  // A sweep (shell/sweep.ts, as the action runs it): 10 branches gone, every other branch live, keep-for 0.
  const gone = Array.from({ length: 10 }, (_, i) => 100 + i);
  const live = [
    'main',
    ...Array.from({ length: BRANCHES }, (_, i) => i)
      .filter((b) => !gone.includes(b))
      .map(branchName),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'bbc-bench-sweep-'));
  writeFileSync(join(dir, 'config.json'), '{}');
  const fails: string[] = [];
  const io = {
    info: () => {},
    warn: () => {},
    fail: (l: string) => void fails.push(l),
    setOutput: () => {},
    setSecret: () => {},
    summary: async () => {},
    branches: () => ({ liveBranches: async () => ({ branches: live, defaultBranch: 'main', where: 'the benchmark' }) }),
  };
  const inputs: Record<string, string> = { image: `${proxy.host}/${repo}`, 'keep-for': '0' };
  proxy.counts.clear();
  const swept = performance.now();
  await runSweep(
    (n) => inputs[n] ?? '',
    io,
    { DOCKER_CONFIG: dir, PATH: process.env.PATH },
    () => new Date(),
  );
  const sweepMs = performance.now() - swept;
  rmSync(dir, { recursive: true, force: true });
  check(fails.length === 0, `the sweep failed: ${fails.join('; ')}`);
  for (const b of gone) check(!(await exists(cacheName('cache', 'build', branchName(b)))), `branch ${b} was not swept`);
  check(await exists(cacheName('cache', 'build', branchName(200))), 'a live branch was swept');
  rows.push({
    what: `registry, ${total} tags: a sweep, ${gone.length} gone branches among ${BRANCHES} (keep-for 0)`,
    runs: 1,
    medianMs: sweepMs,
    requests: fmt(proxy.counts),
  });
  // The registry's own pace, the floor under any of the above: 1,000 HEADs, 8 at a time, no proxy.
  const direct = new RegistryClient({ host: E.registry, apiHost: E.registry, name: repo });
  const some = (await client().tags()).filter((t) => t.startsWith('cache.')).slice(0, 1000);
  const paced = performance.now();
  await mapLimit(some, 8, (t) => direct.digest(t));
  rows.push({
    what: `registry: its pace, ${some.length} HEADs 8 at a time (no proxy)`,
    runs: 1,
    medianMs: performance.now() - paced,
    requests: `${some.length} (${some.length} HEAD manifest)`,
  });
  proxy.server.close();
  process.stderr.write(`repository: ${repo} (pass --repo ${repo} to reuse it)\n`);
}

async function ghcrBench(): Promise<void> {
  const N = 10_000;
  const ours = (b: number) => STAGES.map((s) => cacheName('cache', s, branchName(b)));
  /** Newest first: branch b's four versions at `at`, `at`+1, ... */
  const versions = (b: number, at: number) => {
    const out = Array.from({ length: N }, (_, i) => version(100_000 + i, [`build-${i}`]));
    for (const [k, t] of ours(b).entries()) out[at + k] = version(200_000 + k, [t]);
    return out;
  };
  const scenario = async (what: string, tags: string[], at: number, delayMs?: number) => {
    const times: number[] = [];
    let requests = '';
    for (let run = 0; run < RUNS; run++) {
      const gh = await fakeGitHub({ 'orgs/acme/app': versions(0, at) }, delayMs === undefined ? {} : { delayMs });
      const client = new GhcrClient({ token: TOKEN, apiUrl: gh.url });
      const start = performance.now();
      const results = await deleteGhcrTags(client, 'ghcr.io/acme/app', tags, { dryRun: false });
      times.push(performance.now() - start);
      check(
        results.filter((r) => r.state === 'deleted').length === 4,
        `${what}: ${JSON.stringify(results.slice(0, 2))}`,
      );
      const counts = new Map<string, number>();
      for (const r of gh.requests) counts.set(r.method, (counts.get(r.method) ?? 0) + 1);
      requests = fmt(counts);
      await closeFakeGitHubs();
    }
    rows.push({ what: `GHCR, ${N} versions: ${what}`, runs: RUNS, medianMs: median(times), requests });
  };
  await scenario('the branch’s 4 tags, on page 1', ours(0), 10);
  await scenario('the branch’s 4 tags, on page 50', ours(0), 4950);
  await scenario('with its 4 old-scheme tags (absent): every page', branchTags(0), 10);
  await scenario('with its old-scheme tags, 50 ms per answer', branchTags(0), 10, 50);
}

if (args.only !== 'ghcr') await registryBench();
if (args.only !== 'registry') await ghcrBench();
const lines = [
  '| case | runs | median | requests |',
  '| --- | ---: | ---: | --- |',
  ...rows.map((r) => `| ${r.what} | ${r.runs} | ${(r.medianMs / 1000).toFixed(2)} s | ${r.requests} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
