// The README's cleanup workflow, through the bundled action (dist/index.js) as
// the runner runs it, against a local server that answers like the GitHub
// Packages REST API (__tests__/fake-github.ts). The GHCR client and runCleanup
// in this process: __tests__/ghcr.test.ts.
import { afterEach, describe, expect, test } from '@jest/globals';
import { runAction } from '../../scripts/action-harness.mjs';
import { acmeVersions, closeFakeGitHubs, deletePayload, fakeGitHub, TOKEN, workspace } from '../fake-github.js';
import { stepInputs, workflows } from '../readme.js';

afterEach(closeFakeGitHubs);

describe("the README's cleanup workflow, through the bundle (dist/index.js) as the runner runs it", () => {
  const cleanupWorkflow = workflows.find((w) =>
    Object.values((w.jobs ?? {}) as Record<string, { steps?: { with?: Record<string, unknown> }[] }>).some((j) =>
      j.steps?.some((st) => st.with?.cleanup),
    ),
  );

  test('it runs on delete and on closed pull requests, with packages: write', () => {
    expect(cleanupWorkflow).toBeDefined();
    expect(Object.keys(cleanupWorkflow!.on as object).sort()).toEqual(['delete', 'pull_request']);
    expect(cleanupWorkflow!.on).toMatchObject({ pull_request: { types: ['closed'] } });
    expect(cleanupWorkflow!.permissions).toMatchObject({ packages: 'write' });
  });

  test('its step deletes the deleted branch’s cache versions from GHCR', async () => {
    const job = Object.values(
      cleanupWorkflow!.jobs as Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>,
    )[0]!;
    const step = job.steps.find((st) => st.with?.cleanup)!;
    const inputs = stepInputs(step, { 'github.repository': 'acme/app', 'github.token': TOKEN });
    const gh = await fakeGitHub({ 'orgs/acme/app': acmeVersions() });
    const { dir } = workspace({});
    // As written: a delete event does not say whether the branch was merged, so its caches go at once.
    const r = await runAction({
      cwd: dir,
      inputs,
      env: { GITHUB_API_URL: gh.url },
      event: { name: 'delete', ref: 'refs/heads/main', payload: deletePayload },
    });
    expect([r.code, r.stdout.match(/::error::.*/)?.[0]]).toEqual([0, undefined]);
    expect(r.outputs['deleted-refs']).toBe(
      'ghcr.io/acme/app:cache.dependencies.feature_x\nghcr.io/acme/app:cache.build.feature_x',
    );
    expect(gh.requests.filter((q) => q.method === 'DELETE').map((q) => q.url)).toEqual([
      '/orgs/acme/packages/container/app/versions/21',
      '/orgs/acme/packages/container/app/versions/22',
    ]);
    // Masked (the runner then hides it), and never printed otherwise.
    expect(r.stdout).toContain(`::add-mask::${TOKEN}`);
    expect(r.stdout.replace(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN);
    expect(r.summary).toContain('### buildx-branch-cache cleanup: `feature/x`');

    // The protected branches of the example hold.
    const refused = await runAction({
      cwd: dir,
      inputs,
      env: { GITHUB_API_URL: gh.url },
      event: { name: 'delete', ref: 'refs/heads/main', payload: { ...deletePayload, ref: 'release/3' } },
    });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      '::error::cleanup: refusing to delete the caches of release/3: it matches "release/*" in protected-branches',
    );
  });
});
