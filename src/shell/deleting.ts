// What the deleting modes (cleanup.ts, sweep.ts) share: their inputs read and
// checked, one way to delete tags of an image (GHCR through the Packages API,
// else the distribution API), the failure line, and the job summary at the end.
import type { TagResult } from '../core/cleanup-report.js';
import { errorMessage, InputError } from '../core/errors.js';
import { parseBool, secretInputValues, type InputGetter, withDefaults } from '../core/input-getter.js';
import { parseConfig, type Config } from '../core/inputs.js';
import { type KeepFor, parseKeepFor } from '../core/keep-for.js';
import { parseList } from '../core/lists.js';
import { dockerCredentials } from '../registry/credential-helper.js';
import { dockerConfigPath, readDockerConfig } from '../registry/credentials.js';
import { deleteRegistryTags } from '../registry/delete-tags.js';
import { deleteGhcrTags, GHCR_HOST, GhcrClient } from '../registry/ghcr.js';
import { parseRepository } from '../registry/reference.js';
import { RegistryClient } from '../registry/registry.js';
import type { Host } from './host.js';

/** What cleanup and sweep need of their front door. */
export type CleanupHost = Pick<Host, 'info' | 'warn' | 'setOutput' | 'fail' | 'setSecret' | 'summary'>;

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

export interface DeletingInputs {
  input: InputGetter;
  config: Config;
  /** The repository that holds the cache tags. */
  image: string;
  token: string;
  dryRun: boolean;
  timeoutMs: number;
  keep: KeepFor;
  protectedBranches: string[];
}

/** The inputs of a deleting mode, checked (secrets masked first); an InputError names what is wrong. */
export function deletingInputs(get: InputGetter, io: CleanupHost, mode: 'cleanup' | 'sweep'): DeletingInputs {
  const input = withDefaults(get);
  for (const secret of secretInputValues(get)) io.setSecret(secret);
  const token = input('github-token').trim();
  const dryRun = parseBool('dry-run', input('dry-run'));
  const timeoutMs = parseRequestTimeout(input('request-timeout'));
  const keep = parseKeepFor(input('keep-for'));
  const config = parseConfig(get);
  if (config.cacheType !== 'registry' && config.cacheType !== 'inline') {
    throw new InputError(
      'cache-type',
      `${mode} deletes registry cache tags, and ${config.cacheType} caches are not in ` +
        `a registry: remove the step, or let the ${config.cacheType} store expire them`,
    );
  }
  if (config.image === undefined)
    throw new InputError('image', `is required for ${mode}: the repository that holds the cache tags`);
  const protectedBranches = parseList(input('protected-branches'), { input: 'protected-branches', commas: true });
  return { input, config, image: config.image.repository, token, dryRun, timeoutMs, keep, protectedBranches };
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

/** The step's failure, when some tags could not be deleted. */
export function failedLine(image: string, results: readonly TagResult[]): string | undefined {
  const bad = results.filter((r) => r.state === 'failed' || r.state === 'unsupported');
  if (bad.length === 0) return undefined;
  const first = bad[0]!.detail ?? bad[0]!.state;
  return `could not delete ${bad.length} of ${results.length} cache tag(s) of ${image}: ${first}`;
}

/** The job summary, where the host has one; failing to write it is a warning, never the step's failure. */
export async function writeSummary(io: CleanupHost, summary: string | undefined): Promise<void> {
  if (summary === undefined || !io.summary) return;
  try {
    await io.summary(summary);
  } catch (e) {
    io.warn(`could not write the job summary: ${errorMessage(e)}`);
  }
}
