// What the user reads: the log group's lines and the job summary's Markdown.
import type { Decision } from './decide.js';

function code(s: string): string {
  // Backticks in a branch name would end the code span early.
  return '`' + s.replace(/`/g, "'") + '`';
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function logLines(d: Decision): string[] {
  const lines = [
    `branch: ${d.refs.branch ?? '(none)'}${d.branchSlug ? ` (slug ${d.branchSlug})` : ''}`,
    `fallbacks: ${d.refs.fallbacks.join(', ') || '(none)'}`,
    `default branch: ${d.refs.defaultBranch}`,
    `export cache: ${d.refs.exportCache ? 'yes' : 'no'}`,
    ...d.refs.reasons.map((r) => `why: ${r}`),
    `target stage: ${d.targetStage}; exports under stage: ${d.stage}; imports stages: ${d.importStages.join(', ')}`,
    ...d.plan.cacheFrom.map((c) => `cache-from: ${c}`),
    ...(d.plan.cacheTo.length > 0 ? d.plan.cacheTo.map((c) => `cache-to: ${c}`) : ['cache-to: (none, export disabled)']),
  ];
  return lines;
}

export function summaryMarkdown(d: Decision): string {
  const rows: string[][] = [
    ['Branch', d.refs.branch ? `${code(d.refs.branch)} → ${code(d.branchSlug)}` : '(none)'],
    ['Fallbacks', d.refs.fallbacks.map(code).join(' → ') || '(none)'],
    ['Stage', `${code(d.stage)} (imports ${d.importStages.map(code).join(', ')})`],
    ['Export', d.plan.export ? code(d.plan.export.ref) : 'disabled'],
    ['Why', d.refs.reasons.join('; ')],
  ];
  const out = [
    '### buildx-branch-cache',
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${cell(v ?? '')} |`),
    '',
    '| Import (in order) | Branch | Stage |',
    '|---|---|---|',
    ...d.plan.imports.map((e) => `| ${code(e.ref)} | ${cell(code(e.branch))} | ${code(e.stage)} |`),
    '',
  ];
  return out.join('\n');
}
