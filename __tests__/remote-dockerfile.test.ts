// The Dockerfile step (src/shell/remote-dockerfile.ts) against a real HTTP
// server that answers like the GitHub contents API (fake-contents-api.ts):
// read at the context's ref with the token, and every way it can fail (404,
// 401, the rate limit, no answer) a warning and the target-only plan, never a
// failure. Then what decide makes of a target-only plan.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decide, type BuildSource } from '../src/core/decide.js';
import { parseConfig, type Config } from '../src/core/inputs.js';
import { buildDockerfile, fetchDockerfile } from '../src/shell/remote-dockerfile.js';
import { PIPELINE } from '../e2e/fixtures.mjs';
import { CONTENTS_TOKEN, fakeContentsApi, type FakeContentsApi } from './fake-contents-api.js';
import { thrown } from './helpers.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

const SHA = 'c0ffee'.padEnd(40, '0');
const FILES = { [`acme/app@${SHA}:Dockerfile`]: PIPELINE, [`acme/app@${SHA}:docker/Dockerfile`]: PIPELINE };
const REMEDY = 'point `file` at it';

let api: FakeContentsApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  removeTempDirs();
});

function config(inputs: Record<string, string>): Config {
  const all: Record<string, string> = { image: 'ghcr.io/acme/app', 'github-token': CONTENTS_TOKEN, ...inputs };
  return parseConfig((name) => all[name] ?? '');
}

function recorder(): { warnings: string[]; log: { info: (l: string) => void; warn: (m: string) => void } } {
  const warnings: string[] = [];
  return { warnings, log: { info: () => {}, warn: (m) => warnings.push(m) } };
}

/** A GitHub Actions run of acme/app at SHA against the fake API. */
function runEnv(apiUrl: string, more: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_SHA: SHA,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: apiUrl,
    ...more,
  };
}

