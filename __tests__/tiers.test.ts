// The test tiers mean what they say (jest.config.js): `unit` runs in this
// process only, and everything that runs the bundle (dist/index.js through
// scripts/action-harness.mjs' runAction, dist/cli.js as a process) lives in
// __tests__/bundle/, which only the `bundle` project runs.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const TESTS = import.meta.dirname;
const SELF = join(TESTS, 'tiers.test.ts');

/** The code under __tests__/ (not the captured fixture data), outside bundle/. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return ['bundle', 'fixtures'].includes(e.name) && dir === TESTS ? [] : files(path);
    return /\.(ts|mts|js|mjs)$/.test(e.name) && path !== SELF ? [path] : [];
  });
}

/** What betrays a run of the bundle: a path into dist/, the action harness's runAction, the bundled CLI helper. */
const BUNDLE_USE: [string, RegExp][] = [
  ['a path into dist/', /\bdist\/|['"`]dist['"`]/],
  ['runAction (runs dist/index.js)', /\brunAction\b/],
  ['bundledCli (runs dist/cli.js)', /\bbundledCli\b/],
];

/** `file:line: what (the line)` for every line that uses the bundle. */
function offenders(file: string, text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, i) =>
      BUNDLE_USE.filter(([, re]) => re.test(line)).map(
        ([what]) => `${relative(TESTS, file)}:${i + 1}: ${what}: ${line.trim()}`,
      ),
    );
}

describe('the test tiers', () => {
  test('no file under __tests__/ outside bundle/ references dist/ or runs the bundle', () => {
    const all = files(TESTS);
    expect(all.length).toBeGreaterThan(20);
    expect(all.flatMap((f) => offenders(f, readFileSync(f, 'utf8')))).toEqual([]);
  });

  test('the check would see a test that runs the bundle', () => {
    const sample = [
      "import { runAction } from '../scripts/action-harness.mjs';",
      "const CLI = join(root, 'dist', 'cli.js');",
      'await bundledCli(["--version"]);',
      '// dist/index.js',
      'const distance = 3; // distinct',
    ].join('\n');
    expect(offenders(join(TESTS, 'x.test.ts'), sample).map((o) => o.split(': ')[1])).toEqual([
      'runAction (runs dist/index.js)',
      'a path into dist/',
      'bundledCli (runs dist/cli.js)',
      'a path into dist/',
    ]);
  });

  test('only the bundle project runs __tests__/bundle/, and it bundles first', async () => {
    const config = (await import(pathToFileURL(join(TESTS, '..', 'jest.config.js')).href)) as {
      default: { projects: Record<string, unknown>[] };
    };
    const projects = config.default.projects;
    const unit = projects.find((p) => p.displayName === 'unit')!;
    const bundle = projects.find((p) => p.displayName === 'bundle')!;
    expect(unit.testPathIgnorePatterns).toContain('<rootDir>/__tests__/bundle/');
    expect(bundle.testMatch).toEqual(['<rootDir>/__tests__/bundle/**/*.test.ts']);
    expect(bundle.globalSetup).toBe('<rootDir>/__tests__/bundle/setup.ts');
  });
});
