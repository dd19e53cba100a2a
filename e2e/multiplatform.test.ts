// One image for two platforms, each built by its own job (README, "Matrix
// jobs"): two runs of the bundled action, one per platform on an emptied
// builder, each pushing its image without the common tag and with its own
// cache scope, then a run with `merge: true` that joins their digests. What
// was pushed is read back over the registry's HTTP API. The Dockerfile has no
// RUN step, so linux/arm64 builds on this machine without emulation.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pushEvent, runAction, type RunResult } from '../scripts/action-harness.mjs';
import { cacheName } from '../src/core/plan.js';
import { docker, emptyBuilder, engine, fixture, registryDigest, registryTags, uniqueRepo } from './lib.js';
import { removeTempDirs } from '../__tests__/temp-dirs.js';

const E = engine();
// What the file made in os.tmpdir() (fixture(), tempDir()), removed after its tests.
afterAll(removeTempDirs);
const PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;
const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];
/** buildx's words when the `docker` driver (the test engine's only builder) is asked to push by digest. */
const DOCKER_DRIVER_REFUSAL = 'push-by-digest is currently not implemented for docker driver';

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`action failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

interface Entry {
  digest: string;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}

async function manifest(repo: string, ref: string): Promise<{ mediaType: string; manifests: Entry[] }> {
  const res = await fetch(`http://${E.registry}/v2/${repo}/manifests/${ref}`, {
    headers: { Accept: INDEX_TYPES.join(', ') },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { mediaType?: string; manifests?: Entry[] };
  return { mediaType: body.mediaType ?? res.headers.get('content-type') ?? '', manifests: body.manifests ?? [] };
}

describe(`multi-platform across jobs, merged (${E.flavor || 'external'} engine, buildx ${E.buildxVersion})`, () => {
  const repo = uniqueRepo('multiplatform');
  const image = `${E.registry}/${repo}`;
  const context = fixture({ Dockerfile: 'FROM scratch AS app\nCOPY hello.txt /hello.txt\n', 'hello.txt': 'hello\n' });
  const jobs = new Map<string, RunResult>();
  /** buildx's refusal, when the builder could not push by digest and the jobs pushed to a tag each instead. */
  let refusal: string | undefined;
  let merged: RunResult;

  /** One platform job, as on a fresh runner: the README's outputs line, or a tag of its own where refused. */
  async function platformJob(platform: string): Promise<RunResult> {
    const byDigest = `type=image,name=${image},push-by-digest=true,name-canonical=true,push=true`;
    const byTag = `type=image,name=${image}:platform-${platform.split('/')[1]},push=true`;
    const run = (outputs: string) =>
      runAction({
        cwd: context,
        event: pushEvent('main'),
        env: E.env,
        inputs: { image, platforms: platform, outputs, network: 'none' },
      });
    await emptyBuilder();
    if (refusal === undefined) {
      const r = await run(byDigest);
      if (r.code === 0 || !`${r.stdout}${r.stderr}`.includes(DOCKER_DRIVER_REFUSAL)) return ok(r);
      refusal = `${r.stdout}${r.stderr}`.split('\n').find((l) => l.includes(DOCKER_DRIVER_REFUSAL))!;
      console.warn(
        `multiplatform.test.ts: the builder cannot push by digest (${refusal.trim()}); ` +
          'each platform job pushes to a tag of its own instead, and the merge is the same',
      );
      await emptyBuilder();
    }
    return ok(await run(byTag));
  }

  beforeAll(async () => {
    for (const platform of PLATFORMS) jobs.set(platform, await platformJob(platform));
    merged = await runAction({
      cwd: context,
      event: pushEvent('main'),
      env: E.env,
      inputs: {
        merge: 'true',
        image,
        // One bare digest and one with its repository: both forms the input takes.
        digests: `${jobs.get('linux/amd64')!.outputs.digest}\n${image}@${jobs.get('linux/arm64')!.outputs.digest}`,
        tags: `${image}:v1, ${image}:latest`,
      },
    });
  });

  test('each platform job pushed its image and set its digest', async () => {
    for (const platform of PLATFORMS) {
      const digest = jobs.get(platform)!.outputs.digest!;
      expect([platform, digest]).toEqual([platform, expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]);
      expect(await registryDigest(E.registry, repo, digest)).toBe(digest);
    }
    expect(jobs.get('linux/amd64')!.outputs.digest).not.toBe(jobs.get('linux/arm64')!.outputs.digest);
  });

  test("the README's push-by-digest outputs line, unless the builder is the docker driver, which refuses it", async () => {
    if (refusal === undefined) return;
    // The test engine's only builder. Anywhere else the README's line has to work.
    const inspect = await docker(['buildx', 'inspect']);
    expect(inspect.stdout).toMatch(/^Driver:\s+docker\s*$/m);
  });

  test('the merge run pushed one index of exactly both platforms to every tag, and its digest is the output', async () => {
    ok(merged);
    const digest = merged.outputs.digest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await registryDigest(E.registry, repo, 'v1')).toBe(digest);
    expect(await registryDigest(E.registry, repo, 'latest')).toBe(digest);
    const list = await manifest(repo, 'v1');
    expect(INDEX_TYPES).toContain(list.mediaType);
    const images = list.manifests.filter(
      (m) => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest',
    );
    expect(images.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).sort()).toEqual([...PLATFORMS]);
    // Each platform's image is the one its job pushed, or (when the job's digest is an index, buildx's
    // provenance beside the image) the image inside it.
    for (const m of images) {
      const platform = `${m.platform?.os}/${m.platform?.architecture}`;
      const pushed = jobs.get(platform)!.outputs.digest!;
      const inside = (await manifest(repo, pushed)).manifests.map((e) => e.digest);
      expect([platform, [pushed, ...inside]]).toEqual([platform, expect.arrayContaining([m.digest])]);
    }
    expect(merged.stdout).toContain(`digest: ${digest}`);
    expect(JSON.parse(merged.outputs.args!)).toEqual(expect.arrayContaining(['imagetools', 'create', '--tag']));
  });

  test('each platform kept its own cache ref', async () => {
    const tags = await registryTags(E.registry, repo);
    for (const platform of PLATFORMS) {
      const tag = cacheName('cache', 'app', 'main', platform);
      expect(jobs.get(platform)!.outputs['cache-ref']).toBe(`${image}:${tag}`);
      expect(tags).toContain(tag);
    }
  });

  test('a malformed digest is one error naming digests, before imagetools runs', async () => {
    const r = await runAction({
      cwd: context,
      event: pushEvent('main'),
      env: E.env,
      inputs: {
        merge: 'true',
        image,
        digests: `${jobs.get('linux/amd64')!.outputs.digest}\nsha256:abc`,
        tags: `${image}:bad`,
      },
    });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toEqual([expect.stringMatching(/^::error::digests: item 2, "sha256:abc", is not an image digest/)]);
    expect(r.stdout).not.toContain('imagetools create');
    expect(await registryDigest(E.registry, repo, 'bad')).toBeUndefined();
  });
  test("a digest the registry does not have: imagetools' own error, and no digest output", async () => {
    const r = await runAction({
      cwd: context,
      event: pushEvent('main'),
      env: E.env,
      inputs: { merge: 'true', image, digests: `sha256:${'0'.repeat(64)}`, tags: `${image}:missing` },
    });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toEqual([
      expect.stringMatching(/^::error::docker buildx imagetools create failed with exit code 1: /),
    ]);
    expect(r.outputs.digest ?? '').toBe('');
  });
});
