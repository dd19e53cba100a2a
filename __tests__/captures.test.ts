import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMetadata } from '../src/core/buildx.js';
import { decide, type Decision } from '../src/core/decide.js';
import { parseConfig } from '../src/core/inputs.js';
import { classifyProbe } from '../src/core/probe.js';
import { ProgressStream } from '../src/core/progress.js';
import type { ProgressReport, StageReport } from '../src/core/step-report.js';
import { exportState, headline, resultLines } from '../src/core/report.js';

// Real captures from both test engines, made by scripts/capture-fixtures.sh: Debian trixie's
// Docker 26.1 / buildx 0.13.1 (which pretty-prints every rawjson object over many lines) and
// sid's Docker 28.5 / buildx 0.29.1 (one compact object per line). Each scenario ran on an
// emptied builder against a local registry, with this Dockerfile (partial-hit, export-refused
// and failed-step each add a last step to `build`: `RUN echo extra`, `RUN echo refused`,
// `RUN echo failing && exit 3`):
const DOCKERFILE = `FROM scratch AS deps
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN echo hi && echo err >&2

FROM deps AS build
RUN echo b > /b
`;
// and lint-warnings this one (BuildKit's Dockerfile checks came with the frontend in dockerd 27):
const LINT_DOCKERFILE = `FROM scratch as Build
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV greeting hello
RUN echo $greeting > /greeting
`;

const VERSIONS = ['0.13', '0.29'] as const;
type Version = (typeof VERSIONS)[number];
const SCENARIOS = ['cold', 'full-hit', 'partial-hit', 'export-refused', 'failed-step', 'lint-warnings'] as const;
type Scenario = (typeof SCENARIOS)[number];

const dir = join(import.meta.dirname, 'fixtures');
const raw = (v: Version, s: Scenario) => readFileSync(join(dir, 'rawjson', `${v}-${s}.txt`));
const bx = (v: Version, name: string) => readFileSync(join(dir, 'buildx', `${v}-${name}`), 'utf8');

function read(chunks: Uint8Array[]): { lines: string[]; stream: ProgressStream } {
  const stream = new ProgressStream();
  const lines = [...chunks.flatMap((c) => stream.feed(c)), ...stream.end()];
  return { lines, stream };
}
const whole = (v: Version, s: Scenario) => read([raw(v, s)]);
const report = (v: Version, s: Scenario): ProgressReport => whole(v, s).stream.report();

function cutAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const c of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (c <= at || c >= bytes.length) continue;
    parts.push(bytes.subarray(at, c));
    at = c;
  }
  parts.push(bytes.subarray(at));
  return parts;
}

const stage = (r: ProgressReport, name: string): StageReport => {
  const s = r.stages.find((x) => x.stage === name);
  if (s === undefined) throw new Error(`no stage ${name} in ${r.stages.map((x) => x.stage).join(', ')}`);
  return s;
};
const counts = (r: ProgressReport) =>
  Object.fromEntries(
    r.stages.map((s) => [s.stage, `${s.cached}/${s.total}${s.firstRan ? ` first ran: ${s.firstRan.name}` : ''}`]),
  );

function decision(dockerfile: string, target?: string): Decision {
  const inputs: Record<string, string> = { image: '127.0.0.1:5000/fixtures/app', ...(target ? { target } : {}) };
  return decide(
    parseConfig((name) => inputs[name] ?? ''),
    { event: { eventName: 'push', ref: 'refs/heads/main', payload: { repository: { default_branch: 'main' } } } },
    dockerfile,
    'Dockerfile',
  );
}

