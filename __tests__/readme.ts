// The README's examples, read once for the tests that hold the README to what
// the action does (action.test.ts, and the bundle's action.test.ts, cli.test.ts
// and ghcr.test.ts, which run them).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

/** The text of every ```yaml block. */
export const yamlBlocks: string[] = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

export interface WorkflowStep {
  uses?: string;
  with?: Record<string, unknown>;
  id?: string;
}

/** The whole workflows among the yaml blocks, parsed. */
export const workflows = yamlBlocks.map((b) => parse(b) as unknown).filter((d) => !Array.isArray(d)) as Record<
  string,
  unknown
>[];

/** Every step of every yaml block: a block is a whole workflow, or a fragment of steps. */
export const steps: WorkflowStep[] = yamlBlocks.flatMap((block) => {
  const doc = parse(block) as unknown;
  const list: unknown[] = Array.isArray(doc)
    ? doc
    : Object.values((doc as { jobs?: Record<string, { steps?: unknown[] }> }).jobs ?? {}).flatMap((j) => j.steps ?? []);
  return list as WorkflowStep[];
});

/** The steps that use this action. */
export const actionSteps = steps.filter((s) => s.uses?.startsWith('buildx-branch-cache/buildx-branch-cache@'));

/** A value with each `${{ expression }}` replaced by what `expressions` says, else `x`. */
export function substitute(value: unknown, expressions: Record<string, string>): string {
  return String(value).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => expressions[expr] ?? 'x');
}

/** A step's `with:` as action inputs, expressions substituted. */
export function stepInputs(step: WorkflowStep, expressions: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, substitute(v, expressions)]));
}
