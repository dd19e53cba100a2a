import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildkitMinor,
  buildxMinor,
  checkBuilder,
  MIN_BUILDX_MINOR,
  parseInspect,
  type BuildNeeds,
} from '../src/core/builder.js';

// Real `docker buildx version` and `docker buildx inspect` output from both test engines
// (scripts/capture-fixtures.sh): Debian trixie's Docker 26.1 / buildx 0.13.1 and sid's
// Docker 28.5 / buildx 0.29.1. `docker-classic` is a daemon without the containerd image
// store; `docker-container` and `remote` are builders created without bootstrapping
// (their BuildKit cannot run here), as hosted runners' docker/setup-buildx-action makes them.
const VERSIONS = ['0.13', '0.29'] as const;
const capture = (v: string, name: string) =>
  readFileSync(join(import.meta.dirname, 'fixtures', 'buildx', `${v}-${name}.txt`), 'utf8');

const NEEDS: BuildNeeds = { cacheType: 'registry', exporting: true, push: true, load: false, fallbackToInline: false };

describe.each(VERSIONS)('buildx %s: the captured builders', (v) => {
  test('docker driver on the containerd image store: can export every cache but s3', () => {
    const info = parseInspect(capture(v, 'inspect-docker'));
    expect(info).toMatchObject({
      name: 'default',
      driver: 'docker',
      error: undefined,
      buildkitVersion: 'v0.0.0+unknown',
    });
    expect(info.labels).toEqual(
      expect.arrayContaining([
        'org.mobyproject.buildkit.worker.containerd.namespace',
        'org.mobyproject.buildkit.worker.snapshotter',
      ]),
    );
    // Debian's dockerd does not say its BuildKit's version: the push+load check cannot apply.
    expect(buildkitMinor(info.buildkitVersion)).toBeUndefined();
    expect(checkBuilder(info, NEEDS)).toEqual({ ok: true });
    expect(checkBuilder(info, { ...NEEDS, push: true, load: true })).toEqual({ ok: true });
    for (const cacheType of ['local', 'gha', 'inline'] as const)
      expect(checkBuilder(info, { ...NEEDS, cacheType })).toEqual({ ok: true });
    expect(checkBuilder(info, { ...NEEDS, cacheType: 's3' })).toMatchObject({
      ok: false,
      input: 'builder',
      message: expect.stringContaining('no s3 cache exporter'),
    });
  });

  test('docker driver on the classic image store: no registry cache export, with the remedy; inline fallback when asked', () => {
    const info = parseInspect(capture(v, 'inspect-docker-classic'));
    expect(info).toMatchObject({ name: 'default', driver: 'docker', error: undefined });
    expect(info.labels.filter((l) => l.includes('.containerd.'))).toEqual([]);
    expect(checkBuilder(info, NEEDS)).toMatchObject({
      ok: false,
      input: 'builder',
      message: expect.stringMatching(/without the containerd image store.*docker\/setup-buildx-action/),
    });
    expect(checkBuilder(info, { ...NEEDS, fallbackToInline: true })).toMatchObject({
      ok: true,
      fallbackToInline: true,
    });
    // Importing only (a fork's build) needs no export.
    expect(checkBuilder(info, { ...NEEDS, exporting: false })).toEqual({ ok: true });
  });

  test('docker-container builder, not bootstrapped: its driver can export every cache type; version unknown until it starts', () => {
    const text = capture(v, 'inspect-docker-container');
    const info = parseInspect(text);
    expect(info).toEqual({
      name: 'bbc-fx-container',
      driver: 'docker-container',
      error: undefined,
      buildkitVersion: undefined,
      labels: [],
    });
    expect(text).toMatch(/^Status:\s+inactive$/m);
    for (const cacheType of ['registry', 'local', 'gha', 's3', 'inline'] as const) {
      expect(checkBuilder(info, { ...NEEDS, cacheType })).toEqual({ ok: true });
    }
    // Its BuildKit's version is not known before it starts: push+load is left to buildx.
    expect(checkBuilder(info, { ...NEEDS, load: true })).toEqual({ ok: true });
  });

  test('remote builder whose endpoint does not answer: inspect still succeeds (inactive), and the check passes it on to buildx', () => {
    const text = capture(v, 'inspect-remote');
    const info = parseInspect(text);
    expect(info).toEqual({
      name: 'bbc-fx-remote',
      driver: 'remote',
      error: undefined,
      buildkitVersion: undefined,
      labels: [],
    });
    expect(text).toMatch(/^Endpoint:\s+tcp:\/\/127\.0\.0\.1:1$/m);
    expect(checkBuilder(info, { ...NEEDS, cacheType: 's3' })).toEqual({ ok: true });
  });

  test('`docker buildx version` (Debian builds: no "v", a +ds1 suffix) is read as a supported minor', () => {
    const text = capture(v, 'version');
    expect(text).toMatch(/^github\.com\/docker\/buildx 0\.\d+\.\d+\+ds1 /);
    expect(buildxMinor(text)).toBe(Number(v.split('.')[1]));
    expect(buildxMinor(text)!).toBeGreaterThanOrEqual(MIN_BUILDX_MINOR);
  });
});

describe('what differs between the two captures', () => {
  test('buildx 0.29 adds GC policy rules to inspect; the fields the check reads are the same', () => {
    expect(capture('0.13', 'inspect-docker')).not.toContain('GC Policy');
    expect(capture('0.29', 'inspect-docker')).toMatch(/^GC Policy rule#0:$/m);
    const [old, cur] = VERSIONS.map((v) => parseInspect(capture(v, 'inspect-docker')));
    expect({ ...cur!, labels: undefined }).toEqual({ ...old!, labels: undefined });
  });

  test('dockerd 28 on the classic store lists no labels at all (26.1 listed only host-gateway-ip)', () => {
    expect(parseInspect(capture('0.13', 'inspect-docker-classic')).labels).toEqual([
      'org.mobyproject.buildkit.worker.moby.host-gateway-ip',
    ]);
    expect(parseInspect(capture('0.29', 'inspect-docker-classic')).labels).toEqual([]);
  });
});

describe('buildxMinor and buildkitMinor: version strings seen in the wild', () => {
  test.each([
    ['github.com/docker/buildx v0.13.1 788433953af10f2a698f5c07611dddce2e08c7a0', 13],
    ['github.com/docker/buildx 0.29.1+ds1 0.29.1+ds1-4', 29],
    ['github.com/docker/buildx v0.29.1 a4f4c2a2d2b3d8e0e4c1f7b1c8b0e8b5d2c1a0f9', 29],
    ['github.com/docker/buildx v0.30.0-desktop.1 5e4a1b2c', 30],
    ['github.com/docker/buildx 0.12.1+ds1 0.12.1+ds1-1', 12],
    ['github.com/docker/buildx v0.11.2 9872040', 11],
  ])('%s -> 0.%i', (text, minor) => {
    expect(buildxMinor(text)).toBe(minor);
  });

  test('no version in the text: undefined (the check lets buildx speak for itself)', () => {
    expect(buildxMinor('buildx version unknown')).toBeUndefined();
  });

  test.each([
    ['v0.13.2', 13],
    ['v0.25.1', 25],
    ['0.16.0', 16],
    ['v0.0.0+unknown', undefined],
    [undefined, undefined],
  ])('BuildKit %s -> %s', (version, minor) => {
    expect(buildkitMinor(version)).toBe(minor);
  });
});
