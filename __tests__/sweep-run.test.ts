// shell/sweep.ts start to end against a real HTTP server that answers as a
// distribution registry with delete enabled (fake-distribution.ts), and a
// branch source the test gives.
import { afterEach, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeTag } from '../src/core/tag.js';
import type { LiveBranches } from '../src/shell/sweep.js';
import { runSweep } from '../src/shell/sweep.js';
import { distribution } from './fake-distribution.js';
import { sha } from './fake-registry.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

const tag = (stage: string, branch: string) => encodeTag({ prefix: 'cache', stage, branch });

/** A cache manifest whose one layer BuildKit made at `createdAt`; `salt` makes its digest its own. */
function cacheManifest(createdAt: string, salt: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.buildkit.cacheconfig.v0', digest: sha(salt), size: 100 },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: sha(`l${salt}`),
        size: 2048,
        annotations: { 'buildkit/createdat': createdAt },
      },
    ],
  });
}

/** The shared fake (fake-distribution.ts); `refuseDelete` answers every DELETE as Docker Hub does. */
const registry = (tags: Record<string, string>, opts: { refuseDelete?: boolean } = {}) =>
  distribution(tags, {
    fault: (method) => (opts.refuseDelete && method === 'DELETE' ? { status: 405, code: 'UNSUPPORTED' } : undefined),
  });

function host(live: LiveBranches) {
  const rec = {
    infos: [] as string[],
    warns: [] as string[],
    fails: [] as string[],
    outputs: {} as Record<string, string>,
    summary: '',
  };
  return {
    rec,
    io: {
      info: (l: string) => void rec.infos.push(l),
      warn: (l: string) => void rec.warns.push(l),
      fail: (l: string) => void rec.fails.push(l),
      setOutput: (k: string, v: string) => {
        rec.outputs[k] = v;
      },
      setSecret: () => {},
      summary: async (md: string) => {
        rec.summary += md;
      },
      branches: () => ({ liveBranches: async () => live }),
    },
  };
}

function env(): NodeJS.ProcessEnv {
  const dir = tempDir('bbc-sweep-');
  writeFileSync(join(dir, 'config.json'), '{}');
  writeFileSync(join(dir, 'summary.md'), '');
  return { DOCKER_CONFIG: dir, GITHUB_STEP_SUMMARY: join(dir, 'summary.md'), PATH: process.env.PATH };
}

afterEach(removeTempDirs);

const NOW = new Date('2026-11-30T12:00:00Z');
const OLD = '2026-11-01T00:00:00Z';
const YOUNG = '2026-11-29T00:00:00Z';

