// The inputs taken from docker/build-push-action, given wrong values, through
// the bundle as the runner runs it (flags only): exactly one `::error::` line
// naming the input, exit code 1, no stack trace, and never a secret's value.
// Values buildx reads itself (annotations, outputs, ulimit, shm-size,
// add-hosts, call) are free-form here: a wrong one is buildx's own one-line
// error, which needs a build, so __tests__/parity.test.ts only checks that they
// reach argv unchanged. And an input the chosen mode does not read: one warning.
import { describe, expect, test } from '@jest/globals';
import { runAction } from '../../scripts/action-harness.mjs';
import { errorLines, workdir } from './harness.js';

const SECRET = 'ghp_s3cr3tValue0123456789abcdef';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  summary: string;
}

function build(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<Run> {
  return runAction({
    cwd: workdir(),
    inputs: { image: 'ghcr.io/acme/app', build: 'false', 'probe-cache': 'false', ...inputs },
    env,
  });
}

/** The one error line (without `::error::`); the run failed with exit code 1 and no stack trace. */
function theError(r: Run): string {
  const errors = errorLines(r);
  expect({ code: r.code, errors }).toEqual({ code: 1, errors: [expect.any(String)] });
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  return errors[0]!.replace('::error::', '');
}

/** Nothing the action wrote (the log, standard error, the job summary) holds `secret`. */
function neverQuotes(r: Run, secret: string): void {
  for (const [where, text] of Object.entries({ stdout: r.stdout, stderr: r.stderr, summary: r.summary }))
    expect([where, text.includes(secret)]).toEqual([where, false]);
}

function warningLines(r: Run): string[] {
  return r.stdout.split('\n').filter((l) => l.startsWith('::warning::'));
}

describe('a wrong value of a build-push-action input: one error naming it', () => {
  test('secrets: an item without =, not quoted', async () => {
    const r = await build({ secrets: `A=1\ntoken:${SECRET}` });
    expect(theError(r)).toMatch(/^secrets: item 2 is not id=value \(it is not shown: it may hold a secret\)/);
    neverQuotes(r, SECRET);
  });

  test('secrets: an item without = after a quoted value over several lines', async () => {
    const r = await build({ secrets: `"KEY=-----BEGIN-----\nline 2\n-----END-----"\n${SECRET}` });
    expect(theError(r)).toMatch(/^secrets: item 2 is not id=value/);
    neverQuotes(r, SECRET);
  });

  test('secrets: an id with a space', async () => {
    const r = await build({ secrets: `my token=${SECRET}` });
    expect(theError(r)).toBe('secrets: item 1: the id holds a comma or a space: use letters, digits, - _ .');
    neverQuotes(r, SECRET);
  });

  test('secret-envs: a variable that is not set', async () => {
    const r = await build({ 'secret-envs': 'npm=BBC_TEST_NOT_SET' });
    expect(theError(r)).toBe(
      'secret-envs: item 1: the environment variable BBC_TEST_NOT_SET is not set: set it in env:',
    );
  });

  test('secret-envs: set variables pass, and their values are masked', async () => {
    const r = await build({ 'secret-envs': 'npm=BBC_TEST_SET' }, { BBC_TEST_SET: SECRET });
    expect([r.code, errorLines(r)]).toEqual([0, []]);
    expect(r.stdout).toContain(`::add-mask::${SECRET}`);
  });

  test('secret-envs: an item without =', async () => {
    const r = await build({ 'secret-envs': 'npm' });
    expect(theError(r)).toMatch(/^secret-envs: item 1 is not id=VARIABLE/);
  });

  test('secret-files: a file that is not there', async () => {
    const r = await build({ 'secret-files': 'cert=/nonexistent/bbc/cert.pem' });
    expect(theError(r)).toBe('secret-files: item 1: /nonexistent/bbc/cert.pem cannot be read (ENOENT): give a file');
  });

  test('secret-files: an item without =', async () => {
    const r = await build({ 'secret-files': '/tmp/cert.pem' });
    expect(theError(r)).toMatch(/^secret-files: item 1 is not id=path/);
  });

  test.each(['load', 'push', 'pull', 'no-cache'])('%s: not a boolean', async (name) => {
    expect(theError(await build({ [name]: 'yes' }))).toBe(`${name}: "yes" is not a boolean: use true or false`);
  });

  test.each(['builder', 'call', 'cgroup-parent', 'network', 'provenance', 'sbom', 'shm-size', 'file'])(
    '%s: a line break in a one-line input',
    async (name) => {
      const r = await build({ [name]: `x\n${SECRET}` });
      expect(theError(r)).toMatch(new RegExp(`^${name}: holds a line break or another control character \\(U\\+000A`));
      neverQuotes(r, SECRET);
    },
  );

  test.each(['tags', 'labels', 'build-args', 'attests', 'annotations', 'ulimit', 'outputs', 'ssh'])(
    '%s: a control character in a line of a list',
    async (name) => {
      const r = await build({ [name]: `a=1\nb=\u0007${SECRET}` });
      expect(theError(r)).toMatch(new RegExp(`^${name}: line 2 holds a line break or another control character`));
      neverQuotes(r, SECRET);
    },
  );

  test('a secret in an unclosed quote is never quoted', async () => {
    const r = await build({ secrets: `"A=${SECRET}` });
    expect(r.code).toBe(1);
    expect(errorLines(r)).toHaveLength(1);
    neverQuotes(r, SECRET);
  });

  // An unclosed double quote names its input (src/core/lists.ts csv), and never the text.
  test.each([
    ['attests', 'type=sbom\ntype=custom,"note=a'],
    ['secrets', `"A=${SECRET}`],
    ['build-args', 'A=1\n"B=2'],
    ['tags', '"ghcr.io/acme/app:1'],
  ])('%s: an unclosed quote is an error naming the input', async (name, value) => {
    expect(theError(await build({ [name]: value }))).toMatch(new RegExp(`^${name}: `));
  });

  // Attributes read later (attest.ts, outputs.ts) are checked by parseConfig, naming their input.
  test.each([
    ['outputs', 'type=local,"dest=out'],
    ['provenance', 'mode=max,"x'],
    ['sbom', 'generator="x'],
  ])('%s: an unclosed quote is an error naming the input', async (name, value) => {
    expect(theError(await build({ [name]: value }))).toMatch(new RegExp(`^${name}: `));
  });
});

describe('an input the chosen mode does not read: one warning naming it', () => {
  test.each([
    ['dry-run', 'true'],
    ['protected-branches', 'develop'],
    ['request-timeout', '10'],
  ])('%s in a build', async (name, value) => {
    const r = await build({ [name]: value });
    expect([r.code, errorLines(r)]).toEqual([0, []]);
    // Which modes read it is the input table's to say (more may come): the one line names the input.
    const warnings = warningLines(r);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(`^::warning::${name}: has no effect in a build: it is read only by .*cleanup`),
    );
  });

  test('a build input (tags) with cleanup: true', async () => {
    // A deleted tag: cleanup has nothing to do, and asks nothing of the network.
    const r = await runAction({
      cwd: workdir(),
      inputs: { image: 'ghcr.io/acme/app', cleanup: 'true', tags: 'ghcr.io/acme/app:1' },
      event: {
        name: 'delete',
        ref: 'refs/heads/main',
        payload: { ref: 'v1', ref_type: 'tag', repository: { full_name: 'acme/app', default_branch: 'main' } },
      },
    });
    expect([r.code, errorLines(r)]).toEqual([0, []]);
    const warnings = warningLines(r);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^::warning::tags: has no effect with cleanup: true: it is read only by a build/);
  });

  test('the input at its default is no mistake: no warning', async () => {
    const r = await build({ 'dry-run': 'false', 'request-timeout': '30' });
    expect([r.code, warningLines(r)]).toEqual([0, []]);
  });
});