describe.each(VERSIONS)('buildx %s rawjson captures: the reader', (v) => {
  test.each(SCENARIOS)('%s: bytes cut anywhere (inside UTF-8, strings, escapes) read the same as the whole', (s) => {
    const bytes = raw(v, s);
    const expected = whole(v, s);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
        const got = read(cutAt(bytes, cuts));
        expect(got.lines).toEqual(expected.lines);
        expect(got.stream.result()).toEqual(expected.stream.result());
        expect(got.stream.warnings).toEqual(expected.stream.warnings);
      }),
      { numRuns: 25 },
    );
  });

  test.each(SCENARIOS)(
    "%s: the log is plain progress and buildx's own text; no JSON reaches it, nothing is skipped",
    (s) => {
      const { lines, stream } = whole(v, s);
      const rawLines = new Set(raw(v, s).toString('utf8').split('\n'));
      expect(lines.length).toBeGreaterThan(20);
      for (const line of lines) {
        // A vertex line, a warning, or a line buildx wrote as text (its error, the Dockerfile excerpt).
        if (!/^#\d+ \S/.test(line) && !/^WARNING: \S/.test(line)) expect(rawLines).toContain(line);
        expect(line).not.toMatch(/^\s*[{}[\]]|"(vertexes|statuses|logs|digest)"\s*:/);
      }
      expect(stream.malformed).toBe(0);
      // Numbers are given in the order vertices start, from 1, without gaps.
      const firsts = [...new Set(lines.filter((l) => l.startsWith('#')).map((l) => Number(/^#(\d+)/.exec(l)![1])))];
      expect(firsts).toEqual(Array.from({ length: firsts.length }, (_, i) => i + 1));
    },
  );

  test('the layout is what the design notes say: 0.13 indents every object, 0.29 writes one per line', () => {
    const text = raw(v, 'full-hit').toString('utf8');
    const objectLines = text.split('\n').filter((l) => l.startsWith('{'));
    if (v === '0.13') expect(objectLines.filter((l) => l !== '{')).toEqual([]);
    else expect(objectLines.filter((l) => !(l.endsWith('}') && JSON.parse(l)))).toEqual([]);
  });

  test('cold: nothing cached, the missing import said once, the cache exported', () => {
    const r = report(v, 'cold');
    expect(counts(r)).toEqual({
      deps: '0/3 first ran: COPY busybox /bin/busybox',
      build: '0/1 first ran: RUN echo b > /b',
    });
    expect(r.importErrors).toEqual([
      expect.stringMatching(
        /^failed to configure registry cache importer: 127\.0\.0\.1:\d+\/fixtures\/r\d+:cache-build: not found$/,
      ),
    ]);
    expect([r.exported, r.exportErrors, r.cacheHit]).toEqual([true, [], false]);
  });

  test('full-hit: every step from the cache, the cache exported, the image pushed', () => {
    const r = report(v, 'full-hit');
    expect(counts(r)).toEqual({ deps: '3/3', build: '1/1' });
    expect([r.cached, r.total, r.cacheHit, r.exported]).toEqual([4, 4, true, true]);
    expect([r.exportErrors, r.importErrors, r.warnings]).toEqual([[], [], []]);
    const { lines } = whole(v, 'full-hit');
    for (const name of [
      '[deps 1/3] COPY busybox /bin/busybox',
      '[deps 2/3] RUN ["/bin/busybox", "--install", "-s", "/bin"]',
      '[deps 3/3] RUN echo hi && echo err >&2',
      '[build 1/1] RUN echo b > /b',
    ]) {
      const at = lines.findIndex((l) => l.endsWith(` ${name}`));
      const n = /^#(\d+)/.exec(lines[at]!)![1];
      expect(lines.filter((l) => l.startsWith(`#${n} `)).slice(0, 2)).toEqual([`#${n} ${name}`, `#${n} CACHED`]);
    }
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^#\d+ pushing manifest for 127\.0\.0\.1:\d+\/fixtures\/r\d+:full@sha256:[0-9a-f]{64} done$/,
      ),
    );
  });

  test('partial-hit: only the new step ran, and printed its output', () => {
    const r = report(v, 'partial-hit');
    expect(counts(r)).toEqual({ deps: '3/3', build: '1/2 first ran: RUN echo extra' });
    expect([r.exported, r.exportErrors, r.importErrors]).toEqual([true, [], []]);
    const { lines } = whole(v, 'partial-hit');
    const n = /^#(\d+)/.exec(lines.find((l) => l.endsWith(' [build 2/2] RUN echo extra'))!)![1];
    expect(lines.filter((l) => l.startsWith(`#${n} `))).toEqual([
      `#${n} [build 2/2] RUN echo extra`,
      `#${n} extra`,
      expect.stringMatching(new RegExp(`^#${n} DONE \\d+\\.\\ds$`)),
    ]);
  });

  test('export-refused: the build succeeds, the export fails with 401, and the report says so', () => {
    const r = report(v, 'export-refused');
    expect(counts(r)).toEqual({ deps: '3/3', build: '1/2 first ran: RUN echo refused' });
    expect(r.exported).toBe(false);
    expect(r.exportErrors).toEqual([
      expect.stringMatching(
        /^error writing layer blob: unexpected status from HEAD request to http:\/\/127\.0\.0\.1:\d+\/v2\/fixtures\/refused\/blobs\/sha256:[0-9a-f]{64}: 401 Unauthorized$/,
      ),
    ]);
  });

  test("failed-step: the failing step ran and errored; no export; buildx's error comes through as text", () => {
    const r = report(v, 'failed-step');
    expect(counts(r)).toEqual({ deps: '3/3', build: '1/2 first ran: RUN echo failing && exit 3' });
    expect(stage(r, 'build').firstRan?.error).toBe(true);
    expect([r.exported, r.exportErrors]).toEqual([false, []]);
    const { lines } = whole(v, 'failed-step');
    // 0.29 says "failed to build: failed to solve", 0.13 only "failed to solve".
    const solve = v === '0.13' ? 'ERROR: failed to solve: ' : 'ERROR: failed to build: failed to solve: ';
    expect(lines.slice(-8)).toEqual([
      'Dockerfile:8',
      '--------------------',
      '   6 |     FROM deps AS build',
      '   7 |     RUN echo b > /b',
      '   8 | >>> RUN echo failing && exit 3',
      '   9 |     ',
      '--------------------',
      `${solve}process "/bin/sh -c echo failing && exit 3" did not complete successfully: exit code: 3`,
    ]);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^#\d+ ERROR: process "\/bin\/sh -c echo failing && exit 3" did not complete successfully: exit code: 3$/,
      ),
    );
  });
});

