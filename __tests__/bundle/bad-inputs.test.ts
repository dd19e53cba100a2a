// Every bad input: one line naming the input and the fix, exit code 1, no
// stack trace. Run through the bundle, as the runner runs it (flags only).
import { describe, expect, test } from '@jest/globals';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { runAction } from '../../scripts/action-harness.mjs';
import { errorLines, workdir } from './harness.js';

async function fails(inputs: Record<string, string>, cwd = workdir()): Promise<string> {
  const r = await runAction({
    cwd,
    inputs: { image: 'ghcr.io/acme/app', build: 'false', 'probe-cache': 'false', ...inputs },
  });
  const errors = errorLines(r);
  expect(r.code).toBe(1);
  expect(errors).toHaveLength(1);
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  return errors[0]!.replace('::error::', '');
}

describe('bad inputs, one clear line each', () => {
  test.each([
    [
      'ghcr.io/acme/my app',
      /^image: "ghcr.io\/acme\/my app" contains whitespace: give a repository such as ghcr.io\/owner\/app/,
    ],
    ['ghcr.io/acme/app!', /^image: "ghcr.io\/acme\/app!" has an invalid path component "app!"/],
    ['ghcr.io/acme/app:v1', /^image: "ghcr.io\/acme\/app:v1" has a tag: remove ":v1"/],
    ['ghcr.io/acme/app@sha256:0123', /^image: "ghcr.io\/acme\/app@sha256:0123" has a digest: remove "@sha256:0123"/],
  ])('image %p', async (image, message) => {
    expect(await fails({ image })).toMatch(message);
  });

  test('image empty with the registry cache', async () => {
    expect(await fails({ image: '' })).toBe(
      'image: is required for cache-type registry: give a repository such as ghcr.io/owner/app',
    );
  });

  test('an upper-case repository is normalised, with a notice, and is not an error', async () => {
    const r = await runAction({
      cwd: workdir(),
      inputs: { image: 'GHCR.io/Acme/App', build: 'false', 'probe-cache': 'false' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '::notice::image: repository names are lower case, so the cache goes to GHCR.io/acme/app',
    );
    expect(r.outputs['cache-ref']).toBe('GHCR.io/acme/app:cache.build.main');
  });

  test('unknown target lists the stages', async () => {
    expect(await fails({ target: 'test' })).toBe(
      'target: "test" is not a stage of Dockerfile: use one of dependencies, build',
    );
  });

  test('unknown stage lists the stages', async () => {
    expect(await fails({ stage: 'deps' })).toBe(
      'stage: "deps" is not a stage of Dockerfile: use one of dependencies, build',
    );
  });

  test('unknown cache-stages entry lists the stages', async () => {
    expect(await fails({ 'cache-stages': 'build,tests' })).toBe(
      'cache-stages: "tests" is not a stage of Dockerfile: use one of dependencies, build',
    );
  });

  test('a missing Dockerfile', async () => {
    expect(await fails({ file: 'docker/Dockerfile.prod' })).toBe(
      "file: docker/Dockerfile.prod does not exist: set `file` (or `context`) to the Dockerfile's path",
    );
  });

  test('an unreadable Dockerfile', async () => {
    if (process.getuid?.() === 0) {
      // root reads anything: a directory where the file should be is what we can make unreadable here.
      expect(await fails({ file: '.' })).toBe(
        "file: . is a directory: set `file` (or `context`) to the Dockerfile's path",
      );
      return;
    }
    const d = workdir();
    chmodSync(join(d, 'Dockerfile'), 0o000);
    expect(await fails({}, d)).toMatch(/^file: Dockerfile cannot be read \(EACCES\)/);
  });

  test('a Dockerfile with no FROM', async () => {
    expect(await fails({}, workdir({ Dockerfile: '# nothing here\nRUN echo hi\n' }))).toBe(
      'file: Dockerfile has no FROM instruction: point `file` at a Dockerfile',
    );
  });

  test.each(['push', 'load', 'build', 'no-cache', 'pull', 'probe-cache'])(
    'boolean %s: "yes" is refused',
    async (name) => {
      expect(await fails({ [name]: 'yes' })).toBe(`${name}: "yes" is not a boolean: use true or false`);
    },
  );

  test('cache-mode', async () => {
    expect(await fails({ 'cache-mode': 'all' })).toBe('cache-mode: "all" is not a cache mode: use min or max');
  });

  test('export-cache', async () => {
    expect(await fails({ 'export-cache': 'always' })).toBe(
      'export-cache: "always" is not valid: use auto, true or false',
    );
  });

  test('cache-to-options that would move the cache', async () => {
    expect(await fails({ 'cache-to-options': 'ref=ghcr.io/evil/app:x' })).toBe(
      'cache-to-options: cannot set "ref": the action decides where the registry cache goes',
    );
  });
});
