// Regenerates the README's inputs and outputs tables from action.yml
// (between the <!-- inputs --> / <!-- outputs --> markers). A test checks they agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const action = parse(readFileSync('action.yml', 'utf8'));
const esc = (s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ').trim();
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
