// Cache that follows the code, on a real engine through the bundled action: the
// build of main right after a merge imports the merged pull request's cache, and
// a merge queue imports the queued one's. The GitHub API is a fake on 127.0.0.1
// (__tests__/fake-pulls-api.ts) answering as the REST reference shows.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { fakePullsApi, PULLS_TOKEN, type FakePullsApi } from '../__tests__/fake-pulls-api.js';
import { engine, registryTags, uniqueRepo } from './lib.js';
import {
  actionJob,
  mergeGroupEvent,
  pipelineContext,
  pullRequestEvent,
  pushEvent,
  type JobResult,
} from './pipeline.js';
import { removeTempDirs } from '../__tests__/temp-dirs.js';

const E = engine();
const MERGE_SHA = 'c0ffee'.padEnd(40, '0');
const QUEUE_SHA = 'beef'.padEnd(40, '1');
const BUILD_STEPS = ['RUN cat /app/src/*.js > /app/bundle.js && sleep 1', 'RUN echo built >> /app/bundle.js'];
const CHANGED = 'console.log("changed")\n';
let api: FakePullsApi;

beforeAll(async () => {
  api = await fakePullsApi(
    { [`acme/app@${MERGE_SHA}`]: [{ number: 12, head: 'feature/x', base: 'main', mergedAt: '2026-03-01T10:00:00Z' }] },
    [{ number: 13, head: 'feature/q', base: 'main' }],
  );
});

afterAll(async () => {
  await api.close();
});
// What the file made in os.tmpdir() (pipelineContext()), removed after its tests.
afterAll(removeTempDirs);

function ok(job: JobResult): JobResult {
  if (job.result.code !== 0)
    throw new Error(`action failed (${job.result.code}):\n${job.result.stdout}\n${job.result.stderr}`);
  expect(job.result.stdout).not.toMatch(/^::warning::/m);
  return job;
}

/** main's pipeline on the old source, then the pull request's on the changed one: the caches before the merge. */
async function beforeTheMerge(repo: string, head: string, number: number): Promise<string> {
  const old = pipelineContext();
  for (const job of ['dependencies', 'final'] as const)
    ok(await actionJob({ context: old, repo, event: pushEvent('main'), job }));
  const changed = pipelineContext({ source: CHANGED });
  const pr = pullRequestEvent(head, 'main', { number });
  ok(await actionJob({ context: changed, repo, event: pr, job: 'dependencies' }));
  const final = ok(await actionJob({ context: changed, repo, event: pr, job: 'final' }));
  expect(final.steps.ranNames).toEqual(BUILD_STEPS);
  return changed;
}

describe('the build after a merge imports the merged pull request’s cache', () => {
  test('push to main of the merge: 0 RUN steps with the token; the changed steps without, and why', async () => {
    const repo = uniqueRepo('merged');
    const changed = await beforeTheMerge(repo, 'feature/x', 12);
    const env = { GITHUB_API_URL: api.url, GITHUB_SHA: MERGE_SHA };
    const image = `${E.registry}/${repo}`;

    // No token: the usual chain (main's own cache, from before the merge), and one line on why.
    const without = ok(
      await actionJob({
        context: changed,
        repo,
        event: pushEvent('main'),
        job: 'final',
        env,
        inputs: { 'export-cache': 'false' },
      }),
    );
    expect(without.result.stdout).toContain(
      'pull requests merged by this push: not looked up: no github-token; the build imports the usual fallbacks',
    );
    expect(without.steps.ranNames).toEqual(BUILD_STEPS);

    // With the token: the API names #12, whose cache holds the merged code.
    api.requests.length = 0;
    const inputs = { 'github-token': PULLS_TOKEN };
    const deps = ok(
      await actionJob({ context: changed, repo, event: pushEvent('main'), job: 'dependencies', env, inputs }),
    );
    expect(deps.steps).toMatchObject({ total: 3, ran: 0 });
    const final = ok(await actionJob({ context: changed, repo, event: pushEvent('main'), job: 'final', env, inputs }));
    expect(final.steps).toMatchObject({ total: 5, ran: 0 });
    const out = final.result.stdout;
    expect(out).toContain(
      `pull requests merged by this push (${MERGE_SHA.slice(0, 12)} into main): #12 from feature/x`,
    );
    expect(out).toContain('why: merged in #12 from feature/x: its cache holds the merged code, so it comes first');
    expect(out).toContain(`${image}:cache.build.main: left out: diverges from ${image}:cache.build.feature_x`);
    expect(final.result.outputs['cache-from']).toBe(`type=registry,ref=${image}:cache.build.feature_x`);
    // The summary's Markdown escapes the #.
    expect(final.result.summary).toContain('merged in \\#12 from feature/x');
    expect(api.requests).toEqual([
      expect.objectContaining({ url: `/repos/acme/app/commits/${MERGE_SHA}/pulls?per_page=100` }),
      expect.objectContaining({ authorization: `Bearer ${PULLS_TOKEN}` }),
    ]);
    // main writes its own cache, as ever.
    expect(final.result.outputs['cache-ref']).toBe(`${image}:cache.build.main`);
  });
});

describe('a merge queue imports the queued pull request’s cache', () => {
  test('merge_group for #13, whose head is the queued tree: 0 RUN steps, nothing written', async () => {
    const repo = uniqueRepo('queued');
    const changed = await beforeTheMerge(repo, 'feature/q', 13);
    const event = mergeGroupEvent(13, QUEUE_SHA);
    api.requests.length = 0;
    const opts = {
      context: changed,
      repo,
      event,
      env: { GITHUB_API_URL: api.url },
      inputs: { 'github-token': PULLS_TOKEN },
    };
    const deps = ok(await actionJob({ ...opts, job: 'dependencies' }));
    expect(deps.steps).toMatchObject({ total: 3, ran: 0 });
    const final = ok(await actionJob({ ...opts, job: 'final' }));
    expect(final.steps).toMatchObject({ total: 5, ran: 0 });
    expect(final.result.stdout).toContain('queued pull request #13 (into main): from feature/q');
    expect(final.result.stdout).toContain("why: queued #13 from feature/q: its cache comes before the base branch's");
    expect(final.result.outputs['cache-to']).toBe('');
    expect(api.requests.map((r) => r.url)).toEqual(['/repos/acme/app/pulls/13', '/repos/acme/app/pulls/13']);
    const tags = await registryTags(E.registry, repo);
    expect(tags.filter((t) => t.startsWith('cache.') && t.includes('readonly'))).toEqual([]);
  });
});
