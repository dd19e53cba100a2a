import { deletedRefs, resultLines, type TagResult } from '../core/cleanup-report.js';
import { errorMessage, InputError } from '../core/errors.js';
import { parseBool, type InputGetter } from '../core/input-getter.js';
import { mapLimit } from '../core/map-limit.js';
import { checkNamePart } from '../core/plan.js';
import { branchesOfTags, branchVerdict, latest, newestCreatedAt, type LastSeen, sweepNow } from '../core/sweep.js';
import { type SweptBranch, sweepLines, sweepSummary } from '../core/sweep-report.js';
import { GHCR_HOST, GhcrClient, ghcrPackage } from '../registry/ghcr.js';
import { parseRepository } from '../registry/reference.js';
import { openRegistry } from './registry-lookup.js';
import { manifestBytes } from '../core/cache-content.js';
import { type CleanupHost, deleteTags, deletingInputs, failedLine, writeSummary } from './deleting.js';
import { pruneLines, pruneUntagged } from './prune.js';
import { text } from '../core/markdown.js';

/** What the front door knows of the repository's branches. */
export interface LiveBranches {
  branches: string[];
  defaultBranch: string;
  /** Where the list came from, for the log. */
  where: string;
}

/** Where a front door learns which branches are live. */
export interface BranchSource {
  liveBranches(): Promise<LiveBranches>;
  /** When the branch's last pull request closed, where the front door can ask (the GitHub API). */
  closedAt?(branch: string): Promise<LastSeen | undefined>;
}

export interface SweepHost extends CleanupHost {
  /** The branch source, with the sweep's github-token and request timeout. */
  branches(token: string, timeoutMs: number): BranchSource;
}

const CONCURRENCY = 8;

/** The image's tags, and per tag what the registry says of its time (GHCR's version `updated_at`). */
interface Listing {
  tags: string[];
  updated: Map<string, LastSeen>;
  /** Manifest reads, for the tags of gone branches only (distribution registries). */
  read?: (tag: string) => Promise<{ seen?: LastSeen; bytes?: number }>;
}

async function listImage(image: string, token: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<Listing> {
  const ref = parseRepository(image);
  if (ref.host === GHCR_HOST) {
    if (token === '') throw new InputError('github-token', 'is required to sweep ghcr.io (the GitHub Packages API)');
    const found = await new GhcrClient({ token, apiUrl: env.GITHUB_API_URL, timeoutMs }).versions(ghcrPackage(image));
    const updated = new Map<string, LastSeen>();
    const tags: string[] = [];
    for (const v of found?.versions ?? []) {
      const at = Date.parse(v.updated_at ?? '');
      for (const tag of v.metadata?.container?.tags ?? []) {
        tags.push(tag);
        if (!Number.isNaN(at)) updated.set(tag, { at: new Date(at), source: 'its package version updated' });
      }
    }
    return { tags, updated };
  }
  const registry = await openRegistry(image, { env, timeoutMs });
  if ('failure' in registry) throw new Error(registry.failure);
  const { client } = registry;
  // A manifest that cannot be read says nothing of its time: the branch's other signs (or none) decide.
  const read = async (tag: string) => {
    const manifest = await client.manifest(tag).catch(() => undefined);
    const at = newestCreatedAt(manifest);
    return { seen: at && { at, source: 'its newest cache layer made' }, bytes: manifestBytes(manifest) };
  };
  return { tags: await client.tags(), updated: new Map(), read };
}

/** The sweep step, start to end. Never throws: failures end in io.fail. */
export async function runSweep(
  get: InputGetter,
  io: SweepHost,
  env: NodeJS.ProcessEnv = process.env,
  now: () => Date = () => new Date(),
): Promise<void> {
  let summary: string | undefined;
  try {
    const { input, config, image, token, dryRun, timeoutMs, keep, protectedBranches } = deletingInputs(
      get,
      io,
      'sweep',
    );
    const prefix = checkNamePart('cache-tag-prefix', config.prefix);

    const source = io.branches(token, timeoutMs);
    const live = await source.liveBranches();
    // An empty or defaultless list is a failed look-up, not a repository without branches: never sweep on it.
    if (live.branches.length === 0 || !live.branches.includes(live.defaultBranch))
      throw new Error(
        `${live.where} listed ${live.branches.length} branch(es), without the default branch ` +
          `${live.defaultBranch}: refusing to sweep on a list that cannot be complete`,
      );
    io.info(
      `buildx-branch-cache sweep${dryRun ? ' (dry run)' : ''}: ${live.branches.length} live branch(es) (${live.where})`,
    );
    const listing = await listImage(image, token, timeoutMs, env);
    const { branches, foreign } = branchesOfTags(listing.tags, prefix);
    io.info(
      `${image}: ${listing.tags.length} tag(s), ${listing.tags.length - foreign} of them cache tags under "${prefix}"`,
    );

    const swept: SweptBranch[] = await mapLimit(branches, CONCURRENCY, async (b): Promise<SweptBranch> => {
      const verdict = branchVerdict(b, live.branches, live.defaultBranch, protectedBranches);
      if (verdict.state !== 'gone')
        return { branch: b, verdict, sweep: false, why: verdict.state === 'live' ? 'live' : verdict.why };
      const reads = listing.read ? await mapLimit(b.tags, CONCURRENCY, (t) => listing.read!(t)) : [];
      const closed = b.hash === undefined && source.closedAt ? await source.closedAt(b.name) : undefined;
      const seen = latest([...b.tags.map((t) => listing.updated.get(t)), ...reads.map((r) => r.seen), closed]);
      const bytes = reads.some((r) => r.bytes !== undefined)
        ? reads.reduce((s, r) => s + (r.bytes ?? 0), 0)
        : undefined;
      return { branch: b, verdict, ...sweepNow(seen, keep, now()), ...(bytes !== undefined ? { bytes } : {}) };
    });
    for (const line of sweepLines(swept)) io.info(line);

    const doomed = swept.filter((s) => s.sweep).flatMap((s) => s.branch.tags);
    let results: TagResult[] = [];
    let where = 'nothing to delete';
    if (doomed.length > 0) {
      ({ results, where } = await deleteTags(image, doomed, { dryRun, token, timeoutMs, env, io }));
      for (const line of resultLines(image, results)) io.info(line);
    }
    io.setOutput('deleted-refs', deletedRefs(image, results).join('\n'));
    summary = sweepSummary({ image, swept, results, dryRun, where, keep: keep.text });
    if (parseBool('prune-untagged', input('prune-untagged'))) {
      if (parseRepository(image).host !== GHCR_HOST) {
        io.warn(
          `prune-untagged: only ghcr.io lists untagged manifests (the GitHub Packages API); ` +
            `${parseRepository(image).host} needs its own garbage collection for them`,
        );
      } else {
        const pruned = await pruneUntagged({ image, token, dryRun, timeoutMs, env });
        const lines = pruneLines(image, pruned);
        for (const line of lines) io.info(line);
        summary += `\n**Untagged cache manifests${dryRun ? ' (dry run)' : ''}:** ${text(lines.at(-1)!)}\n`;
        const failed = pruned.results.filter((r) => r.state === 'failed');
        if (failed.length > 0)
          io.fail(`could not prune ${failed.length} untagged cache manifest(s): ${failed[0]!.detail}`);
      }
    }
    const failed = failedLine(image, results);
    if (failed !== undefined) io.fail(failed);
  } catch (e) {
    io.fail(errorMessage(e));
  } finally {
    await writeSummary(io, summary);
  }
}