describe('lint warnings: sent by the current engine only, one plain line each', () => {
  const LINT = [
    "StageNameCasing: Stage name 'Build' should be lowercase (line 1)",
    "FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)",
    'LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format (line 4)',
  ];

  test('0.29: three warnings, in the log once each as WARNING lines, and in the report', () => {
    const { lines, stream } = whole('0.29', 'lint-warnings');
    expect(stream.warnings).toEqual(LINT);
    expect(lines.filter((l) => l.startsWith('WARNING: '))).toEqual(LINT.map((w) => `WARNING: ${w}`));
    expect(stream.report().warnings).toEqual(LINT);
    // The JSON carries more (detail, url, the Dockerfile's source, the LLB definition): none of it reaches the log.
    expect(raw('0.29', 'lint-warnings').toString('utf8')).toContain(
      '"url":"https://docs.docker.com/go/dockerfile/rule/stage-name-casing/"',
    );
    expect(lines.join('\n')).not.toContain('docs.docker.com');
  });

  test('0.13 (dockerd 26.1): the same Dockerfile warns about nothing', () => {
    expect(report('0.13', 'lint-warnings').warnings).toEqual([]);
    expect(whole('0.13', 'lint-warnings').lines.filter((l) => l.startsWith('WARNING'))).toEqual([]);
  });

  test('both: the one unnamed... named-but-alone stage is reported under its name, all three steps ran', () => {
    for (const v of VERSIONS) {
      const r = report(v, 'lint-warnings');
      expect(counts(r)).toEqual({ default: '0/3 first ran: COPY busybox /bin/busybox' });
      const d = decision(LINT_DOCKERFILE);
      expect(resultLines(d, { progress: r, exitCode: 0 })).toContain(
        `stage ${d.targetStage}: 0/3 steps cached; first step that ran: COPY busybox /bin/busybox`,
      );
    }
  });
});

