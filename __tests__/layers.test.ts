// The folders under src/ are the architecture (README, "Architecture"): this
// test keeps them honest. core/ decides from plain data and touches nothing
// outside the process; only action/ speaks the runner's toolkit.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(import.meta.dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module a file imports, as written. */
function imports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1]!,
  );
}

const all = files(SRC).map((f) => ({ file: relative(SRC, f), imports: imports(f) }));
const layer = (file: string) => file.split('/')[0]!;

describe('the layers of src/', () => {
  test('every module lives in a layer folder', () => {
    expect(
      all
        .filter((f) => !['core', 'http', 'github', 'registry', 'shell', 'action', 'cli'].includes(layer(f.file)))
        .map((f) => f.file),
    ).toEqual([]);
  });

  test('core/ does no I/O: no files, processes, network or toolkit, and no other layer', () => {
    const IO = /^(node:(fs|fs\/promises|child_process|net|http|https|os|dgram|dns|tls|worker_threads)|@actions\/)/;
    const bad = all
      .filter((f) => layer(f.file) === 'core')
      .flatMap((f) =>
        f.imports
          .filter((m) => IO.test(m) || (m.startsWith('..') && !m.startsWith('../core/')))
          .map((m) => `${f.file} imports ${m}`),
      );
    expect(bad).toEqual([]);
    // Nor does it reach the network through the global fetch.
    const fetching = all
      .filter((f) => layer(f.file) === 'core' && /\bfetch\(/.test(readFileSync(join(SRC, f.file), 'utf8')))
      .map((f) => f.file);
    expect(fetching).toEqual([]);
  });

  test('only action/ imports @actions/*', () => {
    const bad = all
      .filter((f) => layer(f.file) !== 'action')
      .flatMap((f) => f.imports.filter((m) => m.startsWith('@actions/')).map((m) => `${f.file} imports ${m}`));
    expect(bad).toEqual([]);
  });

  test('github/, registry/ and shell/ never import a front door (action/, cli/)', () => {
    const bad = all
      .filter((f) => ['github', 'registry', 'shell'].includes(layer(f.file)))
      .flatMap((f) => f.imports.filter((m) => /^\.\.\/(action|cli)\//.test(m)).map((m) => `${f.file} imports ${m}`));
    expect(bad).toEqual([]);
  });

  test('the clients (github/, registry/) build on core/ and http/: never on the shell that uses them', () => {
    const bad = all
      .filter((f) => ['github', 'registry', 'http'].includes(layer(f.file)))
      .flatMap((f) => f.imports.filter((m) => /^\.\.\/shell\//.test(m)).map((m) => `${f.file} imports ${m}`));
    expect(bad).toEqual([]);
  });

  test('http/ (the transport) imports node: modules only', () => {
    const bad = all
      .filter((f) => layer(f.file) === 'http')
      .flatMap((f) => f.imports.filter((m) => !m.startsWith('node:')).map((m) => `${f.file} imports ${m}`));
    expect(bad).toEqual([]);
  });

  test('no line in src/ is over 120 characters (Biome wraps code; strings and comments are wrapped by hand)', () => {
    const long = all.flatMap((f) =>
      readFileSync(join(SRC, f.file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > 120 ? [`${f.file}:${i + 1} (${line.length})`] : [])),
    );
    expect(long).toEqual([]);
  });

  test('the test reads imports as they are written (it would see a violation)', () => {
    const run = all.find((f) => f.file === 'action/run.ts')!;
    expect(run.imports).toContain('@actions/core');
    expect(all.find((f) => f.file === 'registry/credentials.ts')!.imports).toContain('node:fs');
  });
});
