// What the user reads: the log's lines and the job summary's Markdown, from the
// decision and, after a build, what happened (probe, progress, export).
import { formatBytes } from './bytes.js';
import { cacheHome } from './backend.js';
import type { Decision } from './decide.js';
import { cell, code, text } from './markdown.js';
import type { ImportSelection } from './probe.js';
import type { ProgressReport, StageReport } from './step-report.js';

export type ExportState =
  | { state: 'saved' }
  | { state: 'not saved'; why: string }
  | { state: 'disabled'; why: string }
  | { state: 'not run' };

export interface Outcome {
  /** Undefined when the refs were not checked (probing off, or no Docker). */
  selection?: ImportSelection;
  progress?: ProgressReport;
  exitCode?: number;
  /** What the exported cache's manifest says it takes, where it was read (a registry cache). */
  exportBytes?: number;
}

/** Why this build writes no cache, from the reasons ref.ts gave. */
function disabledWhy(d: Decision): string {
  const why = d.refs.reasons.filter((r) => /fork|not a branch|temporary|imports only|export-cache/.test(r));
  return why.join('; ') || 'this build may not write the cache';
}

/** " (up to 12.3 MiB)": layers shared with other caches are stored once, so the export may add less. */
function upTo(bytes: number | undefined): string {
  return bytes === undefined ? '' : ` (up to ${formatBytes(bytes)})`;
}

export function exportState(d: Decision, o: Outcome): ExportState {
  if (!d.plan.export) return { state: 'disabled', why: disabledWhy(d) };
  if (!o.progress) return { state: 'not run' };
  // The inline cache has no export step of its own: it is saved when the image is pushed.
  if (d.backend.type === 'inline') {
    return o.exitCode === 0
      ? { state: 'saved' }
      : { state: 'not saved', why: `the build failed (exit code ${o.exitCode})` };
  }
  if (o.progress.exportErrors.length > 0) return { state: 'not saved', why: o.progress.exportErrors.join('; ') };
  if (o.progress.exported) return { state: 'saved' };
  return {
    state: 'not saved',
    why: o.exitCode ? `the build failed (exit code ${o.exitCode})` : 'BuildKit reported no cache export',
  };
}

/** Stages as the Dockerfile orders them (the progress stream orders them by whatever finished first). */
function inStageOrder(d: Decision, reported: StageReport[]): StageReport[] {
  // BuildKit calls the steps of a one-stage file `default`: show the stage's own name.
  const stages = reported.map((s) =>
    s.stage === 'default' && d.graph.stages.length === 1 ? { ...s, stage: d.targetStage } : s,
  );
  const order = (name: string) => {
    // BuildKit calls an unnamed stage stage-N (or default, in a one-stage file).
    const unnamed = /^stage-(\d+)$/.exec(name);
    if (unnamed) return Number(unnamed[1]);
    const i = d.graph.stages.findIndex((s) => (s.name ?? 'default') === name);
    return i === -1 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...stages].sort((a, b) => order(a.stage) - order(b.stage));
}

function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

/** One line on how the cache did, for the log and the summary's headline. */
export function headline(o: Outcome): string | undefined {
  const p = o.progress;
  if (!p)
    return o.selection?.cold ? 'No cache exists for this branch or its fallbacks: this is a cold build.' : undefined;
  const ran = p.total - p.cached;
  if (p.total === 0) return 'The build has no cacheable steps.';
  if (p.cacheHit) return `Cache hit: all ${p.total} steps came from the cache.`;
  const cold = o.selection?.cold ? ' No cache existed for this branch or its fallbacks: this was a cold build.' : '';
  return `${ran} of ${p.total} steps ran, ${p.cached} came from the cache.${cold}`;
}

export function logLines(d: Decision): string[] {
  return [
    `branch: ${d.refs.branch ?? '(none)'}${d.branchSlug ? ` (slug ${d.branchSlug})` : ''}`,
    `fallbacks: ${d.refs.fallbacks.join(', ') || '(none)'}`,
    `default branch: ${d.refs.defaultBranch}`,
    `export cache: ${d.refs.exportCache ? 'yes' : 'no'}`,
    ...d.refs.reasons.map((r) => `why: ${r}`),
    `target stage: ${d.targetStage}; exports under stage: ${d.stage}; imports stages: ${d.importStages.join(', ')}`,
    ...d.plan.cacheFrom.map((c) => `cache-from: ${c}`),
    ...(d.plan.cacheTo.length > 0
      ? d.plan.cacheTo.map((c) => `cache-to: ${c}`)
      : ['cache-to: (none, export disabled)']),
  ];
}