describe('the same build reads the same on both versions', () => {
  test.each(SCENARIOS)('%s: the same per-stage report, export state and error count', (s) => {
    const [old, cur] = VERSIONS.map((v) => report(v, s));
    expect(counts(cur!)).toEqual(counts(old!));
    expect([cur!.cached, cur!.total, cur!.cacheHit, cur!.exported]).toEqual([
      old!.cached,
      old!.total,
      old!.cacheHit,
      old!.exported,
    ]);
    expect([cur!.exportErrors.length, cur!.importErrors.length]).toEqual([
      old!.exportErrors.length,
      old!.importErrors.length,
    ]);
  });
});

describe.each(VERSIONS)('buildx %s captures: what the report (report.ts) makes of them', (v) => {
  const d = decision(DOCKERFILE, 'build');

  test('full-hit: a cache hit, the cache saved, every stage fully cached', () => {
    const o = { progress: report(v, 'full-hit'), exitCode: 0 };
    expect(headline(o)).toBe('Cache hit: all 4 steps came from the cache.');
    expect(exportState(d, o)).toEqual({ state: 'saved' });
    expect(resultLines(d, o)).toEqual(
      expect.arrayContaining([
        'stage deps: 3/3 steps cached',
        'stage build: 1/1 steps cached',
        `cache saved to ${d.plan.export!.ref}`,
      ]),
    );
  });

  test('cold and partial-hit: saved, with the counts and the first step that ran', () => {
    const cold = { progress: report(v, 'cold'), exitCode: 0 };
    expect(headline(cold)).toBe('4 of 4 steps ran, 0 came from the cache.');
    expect(exportState(d, cold)).toEqual({ state: 'saved' });
    const partial = { progress: report(v, 'partial-hit'), exitCode: 0 };
    expect(headline(partial)).toBe('1 of 5 steps ran, 4 came from the cache.');
    expect(exportState(d, partial)).toEqual({ state: 'saved' });
    expect(resultLines(d, partial)).toContain('stage build: 1/2 steps cached; first step that ran: RUN echo extra');
  });

  test("export-refused: not saved, and why is the registry's 401", () => {
    const o = { progress: report(v, 'export-refused'), exitCode: 0 };
    expect(exportState(d, o)).toEqual({ state: 'not saved', why: expect.stringMatching(/401 Unauthorized$/) });
  });

  test('failed-step: not saved because the build failed', () => {
    const o = { progress: report(v, 'failed-step'), exitCode: 1 };
    expect(exportState(d, o)).toEqual({ state: 'not saved', why: 'the build failed (exit code 1)' });
    expect(resultLines(d, o)).toContain(
      'stage build: 1/2 steps cached; first step that ran: RUN echo failing && exit 3',
    );
  });
});

// ---- the metadata file, imagetools and the registry ----

/** `Docker-Content-Digest` of the pushed tag, and `docker image inspect`'s Id, as captured. */
function registryDigests(v: Version): { tag: string; cache: string; imageId: string } {
  const text = bx(v, 'registry-digests.txt');
  const digests = [...text.matchAll(/^Docker-Content-Digest: (sha256:[0-9a-f]{64})$/gm)].map((m) => m[1]!);
  const imageId = /inspect <repo>:full.*\n(sha256:[0-9a-f]{64})$/m.exec(text)?.[1];
  expect(digests).toHaveLength(2);
  return { tag: digests[0]!, cache: digests[1]!, imageId: imageId! };
}
const idOf = (v: Version, name: string) => /^(sha256:[0-9a-f]{64})$/m.exec(bx(v, `image-id-${name}.txt`))![1];

