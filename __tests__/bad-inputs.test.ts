// Every bad input: one line naming the input and the fix, exit code 1, no
// stack trace. Run through the bundle, as the runner runs it (flags only).
import { describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../scripts/action-harness.mjs';
import { checkBuilder, parseInspect } from '../src/core/builder.js';

const PIPELINE = 'FROM scratch AS dependencies\nRUN echo deps\nFROM dependencies AS build\nRUN echo build\n';

function dir(files: Record<string, string> = { Dockerfile: PIPELINE }): string {
  const d = mkdtempSync(join(tmpdir(), 'bbc-bad-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(d, name), content);
  return d;
}

async function fails(inputs: Record<string, string>, cwd = dir()): Promise<string> {
  const r = await runAction({
    cwd,
    inputs: { image: 'ghcr.io/acme/app', build: 'false', 'probe-cache': 'false', ...inputs },
  });
  const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
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
      cwd: dir(),
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
    const d = dir();
    chmodSync(join(d, 'Dockerfile'), 0o000);
    expect(await fails({}, d)).toMatch(/^file: Dockerfile cannot be read \(EACCES\)/);
  });

  test('a Dockerfile with no FROM', async () => {
    expect(await fails({}, dir({ Dockerfile: '# nothing here\nRUN echo hi\n' }))).toBe(
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

describe('push and load together', () => {
  const inspect = (version: string) =>
    parseInspect(
      `Name:          ci\nDriver:        docker-container\n\nNodes:\nName:      ci0\nStatus:    running\nBuildKit version: ${version}\n`,
    );
  const needs = { cacheType: 'registry' as const, exporting: true, push: true, load: true, fallbackToInline: false };

  test('refused where the builder cannot do both (BuildKit before 0.13)', () => {
    expect(checkBuilder(inspect('v0.12.5'), needs)).toEqual({
      ok: false,
      input: 'load',
      message:
        'push and load together need BuildKit 0.13 or later, and builder "ci" runs v0.12.5: drop one of them, or update the builder',
    });
  });

  test('allowed from 0.13 on, and when the builder does not say (distribution builds)', () => {
    expect(checkBuilder(inspect('v0.13.2'), needs)).toEqual({ ok: true });
    expect(checkBuilder(inspect('v0.0.0+unknown'), needs)).toEqual({ ok: true });
  });
});

describe('buildx version', () => {
  test('read from `docker buildx version`', async () => {
    const { buildxMinor } = await import('../src/core/builder.js');
    expect(buildxMinor('github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3')).toBe(13);
    expect(buildxMinor('github.com/docker/buildx v0.10.4 c513d34')).toBe(10);
    expect(buildxMinor('something else')).toBeUndefined();
  });
});