describe('fetchDockerfile', () => {
  const request = { path: `/repos/acme/app/contents/Dockerfile?ref=${SHA}` };

  test('200: the text, read with the token from GITHUB_API_URL', async () => {
    api = await fakeContentsApi(FILES);
    expect(await fetchDockerfile(request, CONTENTS_TOKEN, { env: { GITHUB_API_URL: api.url } })).toEqual({
      text: PIPELINE,
    });
    expect(api.requests).toEqual([
      {
        method: 'GET',
        url: `/repos/acme/app/contents/Dockerfile?ref=${SHA}`,
        authorization: `Bearer ${CONTENTS_TOKEN}`,
        accept: 'application/vnd.github+json',
      },
    ]);
  });

  test('404: why, and the permission it needs', async () => {
    api = await fakeContentsApi(FILES);
    const r = await fetchDockerfile({ path: '/repos/acme/app/contents/nope' }, CONTENTS_TOKEN, {
      env: { GITHUB_API_URL: api.url },
    });
    expect(r).toEqual({
      why: 'HTTP 404 Not Found: no such repository, ref or file, or github-token cannot read it (it needs contents: read)',
    });
  });

  test('401: the token was refused, and the token is in no message', async () => {
    api = await fakeContentsApi(FILES);
    const r = await fetchDockerfile(request, 'ghs_wrong', { env: { GITHUB_API_URL: api.url } });
    expect(r).toEqual({ why: 'HTTP 401 Bad credentials: github-token was refused' });
  });

  test('the rate limit: when it resets', async () => {
    api = await fakeContentsApi(FILES, { rateLimited: true });
    const r = await fetchDockerfile(request, CONTENTS_TOKEN, { env: { GITHUB_API_URL: api.url } });
    expect(r).toEqual({
      why: expect.stringMatching(/^HTTP 403 API rate limit exceeded .*: rate limited: the limit resets at .* \(in /),
    });
  });

  test('no answer: the timeout, and the host that did not answer', async () => {
    api = await fakeContentsApi(FILES, { silent: true });
    const r = await fetchDockerfile(request, CONTENTS_TOKEN, { env: { GITHUB_API_URL: api.url }, timeoutMs: 300 });
    expect(r).toEqual({ why: expect.stringContaining(`no answer from ${new URL(api.url).host} within 0.3 s`) });
  });

  test('a directory, or another API than GitHub’s that answers oddly', async () => {
    const answer = (body: unknown) => async () => new Response(JSON.stringify(body), { status: 200 });
    const env = { GITHUB_API_URL: 'https://api.example' };
    expect(await fetchDockerfile(request, 't', { env, fetch: answer([]) })).toEqual({ why: 'it is a directory' });
    expect(await fetchDockerfile(request, 't', { env, fetch: answer({ type: 'symlink' }) })).toEqual({
      why: 'it is not a file (symlink)',
    });
    expect(await fetchDockerfile(request, 't', { env, fetch: answer({ type: 'file', encoding: 'none' }) })).toEqual({
      why: 'the API did not send its content (a file over 1 MB)',
    });
    expect(await fetchDockerfile(request, 't', { env: { GITHUB_API_URL: 'ftp://x' } })).toMatchObject({
      why: expect.stringContaining('GITHUB_API_URL'),
    });
  });
});

describe('buildDockerfile', () => {
  test('a local context: the file from the disk, the context as given, no secret', async () => {
    const dir = tempDir('bbc-remote-');
    writeFileSync(join(dir, 'Dockerfile'), PIPELINE);
    const { log, warnings } = recorder();
    const r = await buildDockerfile(config({ context: dir }), REMEDY, log, { env: runEnv('http://unused') });
    expect(r).toEqual({ text: PIPELINE, file: join(dir, 'Dockerfile'), context: dir, secrets: [], lines: [] });
    expect(warnings).toEqual([]);
  });

  test('no checkout on GitHub Actions: the repository at GITHUB_SHA, its Dockerfile from the API, the token secret', async () => {
    api = await fakeContentsApi(FILES);
    const cwd = process.cwd();
    process.chdir(tempDir('bbc-empty-'));
    try {
      const { log, warnings } = recorder();
      const r = await buildDockerfile(config({}), REMEDY, log, { env: runEnv(api.url) });
      expect(r).toEqual({
        text: PIPELINE,
        file: `Dockerfile of acme/app at ${SHA}`,
        context: `https://github.com/acme/app.git#${SHA}`,
        secrets: [{ id: 'GIT_AUTH_TOKEN.github.com', value: CONTENTS_TOKEN }],
        lines: [
          'no Dockerfile in the workspace (no checkout): building acme/app from Git',
          `context: Git, github.com/acme/app.git at ${SHA}`,
          `Dockerfile: Dockerfile of acme/app at ${SHA}, read through the GitHub API`,
          'GIT_AUTH_TOKEN: github-token, as the secret GIT_AUTH_TOKEN.github.com',
        ],
      });
      expect(warnings).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  test('a Git URL with a subdir and a file: the file in that directory; the user’s GIT_AUTH_TOKEN wins', async () => {
    api = await fakeContentsApi(FILES);
    const { log, warnings } = recorder();
    const r = await buildDockerfile(
      config({ context: `https://github.com/acme/app.git#${SHA}:docker`, secrets: 'GIT_AUTH_TOKEN=mine' }),
      REMEDY,
      log,
      { env: runEnv(api.url) },
    );
    expect(r).toMatchObject({ text: PIPELINE, file: `docker/Dockerfile of acme/app at ${SHA}`, secrets: [] });
    expect(warnings).toEqual([]);
  });

  test.each([
    ['404', `https://github.com/acme/app.git#${SHA}:missing`, {}, /: HTTP 404 Not Found: .*contents: read\)\. /],
    ['401', `https://github.com/acme/app.git#${SHA}`, { 'github-token': 'ghs_wrong' }, /: HTTP 401 .*refused\. /],
    ['no token', `https://github.com/acme/app.git#${SHA}`, { 'github-token': '' }, /: no github-token to read it/],
    ['not GitHub', `https://gitlab.com/acme/app.git#${SHA}`, {}, /: gitlab\.com is not the GitHub server/],
  ])('%s: one warning, and the target only', async (_, context, inputs, why) => {
    api = await fakeContentsApi(FILES);
    const { log, warnings } = recorder();
    const r = await buildDockerfile(config({ context, ...inputs }), REMEDY, log, { env: runEnv(api.url) });
    expect(r.text).toBeUndefined();
    expect(r.context).toBe(context);
    expect(warnings).toEqual([expect.stringMatching(why)]);
    expect(warnings[0]).toMatch(/^could not read the Dockerfile \(.*\) through the GitHub API: /);
    expect(warnings[0]).toContain('Planning the target stage only: its stage graph is unknown');
    expect(warnings[0]).not.toContain('ghs_wrong');
  });

  test('the rate limit and a silent API: the same, and the build goes on', async () => {
    for (const opts of [{ rateLimited: true }, { silent: true }]) {
      api = await fakeContentsApi(FILES, opts);
      const { log, warnings } = recorder();
      const r = await buildDockerfile(config({ context: 'git' }), REMEDY, log, {
        env: runEnv(api.url),
        timeoutMs: 300,
      });
      expect(r).toMatchObject({ text: undefined, context: `https://github.com/acme/app.git#${SHA}` });
      expect(warnings).toEqual([expect.stringMatching(/rate limited|no answer from/)]);
      await api.close();
      api = undefined;
    }
  });

  test('another URL: the target only, with a warning; an absolute file is read from the disk', async () => {
    const { log, warnings } = recorder();
    const context = 'https://example.com/context.tar.gz';
    const r = await buildDockerfile(config({ context }), REMEDY, log, { env: {} });
    expect(r).toMatchObject({ text: undefined, context, secrets: [] });
    expect(warnings).toEqual([expect.stringContaining('the context is a URL but not a Git repository')]);
    const dir = mkdtempSync(join(tmpdir(), 'bbc-abs-'));
    try {
      writeFileSync(join(dir, 'Dockerfile'), PIPELINE);
      const abs = await buildDockerfile(config({ context, file: join(dir, 'Dockerfile') }), REMEDY, log, { env: {} });
      expect(abs.text).toBe(PIPELINE);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('`context: git` outside a workflow run is an error; beside a directory named git, a warning', async () => {
    const { log, warnings } = recorder();
    const e = await buildDockerfile(config({ context: 'git' }), REMEDY, log, { env: {} }).catch((x: Error) => x);
    expect((e as Error).message).toMatch(/^context: `git` means the workflow repository/);
    api = await fakeContentsApi(FILES);
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), 'bbc-gitdir-'));
    mkdirSync(join(dir, 'git'));
    process.chdir(dir);
    try {
      await buildDockerfile(config({ context: 'git' }), REMEDY, log, { env: runEnv(api.url) });
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(warnings).toEqual([expect.stringContaining('write ./git for that')]);
  });
});

describe('decide with the target only', () => {
  const facts = { branch: 'feature/x', fallbacks: ['main'], exportAllowed: true, defaultBranch: 'main', reasons: [] };
  const source: BuildSource = { facts, where: 'test' };

  test('the target is the one stage, cached under its name; stage names are taken as given', () => {
    const d = decide(config({ target: 'Build' }), source, undefined, 'Dockerfile of acme/app');
    expect([d.targetStage, d.stage, d.importStages, d.graph.stages]).toEqual(['build', 'build', ['build'], []]);
    const more = decide(config({ target: 'build', 'cache-stages': 'deps, Base' }), source, undefined, 'x');
    expect(more.importStages).toEqual(['build', 'deps', 'base']);
    expect(decide(config({}), source, undefined, 'x').targetStage).toBe('final');
  });

  test('an unreadable Dockerfile is not an empty one', () => {
    expect(thrown(() => decide(config({}), source, '', 'Dockerfile')).message).toMatch(/no FROM instruction/);
  });
});