describe('runSweep', () => {
  test('deletes the old caches of gone branches; keeps live, default, protected and young ones, and other tags', async () => {
    const reg = await registry({
      [tag('build', 'main')]: cacheManifest(OLD, 'main'),
      [tag('build', 'feature/live')]: cacheManifest(OLD, 'live'),
      [tag('build', 'feature/old')]: cacheManifest(OLD, 'old'),
      [tag('deps', 'feature/old')]: cacheManifest(OLD, 'old-deps'),
      [tag('build', 'feature/young')]: cacheManifest(YOUNG, 'young'),
      [tag('build', 'release/1')]: cacheManifest(OLD, 'release'),
      latest: cacheManifest(OLD, 'an image, say'),
    });
    const h = host({ branches: ['main', 'feature/live'], defaultBranch: 'main', where: 'the test' });
    const inputs: Record<string, string> = { image: `${reg.host}/acme/app`, 'protected-branches': 'release/*' };
    await runSweep(
      (n) => inputs[n] ?? '',
      h.io,
      env(),
      () => NOW,
    );
    expect(h.rec.fails).toEqual([]);
    expect([...reg.tagged().keys()].sort()).toEqual(
      [
        'latest',
        tag('build', 'main'),
        tag('build', 'feature/live'),
        tag('build', 'feature/young'),
        tag('build', 'release/1'),
      ].sort(),
    );
    expect(h.rec.outputs['deleted-refs']!.split('\n').sort()).toEqual(
      [
        `${reg.host}/acme/app:${tag('build', 'feature/old')}`,
        `${reg.host}/acme/app:${tag('deps', 'feature/old')}`,
      ].sort(),
    );
    expect(h.rec.infos).toContain(
      'sweep: feature/old: 2 cache tag(s), up to 4.2 KiB (gone; last used its newest cache layer made 2026-11-01 00:00 UTC, more than keep-for 7d ago)',
    );
    expect(h.rec.infos.find((l) => l.startsWith('keep: feature/young'))).toContain('within keep-for 7d');
    expect(h.rec.infos.find((l) => l.startsWith('keep: release/1'))).toContain('protected-branches');
    // Only the gone branches' manifests were read: the cost grows with what goes, not with the repository.
    const reads = new Set(
      reg.requests.filter((q) => q.startsWith('GET /v2/acme/app/manifests/')).map((q) => q.split('/').pop()),
    );
    expect([...reads].sort()).toEqual(
      [tag('build', 'feature/old'), tag('build', 'feature/young'), tag('deps', 'feature/old')].sort(),
    );
    expect(h.rec.summary).toContain('**2 deleted, 0 kept, 0 failed; up to 4.2 KiB.**');
  });

  test("0.1's tags are never swept: a gone branch that slugged like a live one (release-1, release/1) keeps them", async () => {
    const reg = await registry({
      [tag('build', 'release/1')]: cacheManifest(OLD, 'new-live'),
      [tag('build', 'release-1')]: cacheManifest(OLD, 'new-gone'),
      'cache-build-release-1': cacheManifest(OLD, 'legacy-shared'),
      [tag('build', 'main')]: cacheManifest(OLD, 'm'),
    });
    const h = host({ branches: ['main', 'release/1'], defaultBranch: 'main', where: 'the test' });
    const inputs: Record<string, string> = { image: `${reg.host}/acme/app`, 'keep-for': '0' };
    await runSweep(
      (n) => inputs[n] ?? '',
      h.io,
      env(),
      () => NOW,
    );
    expect(h.rec.fails).toEqual([]);
    // The new scheme tells release-1 from release/1: only the gone one's tag goes; the shared 0.1 tag stays.
    expect([...reg.tagged().keys()].sort()).toEqual(
      ['cache-build-release-1', tag('build', 'main'), tag('build', 'release/1')].sort(),
    );
  });

  test('a dry run deletes nothing and says what would go', async () => {
    const reg = await registry({
      [tag('build', 'gone')]: cacheManifest(OLD, 'g'),
      [tag('build', 'main')]: cacheManifest(OLD, 'm'),
    });
    const h = host({ branches: ['main'], defaultBranch: 'main', where: 'the test' });
    const inputs: Record<string, string> = { image: `${reg.host}/acme/app`, 'dry-run': 'true', 'keep-for': '0' };
    await runSweep(
      (n) => inputs[n] ?? '',
      h.io,
      env(),
      () => NOW,
    );
    expect([h.rec.fails, [...reg.tagged().keys()].length]).toEqual([[], 2]);
    expect(reg.requests.filter((q) => q.startsWith('DELETE'))).toEqual([]);
    expect(h.rec.infos).toContain(
      `would delete: ${reg.host}/acme/app:${tag('build', 'gone')} (${sha(cacheManifest(OLD, 'g'))})`,
    );
  });

  test.each([
    ['no branches at all', { branches: [], defaultBranch: 'main', where: 'the API' }],
    ['a list without the default branch', { branches: ['feature/a'], defaultBranch: 'main', where: 'the API' }],
  ])('%s: refused, nothing asked of the registry', async (_name, live) => {
    const reg = await registry({ [tag('build', 'feature/a')]: cacheManifest(OLD, 'a') });
    const h = host(live);
    await runSweep(
      (n) => (n === 'image' ? `${reg.host}/acme/app` : ''),
      h.io,
      env(),
      () => NOW,
    );
    expect(h.rec.fails).toHaveLength(1);
    expect(h.rec.fails[0]).toMatch(/refusing to sweep on a list that cannot be complete$/);
    expect(reg.requests).toEqual([]);
  });

  test('a registry that refuses DELETE: the tags are reported, and the step fails', async () => {
    const reg = await registry(
      { [tag('build', 'gone')]: cacheManifest(OLD, 'g'), [tag('build', 'main')]: cacheManifest(OLD, 'm') },
      { refuseDelete: true },
    );
    const h = host({ branches: ['main'], defaultBranch: 'main', where: 'the test' });
    await runSweep(
      (n) => (n === 'image' ? `${reg.host}/acme/app` : ''),
      h.io,
      env(),
      () => NOW,
    );
    expect(h.rec.fails).toHaveLength(1);
    expect(h.rec.fails[0]).toMatch(/^could not delete 1 of 1 cache tag\(s\)/);
    expect([...reg.tagged().keys()]).toHaveLength(2);
  });
});
