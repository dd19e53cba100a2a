// The README's sweep workflow through the bundle (dist/index.js) as the runner
// runs it, on a GHCR image: one HTTP server the test starts answers as the
// GitHub API does (the repository, its branches, closed pull requests, and the
// package's versions, which it deletes on request).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runAction } from '../../scripts/action-harness.mjs';
import { encodeTag } from '../../src/core/tag.js';
import { actionSteps, stepInputs } from '../readme.js';
import { workdir } from './harness.js';

const TOKEN = 'ghs_sweep';
const tag = (branch: string) => encodeTag({ prefix: 'cache', stage: 'build', branch });
const OLD = '2026-10-01T00:00:00Z';

interface Version {
  id: number;
  name: string;
  updated_at: string;
  metadata: { package_type: string; container: { tags: string[] } };
}
let versions: Version[] = [];
const asked: string[] = [];
let server: Server;
let api = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    asked.push(`${req.method} ${req.url}`);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { message: 'Bad credentials' });
    const url = new URL(req.url ?? '/', 'http://api');
    if (url.pathname === '/repos/acme/app') return json(200, { full_name: 'acme/app', default_branch: 'main' });
    if (url.pathname === '/repos/acme/app/branches') return json(200, [{ name: 'main' }, { name: 'develop' }]);
    if (url.pathname === '/repos/acme/app/pulls') return json(200, []);
    const del = /^\/orgs\/acme\/packages\/container\/app\/versions\/(\d+)$/.exec(url.pathname);
    if (del && req.method === 'DELETE') {
      versions = versions.filter((v) => v.id !== Number(del[1]));
      return void res.writeHead(204).end();
    }
    if (url.pathname === '/orgs/acme/packages/container/app/versions') return json(200, versions);
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const version = (id: number, tags: string[], updated = OLD): Version => ({
  id,
  name: `sha256:${String(id).padStart(64, '0')}`,
  updated_at: updated,
  metadata: { package_type: 'container', container: { tags } },
});

describe("the README's sweep workflow, through the bundle", () => {
  const step = actionSteps.find((s) => s.with?.sweep);

  /** The README's sweep step on a schedule, with `over` on top of its inputs. */
  const sweepStep = (over: Record<string, string> = {}) =>
    runAction({
      cwd: workdir(),
      event: { name: 'schedule', ref: 'refs/heads/main', payload: { schedule: '17 3 * * *' } },
      inputs: { ...stepInputs(step!, { 'github.repository': 'acme/app', 'github.token': TOKEN }), ...over },
      env: { GITHUB_API_URL: api },
    });

  test('a dry run first (as written): what would go is listed, nothing is deleted', async () => {
    expect(step).toBeDefined();
    versions = [
      version(1, [tag('main')]),
      version(2, [tag('develop')]),
      version(3, [tag('feature/gone')]),
      version(4, [tag('release/1.x')]),
      version(5, ['latest', 'v1']),
    ];
    const r = await sweepStep();
    expect([r.code, r.stdout.match(/::error::.*/)?.[0]]).toEqual([0, undefined]);
    expect(r.outputs['deleted-refs']).toBe(`ghcr.io/acme/app:${tag('feature/gone')}`);
    expect(r.summary).toContain('**1 would be deleted, 0 kept, 0 failed.**');
    expect(r.summary).toContain('`release/1.x`');
    expect(versions).toHaveLength(5);
    expect(asked.filter((q) => q.startsWith('DELETE'))).toEqual([]);
  });

  test('without dry-run: the gone branch goes; main, develop, release/* and the images stay', async () => {
    const r = await sweepStep({ 'dry-run': 'false' });
    expect([r.code, r.stdout.match(/::error::.*/)?.[0]]).toEqual([0, undefined]);
    expect(versions.map((v) => v.id)).toEqual([1, 2, 4, 5]);
    expect(r.summary).toContain('**1 deleted, 0 kept, 0 failed.**');
  });
});
