// Issue 13, items 6, 12 and 13 through the bundled action (dist/index.js), as
// the runner runs it: inputs that would become runner commands, credentials
// masked, and cache options that break the export. The pure checks:
// __tests__/option-checks.test.ts.
import { describe, expect, test } from '@jest/globals';
import { runAction, type RunResult } from '../../scripts/action-harness.mjs';
import { runnerCommands } from '../../scripts/runner-log.mjs';
import { errorLines as errors, workdir } from './harness.js';

function action(inputs: Record<string, string>): Promise<RunResult> {
  return runAction({
    cwd: workdir(),
    inputs: { image: 'ghcr.io/acme/app', build: 'false', 'probe-cache': 'false', ...inputs },
  });
}

describe('item 6: control characters in single-line inputs', () => {
  test('item 6: through the bundle, build and cleanup: one ::error:: line, and the runner sees no forged command', async () => {
    const cases: Record<string, string>[] = [
      { branch: 'x\r::warning::FORGED' },
      { network: 'host\n::warning::FORGED' },
      { branch: 'x\n::warning::FORGED', cleanup: 'true' },
    ];
    for (const inputs of cases) {
      const r = await action(inputs);
      expect(r.code).toBe(1);
      expect(errors(r)).toHaveLength(1);
      expect(errors(r)[0]).toMatch(/^::error::(branch|network): holds a line break/);
      expect(runnerCommands(r.stdout).commands.filter((c) => c.data.startsWith('FORGED'))).toEqual([]);
    }
  });
});

describe('item 12: a mistyped credential is never echoed', () => {
  test('item 12: through the bundle, cache-options and cache-to-options values are masked', async () => {
    const r = await action({
      'cache-type': 'gha',
      'cache-options': 'token=t0ken,url=http://127.0.0.1:1/a-long-cache-url',
      'cache-to-options': 'password=pw',
    });
    expect(r.code).toBe(0);
    const masks = r.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
    expect(masks).toEqual(
      expect.arrayContaining([
        '::add-mask::t0ken',
        '::add-mask::http://127.0.0.1:1/a-long-cache-url',
        '::add-mask::pw',
      ]),
    );
  });
});

describe('item 13: cache options checked against what BuildKit 0.13 knows', () => {
  test('item 13: through the bundle: warnings for the export-breaking options, an error for a="b', async () => {
    const ok = await action({ 'cache-to-options': 'oci-mediatypes=false,ignore_error=true' });
    expect(ok.code).toBe(0);
    const warnings = ok.stdout.split('\n').filter((l) => l.startsWith('::warning::'));
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^::warning::cache-to-options: oci-mediatypes=false: GHCR, ECR and Harbor/),
        expect.stringMatching(
          /^::warning::cache-to-options: "ignore_error" is not an option.*did you mean ignore-error\?/,
        ),
      ]),
    );
    const bad = await action({ 'cache-to-options': 'a=b"c' });
    expect(bad.code).toBe(1);
    expect(errors(bad)).toEqual([expect.stringMatching(/^::error::cache-to-options: item 1, a, holds a double quote/)]);
  });
});
