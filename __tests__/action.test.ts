// action.yml, the code's defaults and the README's tables and examples, in
// agreement (read in this process). The bundle that action.yml runs, and the
// README's examples run through it: __tests__/bundle/action.test.ts.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { actionDefaults } from '../scripts/action-harness.mjs';
import { INPUTS } from '../src/core/input-table.js';
import { INPUT_DEFAULTS } from '../src/core/input-getter.js';
import { actionSteps, README, yamlBlocks } from './readme.js';

const root = join(import.meta.dirname, '..');
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
};

describe('action.yml', () => {
  test('declares exactly the inputs of the input table, in its order, with its defaults and descriptions', () => {
    // action.yml's inputs are written from src/core/input-table.ts by `npm run docs`.
    const declared = Object.entries(action.inputs).map(([name, spec]) => ({ name, ...spec }));
    const table = INPUTS.map((i) => ({
      name: i.name,
      description: i.description,
      default: i.actionDefault ?? i.default,
    }));
    expect(declared).toEqual(table);
    const defaults = actionDefaults();
    for (const [name, value] of Object.entries(INPUT_DEFAULTS)) expect([name, defaults[name]]).toEqual([name, value]);
  });

  test('no expression syntax in descriptions (the runner would evaluate it when it loads the action)', () => {
    const described = Object.entries(action.inputs).filter(([, spec]) => spec.description.includes('${{'));
    expect(described.map(([name]) => name)).toEqual([]);
    // The one expression default: the workflow's token, as build-push-action's github-token has it.
    const expressions = Object.entries(action.inputs).filter(([, spec]) => String(spec.default).includes('${{'));
    expect(expressions).toEqual([['github-token', expect.objectContaining({ default: '${{ github.token }}' })]]);
  });

  test('the outputs the code sets are declared', () => {
    const src = ['src/shell/pipeline.ts', 'src/shell/cleanup.ts']
      .map((f) => readFileSync(join(root, f), 'utf8'))
      .join('\n');
    const set = [...src.matchAll(/setOutput\('([a-z-]+)'/g)].map((m) => m[1]!);
    expect(set.length).toBeGreaterThan(5);
    for (const name of set) expect(Object.keys(action.outputs)).toContain(name);
  });
});

describe('README', () => {
  const readme = README;
  function table(heading: string): Map<string, string> {
    const start = readme.indexOf(heading);
    expect(start).toBeGreaterThanOrEqual(0);
    const rows = new Map<string, string>();
    for (const line of readme.slice(start).split('\n').slice(1)) {
      if (line.startsWith('#')) break;
      const m = /^\| `([a-z0-9-]+)` \|(.*)$/.exec(line);
      if (m) rows.set(m[1]!, m[2]!);
    }
    return rows;
  }

  test('the inputs table lists every input of action.yml with its default', () => {
    const rows = table('## Inputs');
    expect([...rows.keys()].sort()).toEqual(Object.keys(action.inputs).sort());
    for (const [name, spec] of Object.entries(action.inputs)) {
      const shown = spec.default ? `\`${spec.default}\`` : '';
      expect([name, rows.get(name)!.split('|')[0]!.trim()]).toEqual([name, spec.required ? '(required)' : shown]);
    }
  });

  test('the outputs table lists every output of action.yml', () => {
    expect([...table('## Outputs').keys()].sort()).toEqual(Object.keys(action.outputs).sort());
  });
});

describe('README workflow examples', () => {
  test('there are examples, and each uses only declared inputs', () => {
    expect(actionSteps.length).toBeGreaterThanOrEqual(3);
    for (const step of actionSteps)
      for (const key of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
  });

  test('outputs referenced by later steps exist', () => {
    const refs = yamlBlocks.flatMap((b) => [...b.matchAll(/steps\.[\w-]+\.outputs\.([\w-]+)/g)].map((m) => m[1]!));
    expect(refs.length).toBeGreaterThan(0);
    for (const name of refs) expect(Object.keys(action.outputs)).toContain(name);
  });
});
