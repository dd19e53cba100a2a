// Merge, start to end (`merge: true`): reads and checks the inputs
// (core/merge.ts), runs `docker buildx imagetools create` to push one manifest
// list of the platform jobs' digests to every tag, reads the list back with
// `imagetools inspect`, and sets the `digest` output. The front door passes its
// Host (host.ts), as for cleanup (cleanup.ts).
import { errorMessage } from '../core/errors.js';
import { secretInputValues, type InputGetter } from '../core/input-getter.js';
import {
  imagetoolsCreateArgs,
  imagetoolsInspectArgs,
  mergeConfig,
  parsePushedList,
  repeatedPlatforms,
} from '../core/merge.js';
import type { Host } from './host.js';
import { docker, type ProcResult } from './proc.js';

/** What merge needs of its front door. */
export type MergeHost = Pick<Host, 'info' | 'warn' | 'setOutput' | 'fail' | 'setSecret' | 'showCommand'>;

/** Copying a large image's layers from another repository takes a while; a hung registry should not take forever. */
const CREATE_TIMEOUT_MS = 30 * 60 * 1000;
const INSPECT_TIMEOUT_MS = 2 * 60 * 1000;

/** docker's result, or an Error that says what failed and why (its last lines of output). */
function checked(what: string, r: ProcResult, timeoutMs: number): ProcResult {
  if (r.missing) {
    throw new Error(`${what}: docker is not installed: merge runs docker buildx imagetools, on a runner with Docker`);
  }
  if (r.timedOut) throw new Error(`${what}: gave no result within ${timeoutMs / 1000} s`);
  if (r.code !== 0) {
    const tail = r.output.trim().split('\n').slice(-5).join(' / ');
    throw new Error(`${what} failed with exit code ${r.code ?? 'none'}: ${tail}`);
  }
  return r;
}

/** The merge step, start to end. Never throws: failures end in io.fail. */
export async function runMerge(get: InputGetter, io: MergeHost, run = docker): Promise<void> {
  try {
    for (const secret of secretInputValues(get)) io.setSecret(secret);
    const m = mergeConfig(get);
    for (const d of m.duplicates) io.warn(`digests: ${d} is listed more than once: it is merged once`);
    io.info(`buildx-branch-cache merge: ${m.sources.length} image(s) into one list, pushed to ${m.tags.join(', ')}`);

    const args = imagetoolsCreateArgs(m);
    io.setOutput('args', JSON.stringify(args));
    io.showCommand(`docker ${args.join(' ')}`);
    const created = checked('docker buildx imagetools create', await run(args, CREATE_TIMEOUT_MS), CREATE_TIMEOUT_MS);
    if (created.output.trim() !== '') io.info(created.output.trimEnd());

    const inspect = imagetoolsInspectArgs(m.builder, m.tags[0]!);
    const shown = checked(
      'docker buildx imagetools inspect',
      await run(inspect, INSPECT_TIMEOUT_MS),
      INSPECT_TIMEOUT_MS,
    );
    const list = parsePushedList(shown.output);
    io.setOutput('digest', list.digest);
    io.info(
      `digest: ${list.digest} (${list.mediaType || 'no media type'}): ` +
        `${list.platforms.join(', ') || 'no platform'}` +
        (list.attestations > 0 ? `, and ${list.attestations} attestation manifest(s)` : ''),
    );
    const repeated = repeatedPlatforms(list);
    if (repeated.length > 0) {
      io.warn(
        `the list holds ${[...new Set(repeated)].join(', ')} more than once: two of the digests are ` +
          'images of the same platform (one digest per platform job is meant)',
      );
    }
  } catch (e) {
    io.fail(errorMessage(e));
  }
}