/** After the build: per stage, and where the cache stopped matching. */
export function resultLines(d: Decision, o: Outcome): string[] {
  const lines: string[] = [];
  const h = headline(o);
  if (h) lines.push(h);
  for (const s of inStageOrder(d, o.progress?.stages ?? [])) {
    const first = s.firstRan ? `; first step that ran: ${s.firstRan.name}` : '';
    lines.push(`stage ${s.stage}: ${s.cached}/${s.total} steps cached${first}`);
  }
  const ex = exportState(d, o);
  // Stryker disable OptionalChaining: exportState says saved or not saved only when there is a d.plan.export
  if (ex.state === 'saved') lines.push(`cache saved to ${d.plan.export?.ref}${upTo(o.exportBytes)}`);
  if (ex.state === 'not saved') lines.push(`cache NOT saved to ${d.plan.export?.ref}: ${ex.why}`);
  // Stryker restore OptionalChaining
  if (ex.state === 'disabled') lines.push(`cache export disabled: ${ex.why}`);
  return lines;
}

function importState(d: Decision, ref: string, o: Outcome): string {
  const r = o.selection?.states.get(ref);
  if (!r) return o.selection ? 'not checked' : 'imported (not checked)';
  if (r.state === 'unknown') return `⚠️ could not check: ${text(r.detail ?? 'unknown error')}`;
  // Stryker disable next-line OptionalChaining: r came from o.selection, so it is set here
  const v = o.selection?.verdicts.get(ref);
  if (r.state === 'missing' || v === undefined) return '➖ missing (skipped)';
  if (v.why === 'unreadable')
    return `✅ imported, ⚠️ not compared: ${text(r.detail ?? 'its content could not be read')}`;
  if (v.imported) return '✅ imported';
  // The other ref is named as in the table's first column.
  const other = d.plan.imports.find((e) => e.ref === v.other);
  const otherName = other ? code(other.name) : '';
  if (v.why === 'contained') return `⏭️ left out: contained in ${otherName || 'the imported refs'}`;
  if (v.why === 'diverges') return `⏭️ left out: diverges from ${otherName}`;
  return '⏭️ left out: holds no cache records';
}

export function summaryMarkdown(d: Decision, o: Outcome = {}): string {
  const out: string[] = [`### buildx-branch-cache: ${d.refs.branch ? code(d.refs.branch) : 'no branch'}`, ''];
  const h = headline(o);
  if (h) out.push(`**${h}**`, '');
  const home = cacheHome(d.backend);
  out.push(
    `- **Branch:** ${d.refs.branch ? `${code(d.refs.branch)} (tag slug ${code(d.branchSlug)})` : 'none'}`,
    `- **Fallbacks:** ${d.refs.fallbacks.map(code).join(' → ') || 'none'}`,
    `- **Stage:** ${code(d.stage)}, importing ${d.importStages.map(code).join(', ')}`,
    `- **Cache:** ${d.backend.type}${home ? ` in ${code(home)}` : ''}`,
    `- **Why:** ${text(d.refs.reasons.join('; '))}`,
    '',
    '#### Cache imports, in order of preference',
    '',
    ...table(
      ['Cache', 'Branch', 'Stage', 'State'],
      d.plan.imports.map((e) => [
        `${code(e.name)}${e.legacy ? ' (0.1 tag)' : ''}`,
        code(e.branch),
        code(e.stage),
        importState(d, e.ref, o),
      ]),
    ),
    '',
    '#### Cache export',
    '',
  );
  const ex = exportState(d, o);
  const exRef = d.plan.export ? code(d.plan.export.name) : '(none)';
  const exText =
    ex.state === 'saved'
      ? `✅ saved${upTo(o.exportBytes)}`
      : ex.state === 'not saved'
        ? `❌ not saved: ${text(ex.why)}`
        : ex.state === 'disabled'
          ? `export disabled: ${text(ex.why)}`
          : 'not run (no build)';
  out.push(...table(['Cache', 'Result'], [[exRef, exText]]), '');
  if (o.progress && o.progress.stages.length > 0) {
    out.push(
      '#### Steps',
      '',
      ...table(
        ['Stage', 'Cached / total', 'First step that ran'],
        inStageOrder(d, o.progress.stages).map((s) => [
          code(s.stage),
          `${s.cached} / ${s.total}`,
          s.firstRan ? code(s.firstRan.name) : '—',
        ]),
      ),
      '',
    );
  }
  return out.join('\n');
}

/** The summary of a run that failed before it had a plan (a bad input, a malformed event payload): the error. */
export function failureMarkdown(message: string): string {
  const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `### buildx-branch-cache: failed before planning\n\n<pre>${escaped}</pre>\n`;
}
