// What a sweep found and did, branch by branch: the log lines and the job
// summary (sizes are "up to": a blob shared with a cache that stays is not freed).
import type { TagResult } from './cleanup-report.js';
import { formatBytes } from './bytes.js';
import { cell, code, text } from './markdown.js';
import type { BranchVerdict, TaggedBranch } from './sweep.js';

export interface SweptBranch {
  branch: TaggedBranch;
  verdict: BranchVerdict;
  /** Its tags are to go. */
  sweep: boolean;
  why: string;
  /** Its caches' manifests and layers, where they were read. */
  bytes?: number;
}

function branchName(b: TaggedBranch): string {
  return b.hash === undefined ? b.name : `${b.name}… (cut; hash ${b.hash})`;
}

const upTo = (bytes: number | undefined) => (bytes === undefined ? '' : `, up to ${formatBytes(bytes)}`);

/** One line per branch that is not live: kept and why, or to go. */
export function sweepLines(swept: readonly SweptBranch[]): string[] {
  return swept
    .filter((s) => s.verdict.state !== 'live')
    .map(
      (s) =>
        `${s.sweep ? 'sweep' : 'keep'}: ${branchName(s.branch)}: ${s.branch.tags.length} cache tag(s)` +
        `${upTo(s.bytes)} (${s.why})`,
    );
}

export function sweepSummary(opts: {
  image: string;
  swept: readonly SweptBranch[];
  results: readonly TagResult[];
  dryRun: boolean;
  where: string;
  keep: string;
}): string {
  const { swept, results } = opts;
  const live = swept.filter((s) => s.verdict.state === 'live');
  const others = swept.filter((s) => s.verdict.state !== 'live');
  const lines = [
    `### buildx-branch-cache sweep of ${code(opts.image)}${opts.dryRun ? ' (dry run)' : ''}`,
    '',
    `${live.length} live branch(es) keep their caches; ${others.length} other branch(es) have caches ` +
      `(keep-for ${text(opts.keep)}).`,
    '',
  ];
  if (others.length > 0) {
    lines.push('| Branch | Cache tags | Size (up to) | Verdict |', '|---|---|---|---|');
    for (const s of others) {
      const size = s.bytes === undefined ? 'not read' : formatBytes(s.bytes);
      const verdict = `${s.sweep ? (opts.dryRun ? '📝 would sweep' : '🗑️ sweep') : '🔒 kept'}: ${text(s.why)}`;
      lines.push(`| ${cell(code(branchName(s.branch)))} | ${s.branch.tags.length} | ${size} | ${cell(verdict)} |`);
    }
    lines.push('');
  }
  const count = (state: TagResult['state']) => results.filter((r) => r.state === state).length;
  const freed = others.filter((s) => s.sweep).reduce((sum, s) => sum + (s.bytes ?? 0), 0);
  const done = opts.dryRun ? `${count('would delete')} would be deleted` : `${count('deleted')} deleted`;
  lines.push(
    `**${done}, ${count('kept')} kept, ${count('failed') + count('unsupported')} failed` +
      `${freed > 0 ? `; up to ${formatBytes(freed)}` : ''}.** Registry: ${text(opts.where)}`,
  );
  return `${lines.join('\n')}\n`;
}
