// What the bundle tests share: where the bundle is, Node 24, the bundled
// command line as a process, a checked-out repository, and the runner's error
// lines. The action itself runs through scripts/action-harness.mjs.
import { afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PIPELINE } from '../../e2e/fixtures.mjs';
import { removeTempDirs, tempDir } from '../temp-dirs.js';

// Every workdir() (and tempDir()) of a test file is removed after its tests.
afterAll(removeTempDirs);

export const ROOT = join(import.meta.dirname, '..', '..');
/** The bundled command line (package.json's bin). */
export const CLI = join(ROOT, 'dist', 'cli.js');

/** Node 24, the runner's runtime for `using: node24` (setup.ts installs it); undefined if it could not. */
export const NODE24: string | undefined = process.env.BBC_NODE24 || undefined;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The bundled command line as a process; PATH finds no docker unless env says otherwise. */
export function bundledCli(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; node?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      opts.node ?? process.execPath,
      [CLI, ...args],
      {
        cwd: opts.cwd,
        env: {
          PATH: '/nonexistent',
          // The test file's own (tmpdir-environment.cjs): what the command line leaves there fails the file.
          TMPDIR: tmpdir(),
          ...(process.env.DOCKER_CONFIG ? { DOCKER_CONFIG: process.env.DOCKER_CONFIG } : {}),
          ...opts.env,
        },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** A checked-out repository holding `files` (by default the article's pipeline as its Dockerfile); removed after the file's tests. */
export function workdir(files: Record<string, string> = { Dockerfile: PIPELINE }): string {
  const dir = tempDir('bbc-bundle-');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** The `::error::` lines the runner reads from a run's log. */
export function errorLines(r: { stdout: string }): string[] {
  return r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
}
