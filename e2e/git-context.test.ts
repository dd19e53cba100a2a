// No checkout: the bundled action builds the workflow's repository from Git, as
// docker/build-push-action does by default. The repository is a local bare one
// served over git's "dumb HTTP" protocol (static files after `git
// update-server-info`) by a plain node server, which BuildKit's Git source
// clones; the Dockerfile's stages come from a fake GitHub contents API
// (__tests__/fake-contents-api.ts) serving the same file. Both listen on
// 127.0.0.1, which the engine's BuildKit reaches as it reaches the local
// registry (the docker driver runs in dockerd, on the host's network).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { pushEvent, runAction, type RunResult } from '../scripts/action-harness.mjs';
import { CONTENTS_TOKEN, fakeContentsApi, type FakeContentsApi } from '../__tests__/fake-contents-api.js';
import { busyboxStage } from './fixtures.mjs';
import { countRunSteps, emptyBuilder, engine, fixture, registryTags, run, uniqueRepo } from './lib.js';
import { removeTempDirs, tempDir } from '../__tests__/temp-dirs.js';

const E = engine();
// What the file made in os.tmpdir() (fixture(), tempDir()), removed after its tests.
afterAll(removeTempDirs);
const DOCKERFILE = [
  ...busyboxStage('dependencies'),
  'RUN echo deps > /deps',
  '',
  'FROM dependencies AS build',
  'RUN cat /deps > /built && echo built >> /built',
  '',
].join('\n');

interface GitServer {
  url: string;
  /** Each request's path and Authorization header. */
  requests: { path: string; authorization?: string }[];
  server: Server;
}

