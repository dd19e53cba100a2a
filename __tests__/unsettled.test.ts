// src/shell/unsettled.ts in a process of its own (it acts on the process's exit):
// the module compiled as the bundle compiles it, then a promise that settles and one that never does.
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';

const source = transformSync(readFileSync(join(import.meta.dirname, '..', 'src', 'shell', 'unsettled.ts'), 'utf8'), {
  loader: 'ts',
  format: 'cjs',
}).code;

function run(work: string): { status: number | null; stderr: string } {
  const script = `${source}\nmodule.exports.failIfUnsettled(${work}, () => { console.error('failed'); process.exitCode = 1; });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr.trim() };
}

describe('failIfUnsettled', () => {
  test('work that never settles fails the process instead of exiting 0', () => {
    expect(run('new Promise(() => {})')).toEqual({ status: 1, stderr: 'failed' });
  });

  test('work that settles, resolved or rejected (handled), leaves the exit as it set it', () => {
    expect(run('Promise.resolve().then(() => { process.exitCode = 3; })')).toEqual({ status: 3, stderr: '' });
    expect(run('Promise.reject(new Error("x")).catch(() => {})')).toEqual({ status: 0, stderr: '' });
  });
});
