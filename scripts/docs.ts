// `npm run docs`: writes action.yml's inputs from the input table
// (src/core/input-table.ts), then the README's inputs and outputs tables from
// action.yml (between the <!-- inputs:start --> / <!-- outputs:start -->
// markers). Tests check that all three agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, parseDocument } from 'yaml';
import { INPUTS } from '../src/core/input-table.js';

const doc = parseDocument(readFileSync('action.yml', 'utf8'));
doc.set(
  'inputs',
  doc.createNode(Object.fromEntries(INPUTS.map((i) => [i.name, { description: i.description, default: i.actionDefault ?? i.default }]))),
);
const yaml = doc.toString({ lineWidth: 0, singleQuote: true });
writeFileSync('action.yml', yaml);

const action = parse(yaml) as {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
};
const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ').trim();
const inputs = [
  '| Input | Default | Description |',
  '|---|---|---|',
  ...Object.entries(action.inputs).map(
    ([name, spec]) =>
      `| \`${name}\` | ${spec.required ? '(required)' : spec.default ? `\`${spec.default}\`` : ''} | ${esc(spec.description)} |`,
  ),
].join('\n');
const outputs = [
  '| Output | Description |',
  '|---|---|',
  ...Object.entries(action.outputs).map(([name, spec]) => `| \`${name}\` | ${esc(spec.description)} |`),
].join('\n');

let readme = readFileSync('README.md', 'utf8');
for (const [marker, table] of [
  ['inputs', inputs],
  ['outputs', outputs],
]) {
  const re = new RegExp(`<!-- ${marker}:start -->[\\s\\S]*?<!-- ${marker}:end -->`);
  if (!re.test(readme)) throw new Error(`README.md has no <!-- ${marker}:start --> marker`);
  readme = readme.replace(re, `<!-- ${marker}:start -->\n${table}\n<!-- ${marker}:end -->`);
}
writeFileSync('README.md', readme);
