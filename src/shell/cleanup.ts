// Cleanup, start to end (`cleanup: true`): reads the inputs, the event and the
// Dockerfile's stages, deletes the gone branch's cache tags (or, in a dry run,
// lists them), and writes the `deleted-refs` output and a job summary section.
// The front door passes its Host (host.ts), as for a build (pipeline.ts).
import { join } from 'node:path';
import { cleanupBranch, planCleanup, type CleanupPlan } from '../core/cleanup.js';
import { cleanupSummary, deletedRefs, resultLines, type TagResult } from '../core/cleanup-report.js';
import { parseKeepFor, whyKept } from '../core/keep-for.js';
import { cacheScope, knownStages } from '../core/decide.js';
import { errorMessage, InputError } from '../core/errors.js';
import { deleteGhcrTags, GHCR_HOST, GhcrClient } from '../registry/ghcr.js';
import { parseBool, secretInputValues, type InputGetter, withDefaults } from '../core/input-getter.js';
import { parseConfig, type Config } from '../core/inputs.js';
import { checkNamePart } from '../core/plan.js';
import { dockerCredentials } from '../registry/credential-helper.js';
import { dockerConfigPath, readDockerConfig } from '../registry/credentials.js';
import { deleteRegistryTags } from '../registry/delete-tags.js';
import { parseRepository } from '../registry/reference.js';
import { RegistryClient } from '../registry/registry.js';
import { parseStages } from '../core/stages.js';
import { parseList } from '../core/lists.js';
import { eventContext } from './event.js';
import type { Host } from './host.js';
import { readDockerfile } from './prepare.js';

/**
 * The longest `request-timeout`: an hour is already far past any registry's
 * patience (and timers overflow past 24 days).
 */
const MAX_REQUEST_TIMEOUT_S = 3600;

/** `request-timeout` in milliseconds: seconds, more than 0 and at most an hour. */
export function parseRequestTimeout(raw: string): number {
  const v = raw.trim() || '30';
  const s = /^\d+(\.\d+)?$|^\.\d+$/.test(v) ? Number(v) : NaN;
  if (!(s > 0 && s <= MAX_REQUEST_TIMEOUT_S)) {
    throw new InputError(
      'request-timeout',
      `"${raw}" is not a number of seconds (more than 0, at most ${MAX_REQUEST_TIMEOUT_S}): e.g. 30`,
    );
  }
  return Math.round(s * 1000);
}

/** What cleanup needs of its front door. */
export type CleanupHost = Pick<Host, 'info' | 'warn' | 'setOutput' | 'fail' | 'setSecret' | 'summary'>;

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

interface Deletion {
  results: TagResult[];
  /** For the summary: which registry and how. */
  where: string;
}

export async function deleteTags(
  image: string,
  tags: string[],
  opts: { dryRun: boolean; token: string; timeoutMs: number; env: NodeJS.ProcessEnv; io: CleanupHost },
): Promise<Deletion> {
  const ref = parseRepository(image);
  if (ref.host === GHCR_HOST) {
    if (opts.token === '') {
      throw new InputError(
        'github-token',
        'is required to delete from ghcr.io (through the GitHub Packages API): set ' +
          '`github-token: ${{ github.token }}` and give the job `permissions: packages: write`',
      );
    }
    const client = new GhcrClient({ token: opts.token, apiUrl: opts.env.GITHUB_API_URL, timeoutMs: opts.timeoutMs });
    const results = await deleteGhcrTags(client, image, tags, { dryRun: opts.dryRun });
    // No package in sight: none was ever pushed, or the token cannot see it. Say so, without failing.
    const unseen = results.find((r) => r.state === 'not found' && r.detail);
    if (unseen)
      opts.io.warn(
        `${unseen.detail}: nothing was deleted; if the package exists, give ` +
          `the token packages: write (and the repository access to the package)`,
      );
    return { results, where: `${GHCR_HOST}, through the GitHub Packages API` };
  }
  const configPath = dockerConfigPath(opts.env);
  const lookup = await dockerCredentials(readDockerConfig(configPath), ref.host, opts.env);
  if (lookup.note) opts.io.warn(lookup.note);
  opts.io.info(`${ref.host}: ${lookup.credentials ? `credentials from ${configPath}` : 'no credentials (anonymous)'}`);
  const client = new RegistryClient(ref, { credentials: lookup.credentials, timeoutMs: opts.timeoutMs });
  return {
    results: await deleteRegistryTags(client, tags, { dryRun: opts.dryRun }),
    where: `${ref.host}, through the registry API (${client.baseUrl})`,
  };
}

/** The cleanup step, start to end. Never throws: failures end in io.fail. */
export async function runCleanup(
  get: InputGetter,
  io: CleanupHost,
  env: NodeJS.ProcessEnv = process.env,
  now: () => Date = () => new Date(),
): Promise<void> {
  const input = withDefaults(get);
  let summary: string | undefined;
  try {
    for (const secret of secretInputValues(get)) io.setSecret(secret);
    const token = input('github-token').trim();
    const dryRun = parseBool('dry-run', input('dry-run'));
    const timeoutMs = parseRequestTimeout(input('request-timeout'));
    const keepFor = parseKeepFor(input('keep-for'));
    const config = parseConfig(get);
    if (config.cacheType !== 'registry' && config.cacheType !== 'inline') {
      throw new InputError(
        'cache-type',
        `cleanup deletes registry cache tags, and ${config.cacheType} caches are not in ` +
          `a registry: remove the step, or let the ${config.cacheType} store expire them`,
      );
    }
    if (config.image === undefined)
      throw new InputError('image', 'is required for cleanup: the repository that holds the cache tags');
    const image = config.image.repository;
    const scope = cacheScope(config);

    const event = eventContext(env);
    const protectedBranches = parseList(input('protected-branches'), { input: 'protected-branches', commas: true });
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

    const bad = results.filter((r) => r.state === 'failed' || r.state === 'unsupported');
    if (bad.length > 0) {
      io.fail(
        `could not delete ${bad.length} of ${results.length} cache ` +
          `tag(s) of ${image}: ${bad[0]!.detail ?? bad[0]!.state}`,
      );
    }
  } catch (e) {
    io.fail(errorMessage(e));
  } finally {
    if (summary !== undefined && io.summary) {
      try {
        await io.summary(summary);
      } catch (e) {
        io.warn(`could not write the job summary: ${errorMessage(e)}`);
      }
    }
  }
}
