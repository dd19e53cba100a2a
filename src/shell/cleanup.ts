// Cleanup, start to end (`cleanup: true`): reads the inputs, the event and the
// Dockerfile's stages, deletes the gone branch's cache tags (or, in a dry run,
// lists them), and writes the `deleted-refs` output and a job summary section.
// The front door passes its Host (host.ts), as for a build (pipeline.ts).
import { join } from 'node:path';
import { cleanupBranch, planCleanup, type CleanupPlan } from '../core/cleanup.js';
import { cleanupSummary, deletedRefs, resultLines, type TagResult } from '../core/cleanup-report.js';
import { whyKept } from '../core/keep-for.js';
import { cacheScope, knownStages } from '../core/decide.js';
import { errorMessage, InputError } from '../core/errors.js';
import type { InputGetter } from '../core/input-getter.js';
import type { Config } from '../core/inputs.js';
import { checkNamePart } from '../core/plan.js';
import { parseStages } from '../core/stages.js';
import { eventContext } from './event.js';
import { readDockerfile } from './prepare.js';
import { type CleanupHost, deleteTags, deletingInputs, failedLine, writeSummary } from './deleting.js';

/** Every stage the branch may have a cache for: `cache-stages` as given, else all of the Dockerfile's. */
function stagesOf(config: Config): string[] {
  const extra = config.stage === undefined ? [] : [config.stage.toLowerCase()];
  if (config.cacheStages !== 'auto')
    return [...extra, ...config.cacheStages].map((s) => checkNamePart('cache-stages', s));
  const file = config.file ?? join(config.context, 'Dockerfile');
  const text = readDockerfile(
    file,
    'cleanup takes the stage names from the Dockerfile, so check out the repository first or list them in cache-stages',
  );
  const stages = knownStages(parseStages(text));
  if (stages.length === 0)
    throw new InputError('file', `${file} has no FROM instruction: point \`file\` at a Dockerfile`);
  return [...stages, ...extra].map((s) => checkNamePart('cache-stages', s));
}

/** The cleanup step, start to end. Never throws: failures end in io.fail. */
export async function runCleanup(
  get: InputGetter,
  io: CleanupHost,
  env: NodeJS.ProcessEnv = process.env,
  now: () => Date = () => new Date(),
): Promise<void> {
  let summary: string | undefined;
  try {
    const {
      config,
      image,
      token,
      dryRun,
      timeoutMs,
      keep: keepFor,
      protectedBranches,
    } = deletingInputs(get, io, 'cleanup');
    const scope = cacheScope(config);
    const event = eventContext(env);
    // Refused (or, for a closed pull request, skipped) before the Dockerfile is read.
    const gone = cleanupBranch(event, config.branch, protectedBranches);
    if (gone.branch === undefined) {
      // Nothing to do (a tag was deleted, a fork's or a protected branch's pull request): no Dockerfile needed.
      io.info(`buildx-branch-cache cleanup: ${gone.reason}`);
      io.setOutput('deleted-refs', '');
      summary = cleanupSummary({ image, plan: { ...gone, tags: [] }, results: [], dryRun, where: '' });
      return;
    }
    const plan: CleanupPlan = planCleanup({
      event,
      branch: config.branch,
      protectedBranches,
      prefix: checkNamePart('cache-tag-prefix', config.prefix),
      stages: stagesOf(config),
      scope,
    });

    const kept = whyKept(event, config.branch !== undefined, keepFor, now());
    if (kept !== undefined) {
      // The registry is not asked: the caches stay whatever it holds.
      io.info(`buildx-branch-cache cleanup: ${plan.reason}; keeping ${plan.tags.length} cache tag(s) of ${image}`);
      const results = plan.tags.map((tag): TagResult => ({ tag, state: 'kept', detail: kept }));
      for (const line of resultLines(image, results)) io.info(line);
      io.setOutput('deleted-refs', '');
      summary = cleanupSummary({ image, plan, results, dryRun, where: 'not asked (keep-for)' });
      return;
    }
    io.info(
      `buildx-branch-cache cleanup${dryRun ? ' (dry run)' : ''}: ` +
        `${plan.reason}; ${plan.tags.length} cache tag(s) of ${image}`,
    );
    const { results, where } = await deleteTags(image, plan.tags, { dryRun, token, timeoutMs, env, io });
    for (const line of resultLines(image, results)) io.info(line);
    io.setOutput('deleted-refs', deletedRefs(image, results).join('\n'));
    summary = cleanupSummary({ image, plan, results, dryRun, where });

    const failed = failedLine(image, results);
    if (failed !== undefined) io.fail(failed);
  } catch (e) {
    io.fail(errorMessage(e));
  } finally {
    await writeSummary(io, summary);
  }
}
