// The README's "Architecture" section and the tree agree: every module under
// src/ is named there, and every module it names exists.
import { describe, expect, test } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { README } from './readme.js';

const SRC = join(import.meta.dirname, '..', 'src');

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? modules(join(dir, e.name)) : e.name.endsWith('.ts') ? [relative(SRC, join(dir, e.name))] : [],
  );
}

const section = README.slice(
  README.indexOf('## Architecture'),
  README.indexOf('\n## ', README.indexOf('## Architecture') + 1),
);

/** The modules each `src/<layer>/` line names, as layer/file.ts. */
function named(): string[] {
  return section.split('\n').flatMap((line) => {
    const m = /^- `src\/([a-z]+)\/`/.exec(line);
    if (!m) return [];
    return [...line.matchAll(/`([a-z0-9-]+\.ts)`/g)].map((f) => `${m[1]}/${f[1]}`);
  });
}

describe("the README's Architecture section", () => {
  test('exists, with a line per layer folder', () => {
    expect(section.slice(0, '## Architecture'.length)).toBe('## Architecture');
    const layers = readdirSync(SRC).sort();
    const lines = [...section.matchAll(/^- `src\/([a-z]+)\/`/gm)].map((m) => m[1]!).sort();
    expect(lines).toEqual(layers);
  });

  test('names every module of src/', () => {
    const names = new Set(named());
    expect(modules(SRC).filter((m) => !names.has(m))).toEqual([]);
  });

  test('names no module that is not there', () => {
    const present = new Set(modules(SRC));
    expect(named().filter((m) => !present.has(m))).toEqual([]);
  });
});
