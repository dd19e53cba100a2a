// The README's cleanup after the default branch's build (on: workflow_run),
// through the bundled action (dist/index.js) as the runner runs it, against a
// fake Packages API (__tests__/fake-github.ts): the merged branch's caches go
// at once, with no clock; a merged pull request's close keeps them (keep-for).
import { afterEach, describe, expect, test } from '@jest/globals';
import { runAction } from '../../scripts/action-harness.mjs';
import { acmeVersions, closeFakeGitHubs, fakeGitHub, TOKEN, workspace } from '../fake-github.js';
import { stepInputs, workflows, type WorkflowStep } from '../readme.js';

afterEach(closeFakeGitHubs);

const repository = { default_branch: 'main', full_name: 'acme/app', owner: { login: 'acme' } };

describe("the README's workflow_run cleanup, through the bundle", () => {
  const workflow = workflows.find((w) => (w.on as Record<string, unknown> | undefined)?.['workflow_run']);
  const step = () =>
    Object.values(workflow!.jobs as Record<string, { steps: WorkflowStep[] }>)[0]!.steps.find((s) => s.with?.cleanup)!;

  test('it runs on the completed build of main, and on closed pull requests', () => {
    expect(workflow).toBeDefined();
    expect(workflow!.on).toEqual({
      pull_request: { types: ['closed'] },
      workflow_run: { workflows: ['build'], types: ['completed'], branches: ['main'] },
    });
    expect(step().with).toMatchObject({ cleanup: true });
  });

  test('the completed build of a merge deletes the merged branch’s caches at once; a merged close keeps them', async () => {
    const inputs = stepInputs(step(), { 'github.repository': 'acme/app', 'github.token': TOKEN });
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() });
    const { dir } = workspace({});
    const merged = {
      action: 'closed',
      pull_request: {
        merged: true,
        merged_at: new Date(Date.now() - 60_000).toISOString(),
        head: { ref: 'feature/x', repo: { full_name: 'acme/app' } },
        base: { ref: 'main', repo: { full_name: 'acme/app' } },
      },
      repository,
    };
    const closed = await runAction({
      cwd: dir,
      inputs,
      env: { GITHUB_API_URL: gh.url },
      event: { name: 'pull_request', ref: 'refs/pull/12/merge', payload: merged },
    });
    expect([closed.code, closed.outputs['deleted-refs'], gh.requests]).toEqual([0, '', []]);
    expect(closed.stdout).toContain('within keep-for 7d: a later sweep or cleanup deletes them');

    const run = {
      action: 'completed',
      workflow_run: {
        event: 'push',
        head_branch: 'main',
        conclusion: 'success',
        head_commit: { message: 'Merge pull request #12 from acme/feature/x\n\nLogin form' },
      },
      repository,
    };
    const r = await runAction({
      cwd: dir,
      inputs,
      env: { GITHUB_API_URL: gh.url },
      event: { name: 'workflow_run', ref: 'refs/heads/main', payload: run },
    });
    expect([r.code, r.stdout.match(/::error::.*/)?.[0]]).toEqual([0, undefined]);
    expect(r.outputs['deleted-refs']).toBe(
      'ghcr.io/acme/app:cache.dependencies.feature_x\nghcr.io/acme/app:cache.build.feature_x',
    );
    expect(gh.requests.filter((q) => q.method === 'DELETE').map((q) => q.url)).toEqual([
      '/orgs/acme/packages/container/app/versions/21',
      '/orgs/acme/packages/container/app/versions/22',
    ]);
    expect(r.stdout).toContain('workflow_run of a push run on main: merged feature/x (#12)');
  });
});