describe.each(VERSIONS)('buildx %s: the --metadata-file', (v) => {
  test('a push: digest is what the registry serves for the tag (an image index: buildx adds a provenance attestation)', () => {
    const meta = parseMetadata(bx(v, 'metadata-push.json'));
    const served = registryDigests(v);
    expect(meta.digest).toBe(served.tag);
    expect(bx(v, 'registry-digests.txt')).toContain('Content-Type: application/vnd.oci.image.index.v1+json');
    expect(meta.raw['containerimage.descriptor']).toMatchObject({
      mediaType: 'application/vnd.oci.image.index.v1+json',
      digest: served.tag,
    });
    // The cache export's own manifest, as the registry serves the cache tag.
    expect(JSON.parse(meta.raw['cache.manifest'] as string)).toMatchObject({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: served.cache,
    });
  });

  test('imageid is the ID docker gives the image, pushed or only stored, on either image store', () => {
    expect(parseMetadata(bx(v, 'metadata-push.json')).imageid).toBe(registryDigests(v).imageId);
    expect(parseMetadata(bx(v, 'metadata-load.json')).imageid).toBe(idOf(v, 'load'));
    expect(parseMetadata(bx(v, 'metadata-load-classic.json')).imageid).toBe(idOf(v, 'load-classic'));
  });

  test('imagetools --raw of the pushed tag: an index of the image and its attestation manifest', () => {
    const index = JSON.parse(bx(v, 'imagetools-image.json')) as {
      mediaType: string;
      manifests: { digest: string; platform: { os: string }; annotations?: Record<string, string> }[];
    };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((m) => m.platform.os)).toEqual(['linux', 'unknown']);
    expect(index.manifests[1]!.annotations).toEqual({
      'vnd.docker.reference.type': 'attestation-manifest',
      'vnd.docker.reference.digest': index.manifests[0]!.digest,
    });
    expect(bx(v, 'imagetools-image.txt')).toContain(`Digest:    ${registryDigests(v).tag}`);
    // The config digest (the image ID of a classic store) is one level down.
    const manifest = JSON.parse(bx(v, 'imagetools-image-manifest.json')) as { config: { digest: string } };
    expect(manifest.config.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const cache = JSON.parse(bx(v, 'imagetools-cache.json')) as { mediaType: string; config: { mediaType: string } };
    expect([cache.mediaType, cache.config.mediaType]).toEqual([
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.buildkit.cacheconfig.v0',
    ]);
  });

  test('imagetools for a missing tag and for a registry that wants a login: read as missing and as unknown', () => {
    // The capture is the command's output, then the line `exit code N` the script adds.
    const answer = (name: string) => {
      const m = /^([\s\S]*)\nexit code (\d+)\n$/.exec(bx(v, name))!;
      return { output: m[1]!, code: Number(m[2]) };
    };
    const missing = answer('imagetools-missing.txt');
    expect(missing.output).toMatch(/^ERROR: 127\.0\.0\.1:\d+\/fixtures\/r\d+:missing: not found$/);
    expect(classifyProbe('r:missing', missing.code, missing.output)).toEqual({ ref: 'r:missing', state: 'missing' });
    const denied = answer('imagetools-unauthorized.txt');
    expect(classifyProbe('r:x', denied.code, denied.output)).toEqual({
      ref: 'r:x',
      state: 'unknown',
      detail:
        'pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials',
    });
  });
});

describe('metadata: what differs between the versions', () => {
  test('0.29 adds buildx.build.provenance; both keep buildx.build.ref', () => {
    const [old, cur] = VERSIONS.map((v) => parseMetadata(bx(v, 'metadata-push.json')).raw);
    expect(Object.keys(old!)).not.toContain('buildx.build.provenance');
    expect(cur!['buildx.build.provenance']).toMatchObject({
      buildType: 'https://mobyproject.org/buildkit@v1',
      invocation: { parameters: { frontend: 'dockerfile.v0' } },
    });
    for (const m of [old!, cur!]) expect(m['buildx.build.ref']).toMatch(/^default\/default\/[a-z0-9]+$/);
  });

  test('containerimage.config.digest: dockerd 26.1 gives the index digest for a push, 28.5 leaves it out; neither for a build only stored', () => {
    const key = 'containerimage.config.digest';
    const push = (v: Version) => parseMetadata(bx(v, 'metadata-push.json')).raw;
    expect(push('0.13')[key]).toBe(push('0.13')['containerimage.digest']);
    expect(push('0.29')).not.toHaveProperty([key]);
    for (const v of VERSIONS) expect(parseMetadata(bx(v, 'metadata-load.json')).raw).not.toHaveProperty([key]);
    // The classic image store: the config digest, which is its image ID, under both keys.
    for (const v of VERSIONS) {
      const classic = parseMetadata(bx(v, 'metadata-load-classic.json')).raw;
      expect(classic[key]).toBe(classic['containerimage.digest']);
    }
  });
});
