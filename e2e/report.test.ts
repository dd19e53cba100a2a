// Issue: show the cache at work. Probing, hit counts, the first step that ran,
// export failures and the job summary, on the real engine.
import { afterAll, describe, expect, test } from '@jest/globals';
import { pushEvent } from '../scripts/action-harness.mjs';
import { engine, uniqueRepo } from './lib.js';
import { actionJob, pipelineContext } from './pipeline.js';
import { removeTempDirs } from '../__tests__/temp-dirs.js';

const E = engine();
// What the file made in os.tmpdir() (fixture(), tempDir()), removed after its tests.
afterAll(removeTempDirs);
const IMPORTER_NOT_FOUND = /failed to configure registry cache importer/;

function ok(job: { result: { code: number; stdout: string; stderr: string } }): void {
  if (job.result.code !== 0)
    throw new Error(`action failed (${job.result.code}):\n${job.result.stdout}\n${job.result.stderr}`);
}

/** A fresh repository with main's two jobs done: the first is reported cold. */
async function withMain(
  name: string,
): Promise<{ repo: string; context: string; deps: Awaited<ReturnType<typeof actionJob>> }> {
  const repo = uniqueRepo(name);
  const context = pipelineContext({ sleep: 0 });
  const deps = await actionJob({ context, repo, event: pushEvent('main'), job: 'dependencies' });
  ok(deps);
  ok(await actionJob({ context, repo, event: pushEvent('main'), job: 'final' }));
  return { repo, context, deps };
}

describe('cache report', () => {
  test('a first build on main is reported cold; only the planned refs that exist are imported', async () => {
    const { repo, deps } = await withMain('report-cold');
    ok(deps);
    expect(deps.result.stdout).toContain('No cache exists for this branch or its fallbacks: this is a cold build.');
    expect(deps.result.outputs['cache-from']).toBe('');
    expect(deps.result.outputs['cache-hit']).toBe('false');
    expect(deps.result.stdout + deps.result.stderr).not.toMatch(IMPORTER_NOT_FOUND);
    expect(deps.result.summary).toContain(
      '| `cache.dependencies.main` | `main` | `dependencies` | ➖ missing (skipped) |',
    );
    expect(deps.result.summary).toContain(`- **Cache:** registry in \`${E.registry}/${repo}\``);
    expect(deps.result.summary).toContain('✅ saved');
  });

  test("a new branch: its own missing refs are not passed to buildx, main's build ref is (it holds the deps ref's records), and the log has no importer error", async () => {
    const { repo, context } = await withMain('report-new');
    const final = await actionJob({ context, repo, event: pushEvent('feature/new'), job: 'final' });
    ok(final);
    const args = JSON.parse(final.result.outputs['args']!) as string[];
    const from = args.filter((_a, i) => args[i - 1] === '--cache-from');
    expect(from).toEqual([`type=registry,ref=${E.registry}/${repo}:cache.build.main`]);
    expect(final.result.stdout + final.result.stderr).not.toMatch(IMPORTER_NOT_FOUND);
    // Fully cached: the outputs agree with the counts.
    expect(final.result.outputs['cache-hit']).toBe('true');
    expect(final.result.outputs['cached-steps']).toBe(final.result.outputs['total-steps']);
    expect(Number(final.result.outputs['total-steps'])).toBe(8); // 6 in dependencies (COPY and RUN), 2 in build
    expect(final.result.stdout).toContain('Cache hit: all 8 steps came from the cache.');
    const s = final.result.summary;
    expect(s).toContain('**Cache hit: all 8 steps came from the cache.**');
    expect(s).toContain('| `cache.build.feature_new` | `feature/new` | `build` | ➖ missing (skipped) |');
    expect(s).toContain('| `cache.build.main` | `main` | `build` | ✅ imported |');
    expect(s).toContain(
      '| `cache.dependencies.main` | `main` | `dependencies` | ⏭️ left out: contained in `cache.build.main` |',
    );
    // The export's footprint, read from its manifest: config and layers, "up to" (blobs may be shared).
    expect(s).toMatch(/\| `cache\.build\.feature_new` \| ✅ saved \(up to \d+(\.\d)? (B|KiB|MiB)\) \|/);
    expect(final.result.stdout).toMatch(
      /cache saved to \S+:cache\.build\.feature_new \(up to \d+(\.\d)? (B|KiB|MiB)\)/,
    );
    expect(s).toContain('| `dependencies` | 6 / 6 | — |');
    expect(s).toContain('| `build` | 2 / 2 | — |');
  });

  test('the control: with probe-cache false the missing refs go to BuildKit, which logs importer errors', async () => {
    const repo = uniqueRepo('report-unprobed');
    const context = pipelineContext({ sleep: 0 });
    const final = await actionJob({
      context,
      repo,
      event: pushEvent('feature/unprobed'),
      job: 'final',
      inputs: { 'probe-cache': 'false' },
    });
    ok(final);
    expect(final.result.stdout).toMatch(IMPORTER_NOT_FOUND);
    expect(final.result.outputs['cache-from']).toContain('cache.build.feature_unprobed');
  });

  test('a changed source file: the first step that ran is the one after the change', async () => {
    const { repo } = await withMain('report-changed');
    const changed = pipelineContext({ sleep: 0, source: 'console.log("changed")\n' });
    const final = await actionJob({ context: changed, repo, event: pushEvent('feature/src'), job: 'final' });
    ok(final);
    expect(final.result.outputs['cache-hit']).toBe('false');
    // The COPY of the sources ran in dependencies, so it is the first to miss there; in build the first RUN.
    expect(final.result.stdout).toContain(
      'stage dependencies: 5/6 steps cached; first step that ran: COPY src/ /app/src/',
    );
    expect(final.result.stdout).toContain(
      'stage build: 0/2 steps cached; first step that ran: RUN cat /app/src/*.js > /app/bundle.js && sleep 0',
    );
    expect(final.result.summary).toContain('| `build` | 0 / 2 | `RUN cat /app/src/*.js > /app/bundle.js && sleep 0` |');
    expect(final.result.summary).toContain('**3 of 8 steps ran, 5 came from the cache.**');
  });

  test('an export the registry refuses: the build succeeds, a warning says the cache was not saved and why', async () => {
    const context = pipelineContext({ sleep: 0 });
    const authRepo = uniqueRepo('refused');
    const job = await actionJob({
      context,
      repo: authRepo,
      event: pushEvent('main'),
      job: 'dependencies',
      inputs: { image: `${E.authRegistry}/${authRepo}`, push: 'false', tags: '' },
    });
    ok(job);
    expect(job.result.stdout).toMatch(
      /::warning::the cache was not saved to 127\.0\.0\.1:\d+\/e2e\/refused-[0-9a-f]+:cache.dependencies.main: .*401 Unauthorized/,
    );
    expect(job.result.summary).toMatch(/❌ not saved: .*401 Unauthorized/);
  });
});
