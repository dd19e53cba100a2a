// deleteRegistryTags (src/registry/delete-tags.ts) against a local HTTP server
// that speaks the distribution API as distribution 2.8 does (fake-distribution.ts).
import { describe, expect, test } from '@jest/globals';
import { deleteRegistryTags, PLACEHOLDER_TYPE, placeholder } from '../src/registry/delete-tags.js';
import { RegistryClient } from '../src/registry/registry.js';
import { type Distribution, distribution, kinds } from './fake-distribution.js';
import { cacheManifest, sha } from './fake-registry.js';

const client = (d: Distribution, timeoutMs?: number) =>
  new RegistryClient({ host: d.host, apiHost: d.host, name: 'acme/app' }, { timeoutMs });

/** A distinct BuildKit cache manifest (image-manifest=true) per name. */
const cache = (name: string) => cacheManifest(JSON.stringify({ records: [], name }));

/** An image manifest: what an inline cache's tag, or a user's tag, points to. */
const image = (name: string) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(name), size: 2 },
    layers: [],
  });

/** `n` image tags nobody asked about (sha-… and build-…, as CI tags images). */
function imageTags(n: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      i % 2 ? `sha-${i.toString(16).padStart(7, '0')}` : `build-${i}`,
      image(`u${i}`),
    ]),
  );
}

const OURS = ['cache.build.feature_x', 'cache.test.feature_x', 'cache.lint.feature_x', 'cache-build-feature-x'];

