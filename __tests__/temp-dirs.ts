// Temporary directories for the tests, removed again: tempDir() makes one under
// os.tmpdir() and keeps its name; removeTempDirs() removes every one made so far
// in this test file (call it from afterEach, or afterAll when a directory serves
// the whole file). In the unit and bundle projects, the test environment
// (tmpdir-environment.cjs) fails a test file that leaves anything in
// os.tmpdir(); the e2e tests (e2e/lib.ts fixture()) use these too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A new empty directory `<os.tmpdir()>/<prefix>XXXXXX`, removed by removeTempDirs(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir() made (and what is in it). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
