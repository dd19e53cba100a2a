// pull-request-fallbacks through the bundled action, against a real HTTP server
// as the GitHub API (__tests__/fake-pulls-api.ts): on by default, the merged
// pull request's cache comes first; `false` asks the API nothing.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pushEvent, runAction } from '../../scripts/action-harness.mjs';
import { fakePullsApi, PULLS_TOKEN, type FakePullsApi } from '../fake-pulls-api.js';
import { workdir } from './harness.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
let api: FakePullsApi;

beforeAll(async () => {
  api = await fakePullsApi({
    [`acme/app@${SHA}`]: [{ number: 12, head: 'feature/x', base: 'main', mergedAt: '2026-03-01T10:00:00Z' }],
  });
});
afterAll(() => api.close());

async function pushToMain(inputs: Record<string, string>) {
  const before = api.requests.length;
  const r = await runAction({
    cwd: workdir(),
    event: pushEvent('main'),
    inputs: {
      image: 'ghcr.io/acme/app',
      build: 'false',
      'probe-cache': 'false',
      'github-token': PULLS_TOKEN,
      ...inputs,
    },
    env: { GITHUB_API_URL: api.url, GITHUB_SHA: SHA },
  });
  expect([r.code, r.stderr]).toEqual([0, '']);
  return { ...r, asked: api.requests.slice(before).map((q) => q.url) };
}

describe('pull-request-fallbacks', () => {
  test('default: the push asks which pull requests it merged, and imports feature/x first', async () => {
    const r = await pushToMain({});
    expect(r.asked).toEqual([`/repos/acme/app/commits/${SHA}/pulls?per_page=100`]);
    expect(r.stdout).toContain('pull requests merged by this push (0123456789ab into main): #12 from feature/x');
    expect(r.outputs['cache-from']).toContain('ghcr.io/acme/app:cache.build.feature_x');
  });

  test('false: nothing is asked, the log says why, and only main is imported', async () => {
    const r = await pushToMain({ 'pull-request-fallbacks': 'false' });
    expect(r.asked).toEqual([]);
    expect(r.stdout).toContain(
      'pull requests merged by this push: not looked up: pull-request-fallbacks is false; ' +
        'the build imports the usual fallbacks',
    );
    expect(r.outputs['cache-from']).not.toContain('feature_x');
    expect(r.outputs['cache-from']).toContain('ghcr.io/acme/app:cache.build.main');
  });
});
