// DOCKER_BUILD_SUMMARY, as build-push-action honours it, through the bundled action.
import { describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushEvent, runAction } from '../../scripts/action-harness.mjs';
import { workdir } from './harness.js';

async function summaryOf(env: Record<string, string>): Promise<string> {
  const cwd = workdir();
  const file = join(cwd, 'summary.md');
  writeFileSync(file, '');
  const r = await runAction({
    cwd,
    event: pushEvent('feature/x'),
    inputs: { image: 'ghcr.io/acme/app', build: 'false', 'probe-cache': 'false' },
    env: { GITHUB_STEP_SUMMARY: file, ...env },
  });
  expect([r.code, r.stderr]).toEqual([0, '']);
  return readFileSync(file, 'utf8');
}

describe('DOCKER_BUILD_SUMMARY', () => {
  test('unset: the job summary is written', async () => {
    expect(await summaryOf({})).toContain('### buildx-branch-cache: `feature/x`');
  });

  test('false: no job summary, as build-push-action', async () => {
    expect(await summaryOf({ DOCKER_BUILD_SUMMARY: 'false' })).toBe('');
  });
});
