// What cleanup did, tag by tag: the deleted-refs output, the log lines and
// the job summary.
import type { CleanupPlan } from './cleanup.js';
import { cell, code, text } from './markdown.js';

export type TagState = 'deleted' | 'would delete' | 'not found' | 'kept' | 'failed' | 'unsupported';

export interface TagResult {
  tag: string;
  state: TagState;
  /** Why it was kept or failed; the digest or version deleted. */
  detail?: string;
}

/** The message for a registry that does not delete through any API we speak. */
export function unsupportedMessage(registry: string, answer: string): string {
  return (
    `${registry} does not delete manifests through the registry API (it answered ${answer}): ` +
    `set a retention policy there for the cache tags instead (e.g. Docker Hub's or ECR's lifecycle rules); ` +
    `a self-hosted distribution registry deletes once its storage.delete.enabled is true`
  );
}

/** The refs deleted (or, in a dry run, that would be): the `deleted-refs` output. */
export function deletedRefs(image: string, results: TagResult[]): string[] {
  return results.filter((r) => r.state === 'deleted' || r.state === 'would delete').map((r) => `${image}:${r.tag}`);
}

export function resultLines(image: string, results: TagResult[]): string[] {
  return results.map((r) => `${r.state}: ${image}:${r.tag}${r.detail ? ` (${r.detail})` : ''}`);
}

const ICON: Record<TagState, string> = {
  deleted: '🗑️',
  'would delete': '📝',
  'not found': '➖',
  kept: '🔒',
  failed: '❌',
  unsupported: '❌',
};

export function cleanupSummary(opts: {
  image: string;
  plan: CleanupPlan;
  results: TagResult[];
  dryRun: boolean;
  where: string;
}): string {
  const { plan, results } = opts;
  const branch = plan.branch ? `: ${code(plan.branch)}` : '';
  const title = `### buildx-branch-cache cleanup${branch}${opts.dryRun ? ' (dry run)' : ''}`;
  const lines = [title, '', `${text(plan.reason)}.`, ''];
  if (plan.branch === undefined) return lines.join('\n') + '\n';
  lines.push(`Registry: ${text(opts.where)}`, '', '| Cache ref | Result |', '|---|---|');
  for (const r of results) {
    const result = `${ICON[r.state]} ${r.state}${r.detail ? `: ${text(r.detail)}` : ''}`;
    lines.push(`| ${cell(code(`${opts.image}:${r.tag}`))} | ${cell(result)} |`);
  }
  const count = (s: TagState) => results.filter((r) => r.state === s).length;
  const done = opts.dryRun ? `${count('would delete')} would be deleted` : `${count('deleted')} deleted`;
  lines.push(
    '',
    `**${done}, ${count('not found')} not found, ${count('kept')} ` +
      `kept, ${count('failed') + count('unsupported')} failed.**`,
  );
  return lines.join('\n') + '\n';
}
