import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildkitMinor,
  buildxMinor,
  canExportCache,
  checkBuilder,
  MIN_BUILDX_MINOR,
  parseInspect,
  type BuilderInfo,
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

describe('parseInspect, canExportCache and checkBuilder: each rule on its own', () => {
  const info = (over: Partial<BuilderInfo> = {}): BuilderInfo => ({
    name: 'b',
    driver: 'docker-container',
    error: undefined,
    buildkitVersion: 'v0.20.0',
    labels: [],
    ...over,
  });
  const CONTAINERD = 'org.mobyproject.buildkit.worker.containerd.snapshotter';

  test('parseInspect: the fields at line starts; Buildkit as the older spelling; blanks are none', () => {
    expect(parseInspect('Name:   mybuilder\nDriver: docker\nBuildkit: v0.12.5\nError:\t\n')).toEqual({
      name: 'mybuilder',
      driver: 'docker',
      error: undefined,
      buildkitVersion: 'v0.12.5',
      labels: [],
    });
    expect(parseInspect('BuildKit version: v0.20.1\nBuildkit: v0.1.0\n').buildkitVersion).toBe('v0.20.1');
    // An empty field is none, and never the next line's text.
    expect(parseInspect('Name: b\nError:\nDriver: docker\nBuildKit version:\nBuildkit: v0.12.5\n')).toEqual({
      name: 'b',
      driver: 'docker',
      error: undefined,
      buildkitVersion: 'v0.12.5',
      labels: [],
    });
    expect(parseInspect('Name:\r\nDriver: remote\r\n')).toMatchObject({ name: 'default', driver: 'remote' });
    expect(parseInspect('Driver Options: x\nError: daemon down\n')).toMatchObject({
      name: 'default',
      driver: '',
      error: 'daemon down',
    });
    expect(parseInspect(`Labels:\n  ${CONTAINERD}: x\n org.mobyproject.a: 1\norg.mobyproject.b: 2\n`).labels).toEqual([
      CONTAINERD,
      'org.mobyproject.a',
    ]);
  });

  test('canExportCache: inline always; other drivers always; docker: no s3, the rest with containerd', () => {
    const docker = info({ driver: 'docker' });
    const containerd = info({ driver: 'docker', labels: [CONTAINERD] });
    const types = ['inline', 'registry', 'local', 'gha', 's3'] as const;
    expect(types.map((t) => canExportCache(docker, t))).toEqual([true, false, false, false, false]);
    expect(types.map((t) => canExportCache(containerd, t))).toEqual([true, true, true, true, false]);
    expect(types.map((t) => canExportCache(info(), t))).toEqual([true, true, true, true, true]);
  });

  test('checkBuilder: an unreachable builder, in full', () => {
    expect(checkBuilder(info({ error: 'no daemon' }), NEEDS)).toEqual({
      ok: false,
      input: 'builder',
      message:
        'buildx cannot reach builder "b": no daemon. Start the Docker daemon, or create a builder with ' +
        'docker/setup-buildx-action before this step',
    });
  });

  test('checkBuilder: push and load together need BuildKit 0.13, when it says its version', () => {
    const both = { ...NEEDS, push: true, load: true };
    expect(checkBuilder(info({ buildkitVersion: 'v0.12.5' }), both)).toEqual({
      ok: false,
      input: 'load',
      message:
        'push and load together need BuildKit 0.13 or later, and builder "b" runs v0.12.5: drop one of them, ' +
        'or update the builder',
    });
    expect(checkBuilder(info({ buildkitVersion: 'v0.13.0' }), both)).toEqual({ ok: true });
    expect(checkBuilder(info({ buildkitVersion: undefined }), both)).toEqual({ ok: true });
    expect(checkBuilder(info({ buildkitVersion: 'v0.12.5' }), { ...NEEDS, push: true, load: false })).toEqual({
      ok: true,
    });
    expect(checkBuilder(info({ buildkitVersion: 'v0.12.5' }), { ...NEEDS, push: false, load: true })).toEqual({
      ok: true,
    });
  });

  test('checkBuilder: a cache the docker driver cannot export; the inline fallback only with push', () => {
    const docker = info({ driver: 'docker' });
    const why =
      'builder "b" uses the docker driver without the containerd image store, which cannot export a gha cache';
    const remedy =
      ': add docker/setup-buildx-action before this step (a docker-container builder), turn on the containerd ' +
      'image store, or set fallback-to-inline: true (with push: true)';
    expect(checkBuilder(docker, { ...NEEDS, cacheType: 'gha' })).toEqual({
      ok: false,
      input: 'builder',
      message: why + remedy,
    });
    expect(checkBuilder(docker, { ...NEEDS, cacheType: 's3' })).toEqual({
      ok: false,
      input: 'builder',
      message: `builder "b" uses the docker driver, whose BuildKit has no s3 cache exporter${remedy}`,
    });
    expect(checkBuilder(docker, { ...NEEDS, cacheType: 'gha', fallbackToInline: true })).toEqual({
      ok: true,
      fallbackToInline: true,
      warning: `${why}: falling back to the inline cache (fallback-to-inline), which keeps only the pushed image's layers`,
    });
    expect(checkBuilder(docker, { ...NEEDS, cacheType: 'gha', fallbackToInline: true, push: false })).toMatchObject({
      ok: false,
      input: 'builder',
    });
    expect(checkBuilder(docker, { ...NEEDS, cacheType: 'gha', exporting: false })).toEqual({ ok: true });
  });

  test('buildkitMinor and buildxMinor: only a 0.x version', () => {
    expect(buildkitMinor('v1.2.3')).toBeUndefined();
    expect(buildkitMinor('x v0.13.2')).toBeUndefined();
    expect(buildkitMinor('v0.9.1')).toBe(9);
    expect(buildxMinor('buildx v0.13.1')).toBe(13);
    expect(buildxMinor('buildx v1.0.0')).toBeUndefined();
    expect(buildxMinor('v0.13.1')).toBeUndefined();
  });
});
