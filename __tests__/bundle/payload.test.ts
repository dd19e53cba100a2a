// Issue 13, item 3: a malformed event payload is one clear error, in the
// bundled action (build and cleanup) and the bundled command line (dist/), run
// as the runner runs them; a UTF-8 BOM is read. readEventPayload on its own:
// __tests__/payload.test.ts.
import { describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushEvent, runAction } from '../../scripts/action-harness.mjs';
import { BAD_PAYLOADS as KINDS, badPayload } from '../helpers.js';
import { bundledCli, errorLines as errors, workdir } from './harness.js';

const cli = (args: string[], env: Record<string, string>, cwd: string) => bundledCli(args, { env, cwd });

describe('item 3: the bundled action with a malformed payload', () => {
  test.each(KINDS)(
    'item 3: %s at GITHUB_EVENT_PATH: one ::error:: naming it, no stack trace, exit 1',
    async (kind, why) => {
      const cwd = workdir();
      const path = badPayload(cwd, kind);
      const r = await runAction({
        cwd,
        event: pushEvent('main'),
        env: { GITHUB_EVENT_PATH: path },
        inputs: { image: 'ghcr.io/acme/app', build: 'false' },
      });
      expect(r.code).toBe(1);
      expect(errors(r)).toHaveLength(1);
      expect(errors(r)[0]).toContain(`GITHUB_EVENT_PATH: ${path} ${why}`);
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      // The summary says what failed, too.
      expect(r.summary).toContain('GITHUB_EVENT_PATH');
    },
  );

  test('item 3: cleanup mode: the same one error', async () => {
    const cwd = workdir();
    const path = badPayload(cwd, 'invalid JSON');
    const r = await runAction({
      cwd,
      event: { name: 'delete', ref: 'refs/heads/main' },
      env: { GITHUB_EVENT_PATH: path },
      inputs: { image: '127.0.0.1:1/acme/app', cleanup: 'true', 'dry-run': 'true' },
    });
    expect(r.code).toBe(1);
    expect(errors(r)).toHaveLength(1);
    expect(errors(r)[0]).toContain(`GITHUB_EVENT_PATH: ${path} is not valid JSON`);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  test('item 3: a payload with a UTF-8 byte order mark is read', async () => {
    const cwd = workdir();
    const path = join(cwd, 'event.json');
    const event = pushEvent('feature/bom');
    writeFileSync(path, `\uFEFF${JSON.stringify(event.payload)}`);
    const r = await runAction({
      cwd,
      event,
      env: { GITHUB_EVENT_PATH: path },
      inputs: { image: 'ghcr.io/acme/app', build: 'false', 'probe-cache': 'false' },
    });
    expect([r.code, errors(r)]).toEqual([0, []]);
    expect(r.outputs['branch']).toBe('feature/bom');
  });
});

describe('item 3: the bundled command line under GitHub Actions with a malformed payload', () => {
  test('item 3: one error naming GITHUB_EVENT_PATH, exit 1 (never a plan made without the event)', async () => {
    const cwd = workdir();
    const path = badPayload(cwd, 'invalid JSON');
    const r = await cli(
      ['plan', '--image', 'ghcr.io/acme/app'],
      {
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: path,
        GITHUB_REF: 'refs/pull/1/merge',
      },
      cwd,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`GITHUB_EVENT_PATH: ${path} is not valid JSON`);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