/** The directory `root` as static files: all a dumb-HTTP Git client needs. */
async function serveStatic(root: string): Promise<GitServer> {
  const requests: GitServer['requests'] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://git').pathname);
    requests.push({ path, authorization: req.headers.authorization });
    const file = resolve(root, `.${path}`);
    if (!file.startsWith(root + sep)) return void res.writeHead(404).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

async function git(args: string[], cwd: string): Promise<string> {
  const r = await run('git', args, {
    cwd,
    env: { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z' },
  });
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** acme/app as a bare repository under `root`: one commit on main with the Dockerfile and the busybox. */
async function bareRepository(root: string): Promise<string> {
  const bare = join(root, 'acme', 'app.git');
  mkdirSync(bare, { recursive: true });
  await git(['init', '--bare', '--quiet', bare], root);
  const work = fixture({ Dockerfile: DOCKERFILE });
  await git(['init', '--quiet', '-b', 'main'], work);
  await git(['add', '-A'], work);
  await git(['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.com', 'commit', '--quiet', '-m', 'app'], work);
  await git(['push', '--quiet', bare, 'HEAD:refs/heads/main'], work);
  await git(['update-server-info'], bare);
  return git(['rev-parse', 'HEAD'], work);
}

function ok(r: RunResult): void {
  if (r.code !== 0) throw new Error(`action failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}

describe('no checkout: the repository at GITHUB_SHA as a Git context', () => {
  let gitServer: GitServer;
  let api: FakeContentsApi;
  let sha: string;

  beforeAll(async () => {
    const root = tempDir('bbc-git-');
    sha = await bareRepository(root);
    gitServer = await serveStatic(root);
    api = await fakeContentsApi({ [`acme/app@${sha}:Dockerfile`]: DOCKERFILE });
  });

  afterAll(async () => {
    gitServer.server.closeAllConnections();
    await new Promise((r) => gitServer.server.close(r));
    await api.close();
  });

  /** A job in an empty workspace (no checkout) of acme/app at `sha`, on the git server and the fake API. */
  async function job(branch: string, inputs: Record<string, string>, apiUrl = api.url): Promise<RunResult> {
    await emptyBuilder();
    const r = await runAction({
      cwd: tempDir('bbc-no-checkout-'),
      event: pushEvent(branch),
      env: { ...E.env, GITHUB_SERVER_URL: gitServer.url, GITHUB_API_URL: apiUrl, GITHUB_SHA: sha },
      inputs: { 'github-token': CONTENTS_TOKEN, network: 'none', ...inputs },
    });
    ok(r);
    return r;
  }

  test('main plans from the API’s Dockerfile and builds from Git; a new branch imports its cache', async () => {
    const repo = uniqueRepo('git-context');
    const image = `${E.registry}/${repo}`;
    const first = await job('main', { image });
    const host = new URL(gitServer.url).host;
    // The plan: the stages read through the API, at the commit, with the token.
    expect(first.stdout).toContain('no Dockerfile in the workspace (no checkout): building acme/app from Git');
    expect(first.stdout).toContain(`context: Git, ${host}/acme/app.git at ${sha}`);
    expect(first.stdout).toContain(`Dockerfile: Dockerfile of acme/app at ${sha}, read through the GitHub API`);
    expect(first.stdout).toContain(
      'target stage: build; exports under stage: build; imports stages: build, dependencies',
    );
    expect(first.stdout).toContain(`GIT_AUTH_TOKEN: github-token, as the secret GIT_AUTH_TOKEN.${host}`);
    expect(first.stdout).not.toMatch(/^::warning::/m);
    // A push also asks which pull requests its commit merged (shell/pr-lookup.ts): this fake knows none.
    expect(api.requests).toEqual([
      expect.objectContaining({ url: `/repos/acme/app/commits/${sha}/pulls?per_page=100` }),
      expect.objectContaining({
        url: `/repos/acme/app/contents/Dockerfile?ref=${sha}`,
        authorization: `Bearer ${CONTENTS_TOKEN}`,
      }),
    ]);
    // The build: from the Git context (the token as a file secret, never in argv), all three RUN steps.
    const args = JSON.parse(first.outputs.args!) as string[];
    expect(args.at(-1)).toBe(`${gitServer.url}/acme/app.git#${sha}`);
    expect(args).toContainEqual(expect.stringMatching(new RegExp(`^id=GIT_AUTH_TOKEN\\.${host},src=`)));
    expect(args.join(' ')).not.toContain(CONTENTS_TOKEN);
    expect(countRunSteps(first.stderr + first.stdout)).toMatchObject({ total: 3, ran: 3 });
    expect(gitServer.requests.map((r) => r.path)).toContain('/acme/app.git/info/refs');
    // BuildKit sent the token to the Git server as git's basic credentials.
    const basic = `basic ${Buffer.from(`x-access-token:${CONTENTS_TOKEN}`).toString('base64')}`;
    expect(gitServer.requests.some((r) => r.authorization?.toLowerCase() === basic.toLowerCase())).toBe(true);
    expect(await registryTags(E.registry, repo)).toEqual(expect.arrayContaining(['cache.build.main']));

    // feature/x, same commit, `context: git` named: on an emptied builder, everything from main's cache.
    const second = await job('feature/x', { image, context: 'git' });
    expect(second.stdout).toContain('context: git: acme/app');
    expect(second.outputs['cache-from']).toContain(`ref=${image}:cache.build.main`);
    expect(countRunSteps(second.stderr + second.stdout)).toMatchObject({ total: 3, ran: 0 });
    expect(await registryTags(E.registry, repo)).toEqual(expect.arrayContaining(['cache.build.feature_x']));
  });

  test('an API that refuses (the rate limit): one warning, the target stage only, and the build still runs', async () => {
    const limited = await fakeContentsApi({}, { rateLimited: true });
    try {
      const repo = uniqueRepo('git-fallback');
      const r = await job('main', { image: `${E.registry}/${repo}`, target: 'build' }, limited.url);
      const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning::'));
      expect(warnings).toEqual([expect.stringContaining('rate limited')]);
      expect(warnings[0]).toContain('Planning the target stage only');
      expect(r.stdout).toMatch(/target stage: build; exports under stage: build; imports stages: build$/m);
      expect(countRunSteps(r.stderr + r.stdout)).toMatchObject({ total: 3, ran: 3 });
    } finally {
      await limited.close();
    }
  });
});