describe('each tag goes alone: whatever shared its manifest keeps it', () => {
  test('a cache shared with main’s, an inline cache on the user’s image: those tags unchanged, ours gone', async () => {
    const content = {
      'cache.build.feature_x': cache('build-x'),
      'cache.test.feature_x': cache('same'),
      'cache.test.main': cache('same'), // main's cache with the very same content
      'cache.lint.feature_x': image('app-x'), // an inline cache: a cache tag on an image...
      'feature-x-1.0': image('app-x'), // ...which the user's own tag also carries
      latest: image('app'),
    };
    const d = await distribution(content);
    const results = await deleteRegistryTags(client(d), OURS, { dryRun: false });
    expect(results).toEqual([
      { tag: 'cache.build.feature_x', state: 'deleted', detail: sha(cache('build-x')) },
      { tag: 'cache.test.feature_x', state: 'deleted', detail: sha(cache('same')) },
      { tag: 'cache.lint.feature_x', state: 'deleted', detail: sha(image('app-x')) },
      { tag: 'cache-build-feature-x', state: 'not found' },
    ]);
    expect(Object.fromEntries(d.tagged())).toEqual({
      'cache.test.main': content['cache.test.main'],
      'feature-x-1.0': content['feature-x-1.0'],
      latest: content.latest,
    });
    // No placeholder is left behind; the old manifests stay, untagged, for the registry's own clean-up.
    expect([...d.manifests.values()].filter((b) => b.includes('buildx-branch-cache'))).toEqual([]);
    expect(d.manifests.has(sha(cache('build-x')))).toBe(true);
  });

  test('a registry whose DELETE fails when a tag is written meanwhile (distribution 2.8): the DELETEs go one by one', async () => {
    const many = Array.from({ length: 12 }, (_, i) => `cache.s${i}.feature_x`);
    const d = await distribution(Object.fromEntries(many.map((t) => [t, cache(t)])), { racy: true });
    const results = await deleteRegistryTags(client(d), many, { dryRun: false });
    expect(results.filter((r) => r.state !== 'deleted')).toEqual([]);
    expect(d.tagged().size).toBe(0);
  });

  test('two of our own tags on one manifest: both go', async () => {
    const d = await distribution({ 'cache-a-x': cache('same'), 'cache-b-x': cache('same'), other: cache('o') });
    const results = await deleteRegistryTags(client(d), ['cache-a-x', 'cache-b-x'], { dryRun: false });
    expect(results.map((r) => r.state)).toEqual(['deleted', 'deleted']);
    expect([...d.tagged().keys()]).toEqual(['other']);
  });

  test('the requests do not grow with the repository: the same for 10 and for 3,000 other tags, no tag list', async () => {
    const counts: Record<string, number>[] = [];
    for (const n of [10, 3000]) {
      const d = await distribution({
        'cache.build.feature_x': cache('x'),
        'cache.test.feature_x': cache('y'),
        'cache.test.main': cache('y'),
        ...imageTags(n),
      });
      const results = await deleteRegistryTags(client(d), OURS, { dryRun: false });
      expect(results.map((r) => r.state)).toEqual(['deleted', 'deleted', 'not found', 'not found']);
      counts.push(kinds(d.requests));
    }
    // A HEAD per tag asked; the empty blob (HEAD, upload); the check (twice a PUT and a DELETE); a PUT and a DELETE per tag.
    const expected = {
      'HEAD manifest': 4,
      'HEAD blob': 1,
      'POST blob': 1,
      'PUT blob': 1,
      'PUT manifest': 4,
      'DELETE manifest': 4,
    };
    expect(counts).toEqual([expected, expected]);
  });

  test('an upload Location relative to the POST, with a query: resolved against the POST’s URL, its query kept', async () => {
    const d = await distribution({ 'cache.build.feature_x': cache('x') }, { relativeLocation: true });
    const results = await deleteRegistryTags(client(d), ['cache.build.feature_x'], { dryRun: false });
    expect(results.map((r) => [r.state, r.detail])).toEqual([['deleted', sha(cache('x'))]]);
    expect(d.requests.filter((q) => q.startsWith('PUT /v2/acme/app/blobs'))).toEqual([
      `PUT /v2/acme/app/blobs/uploads/u1?state=s%7E&digest=${encodeURIComponent(sha('{}'))}`,
    ]);
  });

  test('the empty blob already there: not uploaded again', async () => {
    const d = await distribution({ 'cache.build.feature_x': cache('x') }, { emptyBlob: true });
    expect((await deleteRegistryTags(client(d), ['cache.build.feature_x'], { dryRun: false }))[0]!.state).toBe(
      'deleted',
    );
    expect(kinds(d.requests)).toEqual({ 'HEAD manifest': 1, 'HEAD blob': 1, 'PUT manifest': 3, 'DELETE manifest': 3 });
  });

  test('a placeholder is unique to its tag and run, an OCI artifact on the empty descriptor', () => {
    const all = [placeholder('a', 'r1'), placeholder('b', 'r1'), placeholder('a', 'r2'), placeholder('', 'r1')];
    expect(new Set(all.map(sha)).size).toBe(4);
    const parsed = JSON.parse(all[0]!) as { artifactType: string; config: unknown; layers: unknown[] };
    expect(parsed.config).toEqual({ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha('{}'), size: 2 });
    expect(parsed.layers).toEqual([parsed.config]);
    // OCI image-spec: a manifest whose config is the empty descriptor must say its artifactType.
    expect(parsed.artifactType).toBe(PLACEHOLDER_TYPE);
  });

  test('a dry run only asks: a HEAD per tag, nothing changed', async () => {
    const content = { 'cache.build.feature_x': cache('x'), 'cache.test.main': cache('y') };
    const d = await distribution(content);
    const results = await deleteRegistryTags(client(d), OURS, { dryRun: true });
    expect(results.map((r) => [r.state, r.detail])).toEqual([
      ['would delete', sha(cache('x'))],
      ['not found', undefined],
      ['not found', undefined],
      ['not found', undefined],
    ]);
    expect(kinds(d.requests)).toEqual({ 'HEAD manifest': 4 });
    expect(Object.fromEntries(d.tagged())).toEqual(content);
  });

  test('nothing exists: a HEAD per tag and nothing else', async () => {
    const d = await distribution({ latest: image('app') });
    const results = await deleteRegistryTags(client(d), OURS, { dryRun: false });
    expect(results.map((r) => r.state)).toEqual(OURS.map(() => 'not found'));
    expect(kinds(d.requests)).toEqual({ 'HEAD manifest': 4 });
  });
});

