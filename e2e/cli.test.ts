// Issue 8 on the real engine: the article's pipeline run by the bundled command
// line (`node dist/cli.js build`) the way a GitLab CI job runs it, with only
// GitLab's variables and the engine's in the environment. Every job starts on
// an emptied builder, as on an ephemeral runner.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { FAILING_STAGE } from './fixtures.mjs';
import { countRunSteps, emptyBuilder, engine, fixture, registryTags, uniqueRepo, type StepCount } from './lib.js';
import { pipelineContext } from './pipeline.js';
import { removeTempDirs } from '../__tests__/temp-dirs.js';

const E = engine();
// What the file made in os.tmpdir() (fixture(), tempDir()), removed after its tests.
afterAll(removeTempDirs);
const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');

interface CliJob {
  code: number;
  stdout: string;
  stderr: string;
  steps: StepCount;
}

/** GitLab's variables for a push pipeline on `branch`. */
function gitlabPush(branch: string): Record<string, string> {
  return {
    GITLAB_CI: 'true',
    CI_PIPELINE_SOURCE: 'push',
    CI_COMMIT_BRANCH: branch,
    CI_COMMIT_REF_NAME: branch,
    CI_DEFAULT_BRANCH: 'main',
  };
}

/** GitLab's variables for a merge request pipeline; `fork` makes the source another project. */
function gitlabMergeRequest(source: string, target: string, fork = false): Record<string, string> {
  return {
    GITLAB_CI: 'true',
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_DEFAULT_BRANCH: 'main',
    CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: source,
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME: target,
    CI_MERGE_REQUEST_PROJECT_ID: '100',
    CI_MERGE_REQUEST_SOURCE_PROJECT_ID: fork ? '666' : '100',
  };
}

/** One pipeline job: the command line on an emptied builder, pushing its image. */
async function cliJob(opts: {
  context: string;
  repo: string;
  job: 'dependencies' | 'final';
  vars: Record<string, string>;
  tag: string;
}): Promise<CliJob> {
  await emptyBuilder();
  const image = `${E.registry}/${opts.repo}`;
  const args = ['build', '--image', image, '--network', 'none', '--push', '--tag', `${image}:${opts.tag}`];
  if (opts.job === 'dependencies') args.push('--target', 'dependencies');
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: opts.context, env: { ...E.env, ...opts.vars }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
  return { ...r, steps: countRunSteps(r.stderr) };
}

function ok(job: CliJob): void {
  if (job.code !== 0) throw new Error(`buildx-branch-cache build failed (${job.code}):\n${job.stdout}\n${job.stderr}`);
}

/** Job 1 and job 3 of a push pipeline on main, in a fresh repository. */
async function mainPipeline(repo: string, context: string): Promise<void> {
  const deps = await cliJob({ context, repo, job: 'dependencies', vars: gitlabPush('main'), tag: 'deps-main' });
  ok(deps);
  expect(deps.steps).toMatchObject({ total: 3, ran: 3 });
  expect(deps.stderr).toMatch(/why: GitLab CI: branch pipeline on main/);
  const final = await cliJob({ context, repo, job: 'final', vars: gitlabPush('main'), tag: 'main' });
  ok(final);
  // The dependencies stage comes from job 1's cache; only the build stage runs.
  expect(final.steps).toMatchObject({ total: 5, ran: 2 });
  expect(await registryTags(E.registry, repo)).toEqual(
    expect.arrayContaining(['cache.dependencies.main', 'cache.build.main']),
  );
}

describe("the article's pipeline with the command line on GitLab CI", () => {
  test('main, then a new branch feature/x (push pipelines): both jobs of the branch run zero RUN steps', async () => {
    const repo = uniqueRepo('cli-gitlab');
    const context = pipelineContext();
    await mainPipeline(repo, context);
    const deps = await cliJob({
      context,
      repo,
      job: 'dependencies',
      vars: gitlabPush('feature/x'),
      tag: 'deps-feature-x',
    });
    ok(deps);
    expect(deps.steps).toMatchObject({ total: 3, ran: 0 });
    const final = await cliJob({ context, repo, job: 'final', vars: gitlabPush('feature/x'), tag: 'feature-x' });
    ok(final);
    expect(final.steps).toMatchObject({ total: 5, ran: 0 });
    expect(final.stderr).toMatch(/Cache hit: all \d+ steps came from the cache/);
    expect(await registryTags(E.registry, repo)).toEqual(
      expect.arrayContaining(['cache.dependencies.feature_x', 'cache.build.feature_x']),
    );
  });

  test('a merge request from a fork: all cached from main, and nothing written', async () => {
    const repo = uniqueRepo('cli-fork');
    const context = pipelineContext();
    await mainPipeline(repo, context);
    const final = await cliJob({
      context,
      repo,
      job: 'final',
      vars: gitlabMergeRequest('feature/fork', 'main', true),
      tag: 'fork',
    });
    ok(final);
    expect(final.steps).toMatchObject({ total: 5, ran: 0 });
    expect(final.stderr).toMatch(/cache export disabled: .*fork/);
    const tags = await registryTags(E.registry, repo);
    expect(tags.filter((t) => t.includes('feature-fork'))).toEqual([]);
  });
});

test("a failed build: the command's exit status is buildx's", async () => {
  const context = fixture({ Dockerfile: FAILING_STAGE });
  const job = await cliJob({ context, repo: uniqueRepo('cli-fail'), job: 'final', vars: gitlabPush('main'), tag: 'x' });
  expect(job.code).toBe(1);
  expect(job.stderr.trim().split('\n').pop()).toBe(
    'buildx-branch-cache: docker buildx build failed with exit code 1: see the build log above',
  );
});