describe('faults: what was deleted and what not is said, tag by tag', () => {
  const content = () => ({
    'cache.build.feature_x': cache('b'),
    'cache.test.feature_x': cache('t'),
    'cache.lint.feature_x': cache('l'),
    'cache.test.main': cache('m'),
  });
  const ours = ['cache.build.feature_x', 'cache.test.feature_x', 'cache.lint.feature_x'];
  const ourTags = (d: Distribution) => [...d.tagged().keys()].filter((t) => t.endsWith('feature_x'));

  test('a registry that does not delete (405 UNSUPPORTED): found out before any tag is touched', async () => {
    const d = await distribution(content(), {
      fault: (method) => (method === 'DELETE' ? { status: 405, code: 'UNSUPPORTED' } : undefined),
    });
    const results = await deleteRegistryTags(client(d), ours, { dryRun: false });
    expect(results.map((r) => r.state)).toEqual(['unsupported', 'unsupported', 'unsupported']);
    expect(results[0]!.detail).toMatch(
      /^127\.0\.0\.1:\d+ does not delete manifests through the registry API \(it answered HTTP 405 UNSUPPORTED\): set a retention policy/,
    );
    expect(Object.fromEntries(d.tagged())).toEqual(content());
    expect(kinds(d.requests)['DELETE manifest']).toBe(1);
  });

  test('a 429 on a HEAD: nothing changed, every tag failed with the answer; no new HEAD after it', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `cache.build.branch${i}`);
    const d = await distribution(Object.fromEntries(many.map((t) => [t, cache(t)])), {
      // The first HEAD is refused at once; the others answer late, so the 429 comes first.
      fault: (method, ref) =>
        method !== 'HEAD' ? undefined : ref === many[0] ? { status: 429, code: 'TOOMANYREQUESTS' } : { delayMs: 200 },
    });
    const results = await deleteRegistryTags(client(d), many, { dryRun: false });
    // A HEAD's answer has no body, so no error code.
    expect(new Set(results.map((r) => `${r.state}: ${r.detail}`))).toEqual(
      new Set([`failed: HEAD ${d.host}/acme/app:${many[0]}: HTTP 429`]),
    );
    expect(d.tagged().size).toBe(40);
    // Late answers came in after the result: once they have, no new HEAD followed them (8 at a time, not 40).
    await new Promise((r) => setTimeout(r, 500));
    expect(d.requests.filter((q) => q.startsWith('HEAD')).length).toBeLessThanOrEqual(8);
  });

  test('a placeholder DELETE that never answers: that tag failed after the timeout, saying what it holds', async () => {
    const d = await distribution(content(), {
      fault: (method, _ref, manifest) =>
        method === 'DELETE' && manifest?.includes('"cache.test.feature_x"') ? 'hang' : undefined,
    });
    const results = await deleteRegistryTags(client(d, 300), ours, { dryRun: false });
    expect(results.map((r) => [r.tag, r.state])).toEqual([
      ['cache.build.feature_x', 'deleted'],
      ['cache.test.feature_x', 'failed'],
      ['cache.lint.feature_x', 'deleted'],
    ]);
    expect(results[1]!.detail).toMatch(
      /^DELETE 127\.0\.0\.1:\d+\/acme\/app@sha256:\w+: no answer from 127\.0\.0\.1:\d+ within 0\.3 s \(request-timeout\) \(the tag now holds an empty placeholder manifest; run the cleanup again to remove it\)$/,
    );
    expect(ourTags(d)).toEqual(['cache.test.feature_x']);
    expect(d.tagged().get('cache.test.main')).toBe(cache('m'));
  });

  test('a PUT refused for one tag (403): that tag failed and untouched, with what to check; the others deleted', async () => {
    const d = await distribution(content(), {
      fault: (method, ref) =>
        method === 'PUT' && ref === 'cache.lint.feature_x' ? { status: 403, code: 'DENIED' } : undefined,
    });
    const results = await deleteRegistryTags(client(d), ours, { dryRun: false });
    expect(results.map((r) => r.state)).toEqual(['deleted', 'deleted', 'failed']);
    expect(results[2]!.detail).toMatch(
      /^PUT 127\.0\.0\.1:\d+\/acme\/app:cache\.lint\.feature_x: HTTP 403 DENIED: the credentials for 127\.0\.0\.1:\d+ may not push and delete$/,
    );
    expect(d.tagged().get('cache.lint.feature_x')).toBe(cache('l'));
  });

  test('the check’s PUT refused (no push right): every found tag failed, nothing touched', async () => {
    const d = await distribution(content(), {
      fault: (method, ref) =>
        method === 'PUT' && ref.startsWith('sha256:') ? { status: 403, code: 'DENIED' } : undefined,
    });
    const results = await deleteRegistryTags(client(d), [...ours, 'cache.gone.feature_x'], { dryRun: false });
    expect(results.map((r) => r.state)).toEqual(['failed', 'failed', 'failed', 'not found']);
    expect(results[0]!.detail).toMatch(
      /^PUT 127\.0\.0\.1:\d+\/acme\/app@sha256:\w+: HTTP 403 DENIED: the credentials for 127\.0\.0\.1:\d+ may not push and delete \(in the check before any tag is touched: nothing was deleted\)$/,
    );
    expect(Object.fromEntries(d.tagged())).toEqual(content());
  });

  test('a registry that will not delete a manifest a tag points to (gcr.io): found out by the check, nothing deleted', async () => {
    const d = await distribution(content(), { taggedDeletes: 'refused' });
    const results = await deleteRegistryTags(client(d), ours, { dryRun: false });
    expect(results.map((r) => r.state)).toEqual(['failed', 'failed', 'failed']);
    expect(results[0]!.detail).toMatch(
      /^DELETE 127\.0\.0\.1:\d+\/acme\/app@sha256:\w+: HTTP 400 GOOGLE_MANIFEST_DANGLING_TAG.* \(in the check before any tag is touched: nothing was deleted\)$/,
    );
    // The check's own tag was taken away by its name, and every tag of ours is as it was.
    expect(Object.fromEntries(d.tagged())).toEqual(content());
  });

  test('the check’s tag cannot be taken away either: the message names it', async () => {
    const d = await distribution(content(), {
      taggedDeletes: 'refused',
      fault: (method, ref) =>
        method === 'DELETE' && !ref.startsWith('sha256:') ? { status: 400, code: 'DENIED' } : undefined,
    });
    const results = await deleteRegistryTags(client(d), ours, { dryRun: false });
    expect(results.map((r) => r.state)).toEqual(['failed', 'failed', 'failed']);
    const left = [...d.tagged().keys()].filter((t) => t.startsWith('buildx-branch-cache-check-'));
    expect(left).toHaveLength(1);
    expect(results[0]!.detail).toContain(`(its tag ${left[0]} is left) (in the check before any tag is touched`);
    expect(Object.fromEntries([...d.tagged()].filter(([t]) => !left.includes(t)))).toEqual(content());
  });

  test('a placeholder DELETE answered 404: failed, and the tag is said to hold the placeholder', async () => {
    const d = await distribution(content(), {
      fault: (method, _ref, manifest) =>
        method === 'DELETE' && manifest?.includes('"cache.test.feature_x"')
          ? { status: 404, code: 'MANIFEST_UNKNOWN' }
          : undefined,
    });
    const results = await deleteRegistryTags(client(d), ours, { dryRun: false });
    expect(results[1]).toEqual({
      tag: 'cache.test.feature_x',
      state: 'failed',
      detail: expect.stringMatching(
        /: not found \(the tag now holds an empty placeholder manifest; run the cleanup again/,
      ),
    });
  });

  test('after a failed tag no new one is started: the rest are not tried, and said so', async () => {
    const many = Array.from({ length: 20 }, (_, i) => `cache.s${String(i).padStart(2, '0')}.feature_x`);
    const d = await distribution(Object.fromEntries(many.map((t) => [t, cache(t)])), {
      // The first tag's PUT is refused at once; the others' are late, so the refusal comes first.
      fault: (method, ref) =>
        method !== 'PUT' || ref.startsWith('buildx-branch-cache-check-') || ref.startsWith('sha256:')
          ? undefined
          : ref === many[0]
            ? { status: 429, code: 'TOOMANYREQUESTS' }
            : { delayMs: 200 },
    });
    const results = await deleteRegistryTags(client(d), many, { dryRun: false });
    const notTried = results.filter((r) => r.detail?.startsWith('not tried after an earlier failure: PUT '));
    expect(results[0]!.detail).toMatch(/HTTP 429 TOOMANYREQUESTS/);
    // 8 at a time: the first 8 were under way; the other 12 never started.
    expect(notTried.map((r) => r.tag)).toEqual(many.slice(8));
    expect(d.requests.filter((q) => q.startsWith('PUT /v2/acme/app/manifests/cache.'))).toHaveLength(8);
  });
});
