import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonStreamDecoder, type Piece } from '../src/core/json-stream.js';
import { ProgressStream } from '../src/core/progress.js';
import { summarize, type StageReport, type Vertex } from '../src/core/step-report.js';

// Real `docker buildx build --progress=rawjson` stderr, captured against a local registry.
//
// Dockerfile of both:
//   FROM scratch AS deps
//   COPY busybox /bin/busybox
//   RUN ["/bin/busybox", "--install", "-s", "/bin"]
//   RUN echo hi && echo err >&2
//   FROM deps AS build
//   RUN echo b > /b
//   (partial-hit only:) RUN echo extra
//
// export-refused: the cache-from ref did not exist, deps 1-2 came from the builder's
// local cache, deps 3 and build 1 ran, and the cache export got 401 (ignore-error=true).
// partial-hit: an emptied builder imported a registry cache holding all but the new last step.
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const REFUSED = fixture('rawjson-export-refused.txt');
const PARTIAL = fixture('rawjson-partial-hit.txt');

function whole(text: string): { lines: string[]; vertices: Vertex[]; stream: ProgressStream } {
  const stream = new ProgressStream();
  const lines = [...stream.feed(text), ...stream.end()];
  return { lines, vertices: stream.result(), stream };
}

function chunked(text: string, cuts: number[]): { lines: string[]; vertices: Vertex[] } {
  const stream = new ProgressStream();
  const lines: string[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    lines.push(...stream.feed(text.slice(at, cut)));
    at = cut;
  }
  lines.push(...stream.feed(text.slice(at)), ...stream.end());
  return { lines, vertices: stream.result() };
}

/** The lines printed for vertex #n, in order. */
function linesOf(lines: string[], n: number): string[] {
  return lines.filter((l) => l.startsWith(`#${n} `));
}

/** The #N buildx gave the vertex with this name. */
function numberOf(lines: string[], name: string): number {
  const hit = lines.find((l) => l.endsWith(` ${name}`) && /^#\d+ /.test(l));
  if (hit === undefined) throw new Error(`no line names ${name}`);
  return Number(/^#(\d+) /.exec(hit)![1]);
}

function stage(stages: StageReport[], name: string): StageReport {
  const s = stages.find((x) => x.stage === name);
  if (s === undefined) throw new Error(`no stage ${name} in ${stages.map((x) => x.stage).join(', ')}`);
  return s;
}

// A synthetic rawjson stream, written the way buildx writes it: one indented object per status.
const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:00:00.1Z';
const T2 = '2026-01-01T00:00:02.35Z';
const obj = (status: object) => JSON.stringify(status, null, 2) + '\n';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const vertex = (digest: string, name: string, more: object = {}) => obj({ vertexes: [{ digest, name, ...more }] });

function v(name: string, more: Partial<Vertex> = {}): Vertex {
  return { digest: `sha256:${name}`, name, cached: false, error: undefined, started: T0, completed: T1, ...more };
}

describe('ProgressStream: the fixtures, whole or in pieces', () => {
  for (const [name, text] of [
    ['export-refused', REFUSED],
    ['partial-hit', PARTIAL],
  ] as const) {
    test(`${name}: random chunking prints the same lines and ends in the same vertices`, () => {
      const expected = whole(text);
      expect(expected.lines.length).toBeGreaterThan(20);
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 60 }), (cuts) => {
          const got = chunked(text, cuts);
          expect(got.lines).toEqual(expected.lines);
          expect(got.vertices).toEqual(expected.vertices);
        }),
        { numRuns: 150 },
      );
    });

    test(`${name}: one character at a time, and with CRLF line ends, is the same too`, () => {
      const expected = whole(text);
      const cuts = Array.from({ length: text.length - 1 }, (_, i) => i + 1);
      expect(chunked(text, cuts)).toEqual({ lines: expected.lines, vertices: expected.vertices });
      const crlf = whole(text.replace(/\n/g, '\r\n'));
      expect(crlf.lines).toEqual(expected.lines);
      expect(crlf.vertices).toEqual(expected.vertices);
    });

    test(`${name}: every printed line is a plain-progress line, no JSON leaks through`, () => {
      const { lines } = whole(text);
      for (const line of lines) expect(line).toMatch(/^#\d+ \S/);
      expect(lines.filter((l) => /^\s*[{}"\]]/.test(l))).toEqual([]);
      // Numbers are given in the order vertices start, from 1, without gaps.
      const firsts = [...new Set(lines.map((l) => Number(/^#(\d+)/.exec(l)![1])))];
      expect(firsts).toEqual(Array.from({ length: firsts.length }, (_, i) => i + 1));
    });
  }

  test("the same statuses written compact, one per line (buildx 0.29's layout), or as bytes cut anywhere, read the same", () => {
    for (const text of [REFUSED, PARTIAL]) {
      const expected = whole(text);
      const values = new JsonStreamDecoder().push(text).map((p) => (p as { value: unknown }).value);
      const compact = values.map((x) => JSON.stringify(x)).join('\n') + '\n';
      expect(compact.split('\n').length).toBeLessThan(text.split('\n').length / 5);
      const got = whole(compact);
      expect(got.lines).toEqual(expected.lines);
      expect(got.vertices).toEqual(expected.vertices);
      const bytes = Buffer.from(compact, 'utf8');
      const s = new ProgressStream();
      const lines = [
        ...cutAt(bytes, [1, 7, 100, 101, 2000, 2003, bytes.length - 1]).flatMap((b) => s.feed(b)),
        ...s.end(),
      ];
      expect(lines).toEqual(expected.lines);
    }
  });

  test('export-refused prints what buildx plain would: names, CACHED, DONE, logs, ERROR', () => {
    const { lines } = whole(REFUSED);
    expect(lines[0]).toBe('#1 [internal] load build definition from Dockerfile');
    expect(lines[1]).toMatch(/^#1 DONE \d+\.\ds$/);

    const copy = numberOf(lines, '[deps 1/3] COPY busybox /bin/busybox');
    expect(linesOf(lines, copy)).toEqual([`#${copy} [deps 1/3] COPY busybox /bin/busybox`, `#${copy} CACHED`]);
    const install = numberOf(lines, '[deps 2/3] RUN ["/bin/busybox","--install","-s","/bin"]');
    expect(linesOf(lines, install)).toEqual([
      `#${install} [deps 2/3] RUN ["/bin/busybox","--install","-s","/bin"]`,
      `#${install} CACHED`,
    ]);

    // The step that ran: its output (stderr then stdout, as BuildKit sent them), then DONE.
    const echo = numberOf(lines, '[deps 3/3] RUN echo hi && echo err >&2');
    const echoLines = linesOf(lines, echo);
    expect(echoLines.slice(0, 3)).toEqual([
      `#${echo} [deps 3/3] RUN echo hi && echo err >&2`,
      `#${echo} err`,
      `#${echo} hi`,
    ]);
    expect(echoLines[3]).toMatch(new RegExp(`^#${echo} DONE \\d+\\.\\ds$`));
    expect(echoLines).toHaveLength(4);

    const b = numberOf(lines, '[build 1/1] RUN echo b > /b');
    expect(linesOf(lines, b)).toEqual([
      `#${b} [build 1/1] RUN echo b > /b`,
      expect.stringMatching(new RegExp(`^#${b} DONE `)),
    ]);

    const imp = numberOf(lines, 'importing cache manifest from 127.0.0.1:5000/rj:cache-x');
    expect(linesOf(lines, imp)).toEqual([
      `#${imp} importing cache manifest from 127.0.0.1:5000/rj:cache-x`,
      `#${imp} ERROR: failed to configure registry cache importer: 127.0.0.1:5000/rj:cache-x: not found`,
    ]);

    const exp = numberOf(lines, 'exporting cache to registry');
    const expLines = linesOf(lines, exp);
    expect(expLines[0]).toBe(`#${exp} exporting cache to registry`);
    expect(expLines.filter((l) => l.includes('ERROR:'))).toEqual([
      expect.stringMatching(new RegExp(`^#${exp} ERROR: error writing layer blob: .*401 Unauthorized$`)),
    ]);
    // The errored step is not also called DONE.
    expect(expLines.filter((l) => / DONE/.test(l))).toEqual([]);
  });

  test('partial-hit: the new step ran and printed its output, the rest is CACHED', () => {
    const { lines } = whole(PARTIAL);
    const extra = numberOf(lines, '[build 2/2] RUN echo extra');
    expect(linesOf(lines, extra)).toEqual([
      `#${extra} [build 2/2] RUN echo extra`,
      `#${extra} extra`,
      expect.stringMatching(new RegExp(`^#${extra} DONE \\d+\\.\\ds$`)),
    ]);
    for (const name of [
      '[build 1/2] RUN echo b > /b',
      '[deps 3/3] RUN echo hi && echo err >&2',
      '[deps 1/3] COPY busybox /bin/busybox',
    ]) {
      const n = numberOf(lines, name);
      expect(linesOf(lines, n)).toEqual([`#${n} ${name}`, `#${n} CACHED`]);
    }
    expect(lines.filter((l) => l.includes('ERROR'))).toEqual([]);
  });
});

describe('ProgressStream: synthetic streams', () => {
  test('names, DONE with its duration, status completion, logs decoded from base64, ERROR', () => {
    const s = new ProgressStream();
    const lines = [
      ...s.feed(vertex('sha256:a', '[build 2/3] RUN make')), // announced only: nothing yet
      ...s.feed(vertex('sha256:a', '[build 2/3] RUN make', { started: T0 })),
      ...s.feed(obj({ logs: [{ vertex: 'sha256:a', stream: 1, data: b64('compiling\nlinking\n'), timestamp: T0 }] })),
      ...s.feed(
        obj({ statuses: [{ id: 'extracting sha256:ff', vertex: 'sha256:a', current: 5, total: 10, completed: T1 }] }),
      ),
      ...s.feed(vertex('sha256:a', '[build 2/3] RUN make', { started: T0, completed: T2 })),
      ...s.feed(
        vertex('sha256:b', '[build 3/3] RUN test', {
          started: T1,
          completed: T2,
          error: 'process "/bin/sh -c test" did not complete successfully: exit code: 1',
        }),
      ),
      ...s.end(),
    ];
    expect(lines).toEqual([
      '#1 [build 2/3] RUN make',
      '#1 compiling',
      '#1 linking',
      '#1 extracting sha256:ff 5/10 done',
      '#1 DONE 2.4s',
      '#2 [build 3/3] RUN test',
      '#2 ERROR: process "/bin/sh -c test" did not complete successfully: exit code: 1',
    ]);
  });

  test('a status repeated after it completed is printed once; a log without a final newline still prints', () => {
    const s = new ProgressStream();
    const st = { id: 'transferring context:', vertex: 'sha256:a', current: 28, completed: T1 };
    const lines = [
      ...s.feed(vertex('sha256:a', '[internal] load build context', { started: T0 })),
      ...s.feed(obj({ statuses: [st] })),
      ...s.feed(obj({ statuses: [st] })),
      ...s.feed(obj({ logs: [{ vertex: 'sha256:a', data: b64('no newline') }] })),
    ];
    expect(lines).toEqual(['#1 [internal] load build context', '#1 transferring context: done', '#1 no newline']);
  });

  test('a vertex that turns cached after it was DONE is printed CACHED and counts as cached', () => {
    // buildx's plain printer has already said DONE and never says CACHED for it: that is why
    // the action reads rawjson and takes each vertex's final state.
    const s = new ProgressStream();
    const name = '[build 2/2] RUN yarn build';
    const lines = [
      ...s.feed(vertex('sha256:lazy', name, { started: T0 })),
      ...s.feed(vertex('sha256:lazy', name, { started: T0, completed: T1 })),
      ...s.feed(vertex('sha256:lazy', name, { started: T0, completed: T1, cached: true })),
      ...s.feed(vertex('sha256:lazy', name, { started: T0, completed: T1, cached: true })),
      ...s.end(),
    ];
    expect(lines).toEqual([`#1 ${name}`, '#1 DONE 0.1s', '#1 CACHED']);
    expect(s.result()).toEqual([expect.objectContaining({ name, cached: true })]);
    const r = summarize(s.result());
    expect(r.total).toBe(1);
    expect(r.cached).toBe(1);
    expect(r.cacheHit).toBe(true);
    expect(r.stages).toEqual([{ stage: 'build', total: 1, cached: 1, firstRan: undefined }]);
  });

  test('lines that are not JSON (a buildx error) pass through unchanged, between and after objects', () => {
    const failed = 'ERROR: failed to solve: process "/bin/sh -c false" did not complete successfully: exit code: 1';
    const s = new ProgressStream();
    const lines = [
      ...s.feed('WARNING: No output specified with docker-container driver.\n'),
      ...s.feed(vertex('sha256:a', '[1/2] RUN false', { started: T0, completed: T1, error: 'exit code: 1' })),
      ...s.feed(`${failed}\n`),
      ...s.feed('  indented { text }\n'),
      ...s.end(),
    ];
    expect(lines).toEqual([
      'WARNING: No output specified with docker-container driver.',
      '#1 [1/2] RUN false',
      '#1 ERROR: exit code: 1',
      failed,
      '  indented { text }',
    ]);
  });

  test('end() parses a last object that has no final newline', () => {
    const s = new ProgressStream();
    const text = vertex('sha256:a', '[deps 1/3] COPY a /a', { started: T0, completed: T1, cached: true }).trimEnd();
    // The value is complete at its closing brace: no newline needed.
    expect(s.feed(text)).toEqual(['#1 [deps 1/3] COPY a /a', '#1 CACHED']);
    expect(s.end()).toEqual([]);
    expect(summarize(s.result()).cached).toBe(1);
  });

  test('end(): a cut-off object is skipped and counted (never printed raw); a cut-off line is printed', () => {
    const s = new ProgressStream();
    const cut = vertex('sha256:a', '[deps 1/3] COPY a /a', { started: T0 }).split('\n').slice(0, 4);
    expect(s.feed(cut.join('\n') + '\n')).toEqual([]);
    expect(s.end()).toEqual(['(1 progress record(s) from buildx were not valid JSON and were skipped)']);
    expect(s.end()).toEqual([]);
    expect(s.malformed).toBe(1);
    expect(s.report().malformed).toBe(1);

    const t = new ProgressStream();
    expect(t.feed('ERROR: failed to solve: cut')).toEqual([]);
    expect(t.end()).toEqual(['ERROR: failed to solve: cut']);
  });

  test('a braced block that is not JSON is skipped and counted, not printed; text after it still is', () => {
    const s = new ProgressStream();
    expect(s.feed('{\nnot json\n}\nafter\n')).toEqual(['after']);
    expect(s.end()).toEqual(['(1 progress record(s) from buildx were not valid JSON and were skipped)']);
    expect(s.result()).toEqual([]);
  });

  test('compact objects, several on one line, or with no space between them, read the same as indented ones', () => {
    const a = {
      vertexes: [{ digest: 'sha256:a', name: '[deps 1/2] COPY a /a', started: T0, completed: T1, cached: true }],
    };
    const b = { vertexes: [{ digest: 'sha256:b', name: '[deps 2/2] RUN x', started: T0, completed: T2 }] };
    const expected = ['#1 [deps 1/2] COPY a /a', '#1 CACHED', '#2 [deps 2/2] RUN x', '#2 DONE 2.4s'];
    for (const text of [
      obj(a) + obj(b),
      `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`,
      `${JSON.stringify(a)}${JSON.stringify(b)}`,
      `${JSON.stringify(a)} \t ${JSON.stringify(b)}\r\n`,
      `\n\n  ${JSON.stringify(a, null, '\t')}\n\n${JSON.stringify(b, null, 4)}`,
    ]) {
      const s = new ProgressStream();
      expect([...s.feed(text), ...s.end()]).toEqual(expected);
    }
  });

  test('braces and quotes inside strings do not end a value; a text line with braces stays text', () => {
    const s = new ProgressStream();
    const name = 'RUN echo "}{" \\ \'{"a":1}\' && printf \'\\"}\'';
    const lines = [
      ...s.feed(
        JSON.stringify({ vertexes: [{ digest: 'sha256:a', name: `[x 1/1] ${name}`, started: T0, completed: T1 }] }),
      ),
      ...s.feed('\nERROR: failed to solve: {"code":1} did not } complete\n'),
      ...s.end(),
    ];
    expect(lines).toEqual([
      `#1 [x 1/1] ${name}`,
      '#1 DONE 0.1s',
      'ERROR: failed to solve: {"code":1} did not } complete',
    ]);
  });

  test('a value that is JSON but not a status object is skipped silently', () => {
    const s = new ProgressStream();
    expect([
      ...s.feed('{"vertexes": 5, "logs": [1, null, {"vertex": 2}], "statuses": {"x": 1}}\n{}\n'),
      ...s.end(),
    ]).toEqual([]);
    expect(s.malformed).toBe(0);
  });

  test('warnings are decoded, printed and kept', () => {
    const s = new ProgressStream();
    const lines = s.feed(obj({ warnings: [{ vertex: 'sha256:a', short: b64('FromAsCasing: mixed case (line 1)') }] }));
    expect(lines).toEqual(['WARNING: FromAsCasing: mixed case (line 1)']);
    expect(s.warnings).toEqual(['FromAsCasing: mixed case (line 1)']);
  });
});

// ---- the decoder on its own: any layout, any chunking ----

type Item =
  | { kind: 'value'; value: Record<string, unknown> }
  | { kind: 'text'; line: string }
  | { kind: 'malformed'; text: string };

/** Strings that are hard for a hand-written scanner: quotes, backslashes, braces, escapes, multi-byte characters. */
const nasty = fc.oneof(
  fc.string({
    unit: fc.constantFrom(
      '"',
      '\\',
      '{',
      '}',
      '[',
      ']',
      ':',
      ',',
      ' ',
      '\n',
      '\t',
      'a',
      'é',
      '€',
      '😀',
      '\u0000',
      '\u2028',
    ),
  }),
  fc.string({ unit: 'binary' }),
);
const jsonValue = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: 'small' },
    nasty,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    tie('arr'),
    tie('obj'),
  ),
  arr: fc.array(tie('any'), { maxLength: 4 }),
  obj: fc.dictionary(nasty, tie('any'), { maxKeys: 4 }),
})).obj as fc.Arbitrary<Record<string, unknown>>;

/** buildx's layouts, and worse: compact, indented (0.13), tabs, CRLF, nothing between values. */
const layout = fc.constantFrom(
  (v: unknown) => JSON.stringify(v) + '\n',
  (v: unknown) => JSON.stringify(v, null, 2) + '\n',
  (v: unknown) => JSON.stringify(v, null, '\t').replace(/\n/g, '\r\n') + '\r\n',
  (v: unknown) => JSON.stringify(v),
  (v: unknown) => '  ' + JSON.stringify(v, null, 1) + ' \n\n',
);
/** Text that is not JSON: one line, not blank, not starting with `{` (braces and quotes elsewhere are fine). */
const textLine = fc
  .string({
    unit: fc.constantFrom('E', 'R', 'O', ':', ' ', '{', '}', '"', '\\', 'é', '😀', '\t', '#', '1'),
    minLength: 1,
  })
  .filter((l) => !/^[ \t]*(\{|$)/.test(l) && !/[ \t]$/.test(l));
const malformedText = fc.constantFrom('{ not json }', '{\n  "a": \n}', '{"a":1,}', "{'a': 1}", '{"a" 1}', '{}}');
const item: fc.Arbitrary<Item> = fc.oneof(
  { weight: 4, arbitrary: jsonValue.map((value) => ({ kind: 'value' as const, value })) },
  { weight: 1, arbitrary: textLine.map((line) => ({ kind: 'text' as const, line })) },
  { weight: 1, arbitrary: malformedText.map((text) => ({ kind: 'malformed' as const, text })) },
);

/** Writes items as a stream; text and malformed values start on a line of their own, as buildx writes them. */
function render(items: Item[], layouts: ((v: unknown) => string)[]): string {
  let out = '';
  items.forEach((it, i) => {
    if (it.kind === 'value') out += layouts[i % layouts.length]!(it.value);
    else out += (out === '' || out.endsWith('\n') ? '' : '\n') + (it.kind === 'text' ? it.line : it.text) + '\n';
  });
  return out;
}

/** What the decoder should give: the values, the text lines, and a count for each malformed value. */
function expectedPieces(items: Item[]): unknown[] {
  return items.flatMap((it) => {
    // As JSON can say it (-0 is written 0).
    if (it.kind === 'value') return [{ kind: 'value', value: JSON.parse(JSON.stringify(it.value)) as unknown }];
    if (it.kind === 'text') return [{ kind: 'text', line: it.line }];
    // '{}}' is a good value followed by a text line '}'.
    if (it.text === '{}}')
      return [
        { kind: 'value', value: {} },
        { kind: 'text', line: '}' },
      ];
    return [{ kind: 'malformed' }];
  });
}

function decodeChunks(chunks: (string | Uint8Array)[]): { pieces: Piece[]; malformed: number } {
  const d = new JsonStreamDecoder();
  const pieces = [...chunks.flatMap((c) => d.push(c)), ...d.end()];
  return { pieces, malformed: d.malformed };
}

const comparable = (pieces: Piece[]) => pieces.map((p) => (p.kind === 'malformed' ? { kind: 'malformed' } : p));

function cutAt<T extends { slice(a: number, b?: number): T; length: number }>(whole: T, cuts: number[]): T[] {
  const parts: T[] = [];
  let at = 0;
  for (const c of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (c <= at || c >= whole.length) continue;
    parts.push(whole.slice(at, c));
    at = c;
  }
  parts.push(whole.slice(at));
  return parts;
}

describe('JsonStreamDecoder', () => {
  test('property: any items in any layout decode to those items, however the bytes or characters are cut', () => {
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 8 }),
        fc.array(layout, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (items, layouts, rawCuts) => {
          const text = render(items, layouts);
          const bytes = Buffer.from(text, 'utf8');
          const whole = decodeChunks([text]);
          expect(comparable(whole.pieces)).toEqual(expectedPieces(items));
          expect(whole.malformed).toBe(expectedPieces(items).filter((p) => (p as Piece).kind === 'malformed').length);
          // Cut as bytes: inside multi-byte characters, escapes, strings, between values.
          const byteCuts = rawCuts.map((c) => c % (bytes.length + 1));
          expect(decodeChunks(cutAt(bytes, byteCuts))).toEqual(whole);
          // Cut as characters: inside surrogate pairs too.
          const charCuts = rawCuts.map((c) => c % (text.length + 1));
          expect(decodeChunks(cutAt(text, charCuts))).toEqual(whole);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('one byte at a time, through a 4-byte character, an escape and a surrogate escape', () => {
    const value = { s: 'a\\"}😀\u{1F600}€', t: '\ud83d\ude00', n: [1, { x: '}' }] };
    const text = `ERROR: x {\n${JSON.stringify(value)}\n{"b":"\\u00e9"}`;
    const bytes = Buffer.from(text, 'utf8');
    const oneByOne = decodeChunks(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
    expect(oneByOne.pieces).toEqual([
      { kind: 'text', line: 'ERROR: x {' },
      { kind: 'value', value },
      { kind: 'value', value: { b: 'é' } },
    ]);
  });

  test('a UTF-8 character cut off by the end of the stream becomes U+FFFD in a text line, not an error', () => {
    const bytes = Buffer.from('done 😀', 'utf8');
    expect(decodeChunks([bytes.subarray(0, bytes.length - 2)]).pieces).toEqual([{ kind: 'text', line: 'done \ufffd' }]);
  });

  test('garbage between values: text lines pass, values are read, a malformed value is counted and skipped', () => {
    const stream = [
      'WARNING: No output specified with docker-container driver. Build result will only remain in the build cache.',
      '{"vertexes":[{"digest":"sha256:a","name":"[a 1/1] RUN x"}]}',
      '#0 building with "default" instance using docker driver',
      '{"vertexes":[{"digest":"sha256:a",',
      '"name":"broken"',
      ']}}',
      '  {"logs":[]}  {"statuses":[]}',
      'ERROR: failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
    ].join('\n');
    const { pieces, malformed } = decodeChunks([stream]);
    expect(comparable(pieces)).toEqual([
      {
        kind: 'text',
        line: 'WARNING: No output specified with docker-container driver. Build result will only remain in the build cache.',
      },
      { kind: 'value', value: { vertexes: [{ digest: 'sha256:a', name: '[a 1/1] RUN x' }] } },
      { kind: 'text', line: '#0 building with "default" instance using docker driver' },
      { kind: 'malformed' },
      { kind: 'value', value: { logs: [] } },
      { kind: 'value', value: { statuses: [] } },
      {
        kind: 'text',
        line: 'ERROR: failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
      },
    ]);
    expect(malformed).toBe(1);
  });
});

describe('summarize: the fixtures', () => {
  // Counted by reading the fixtures' final vertex states (see the Dockerfile at the top).
  test('export-refused: deps 2 of 3 cached, build 0 of 1; export 401; import not found', () => {
    const r = summarize(whole(REFUSED).vertices);
    expect(r.stages).toHaveLength(2);
    const deps = stage(r.stages, 'deps');
    expect([deps.cached, deps.total]).toEqual([2, 3]);
    expect(deps.firstRan).toEqual({
      stage: 'deps',
      index: 3,
      name: 'RUN echo hi && echo err >&2',
      cached: false,
      error: false,
    });
    const build = stage(r.stages, 'build');
    expect([build.cached, build.total]).toEqual([0, 1]);
    expect(build.firstRan?.name).toBe('RUN echo b > /b');
    expect(build.firstRan?.index).toBe(1);
    expect([r.cached, r.total, r.cacheHit]).toEqual([2, 4, false]);
    expect(r.steps.map((s) => s.name).sort()).toEqual(
      [
        'COPY busybox /bin/busybox',
        'RUN ["/bin/busybox","--install","-s","/bin"]',
        'RUN echo b > /b',
        'RUN echo hi && echo err >&2',
      ].sort(),
    );

    expect(r.exported).toBe(false);
    expect(r.exportErrors).toHaveLength(1);
    expect(r.exportErrors[0]).toContain('401 Unauthorized');
    expect(r.importErrors).toEqual([
      'failed to configure registry cache importer: 127.0.0.1:5000/rj:cache-x: not found',
    ]);
  });

  test('partial-hit: deps all cached, build 1 of 2 with the new step first to run; export done', () => {
    const r = summarize(whole(PARTIAL).vertices);
    expect(r.stages).toHaveLength(2);
    expect(stage(r.stages, 'deps')).toEqual({ stage: 'deps', total: 3, cached: 3, firstRan: undefined });
    const build = stage(r.stages, 'build');
    expect([build.cached, build.total]).toEqual([1, 2]);
    expect(build.firstRan).toEqual({ stage: 'build', index: 2, name: 'RUN echo extra', cached: false, error: false });
    expect([r.cached, r.total, r.cacheHit]).toEqual([4, 5, false]);
    expect(r.exported).toBe(true);
    expect(r.exportErrors).toEqual([]);
    expect(r.importErrors).toEqual([]);
  });
});

describe('summarize: what is a step', () => {
  test('FROM lines are not steps, cached or not', () => {
    const r = summarize([
      v('[internal] load metadata for docker.io/library/alpine:3.20'),
      v('[build 1/3] FROM docker.io/library/alpine:3.20@sha256:0123abcd'),
      v('[build 2/3] RUN apk add git', { cached: true }),
      v('[build 3/3] COPY . /src', { cached: true }),
      v('[tools 1/2] FROM docker.io/library/golang:1.22', { cached: true }),
      v('[tools 2/2] RUN go install x'),
    ]);
    expect(r.steps.map((s) => s.name)).toEqual(['RUN apk add git', 'COPY . /src', 'RUN go install x']);
    expect(stage(r.stages, 'build')).toEqual({ stage: 'build', total: 2, cached: 2, firstRan: undefined });
    expect(stage(r.stages, 'tools')).toMatchObject({
      total: 1,
      cached: 0,
      firstRan: { index: 2, name: 'RUN go install x' },
    });
    expect([r.cached, r.total, r.cacheHit]).toEqual([2, 3, false]);
  });

  test('[2/3] RUN x, from a single unnamed stage, is stage "default"', () => {
    const r = summarize([
      v('[1/3] FROM docker.io/library/alpine'),
      v('[2/3] RUN x', { cached: true }),
      v('[3/3] RUN y'),
    ]);
    expect(r.stages).toEqual([
      {
        stage: 'default',
        total: 2,
        cached: 1,
        firstRan: { stage: 'default', index: 3, name: 'RUN y', cached: false, error: false },
      },
    ]);
  });

  test('a stage of 10 or more steps: BuildKit pads the index ("[build  2/12]", "[ 2/12]")', () => {
    // dockerfile2llb prefixCommand: fmt.Sprintf("%*d/%d] ", int(1+math.Log10(float64(cmdTotal))), ...)
    const named = summarize([v('[build  2/12] RUN a'), v('[build 10/12] RUN b', { cached: true })]);
    expect(named.stages).toEqual([
      { stage: 'build', total: 2, cached: 1, firstRan: expect.objectContaining({ index: 2, name: 'RUN a' }) },
    ]);
    const unnamed = summarize([v('[ 3/12] RUN a'), v('[11/12] RUN b', { cached: true })]);
    expect(unnamed.stages).toEqual([
      { stage: 'default', total: 2, cached: 1, firstRan: expect.objectContaining({ index: 3, name: 'RUN a' }) },
    ]);
    expect(unnamed.cacheHit).toBe(false);
  });

  test('the first step that ran is the lowest index that ran, not the first to finish', () => {
    const r = summarize([
      v('[app 5/5] RUN d'),
      v('[app 3/5] RUN b'),
      v('[app 2/5] COPY a /a', { cached: true }),
      v('[app 4/5] RUN c'),
    ]);
    expect(stage(r.stages, 'app').firstRan?.name).toBe('RUN b');
  });

  test('a step that failed is a step that ran; other vertices are not steps', () => {
    const r = summarize([
      v('[app 2/3] RUN ok', { cached: true }),
      v('[app 3/3] RUN boom', { error: 'exit code: 1' }),
      v('[internal] load build context'),
      v('exporting to image'),
      v('[auth] acme/app:pull token for ghcr.io'),
    ]);
    expect(r.total).toBe(2);
    expect(stage(r.stages, 'app').firstRan).toMatchObject({ name: 'RUN boom', error: true });
  });

  test('a build with no steps has zero counts and no stages', () => {
    const r = summarize([v('[internal] load build definition from Dockerfile')]);
    expect([r.total, r.cached, r.stages]).toEqual([0, 0, []]);
    expect(r.exported).toBe(false);
    // "All of no steps came from the cache" is not a cache hit.
    expect(r.cacheHit).toEqual(false);
  });

  test('a multi-platform build: the platform before the stage name is dropped', () => {
    const r = summarize([v('[linux/arm64 build 1/2] RUN a', { cached: true }), v('[linux/arm/v7 build 2/2] RUN b')]);
    expect(r.steps.map((s) => [s.stage, s.index, s.name])).toEqual([
      ['build', 1, 'RUN a'],
      ['build', 2, 'RUN b'],
    ]);
  });

  test('only a step that is a FROM is left out, not one that mentions FROM', () => {
    const r = summarize([v('[a 1/2] from docker.io/library/alpine'), v('[a 2/2] RUN echo FROM here')]);
    expect(r.steps.map((s) => s.name)).toEqual(['RUN echo FROM here']);
  });

  test('export and import vertices are known by how their name starts, in any case', () => {
    expect(summarize([v('Exporting cache to registry')]).exported).toEqual(true);
    expect(summarize([v('after exporting cache to registry')]).exported).toEqual(false);
    const r = summarize([
      v('importing cache manifest from ghcr.io/acme/app:cache.build.main', { error: 'not found' }),
      v('Importing cache manifest from ghcr.io/acme/app:cache.deps.main', { digest: 'sha256:2', error: 'denied' }),
      v('importing cache manifest from ghcr.io/acme/app:cache.build.x', { digest: 'sha256:3' }),
      v('[a 1/1] RUN importing cache manifest', { digest: 'sha256:4', error: 'exit code: 1' }),
      v('resolve image config for importing cache manifest', { digest: 'sha256:5', error: 'other' }),
    ]);
    expect(r.importErrors).toEqual(['not found', 'denied']);
    expect(r.exportErrors).toEqual([]);
  });

  test('warnings and the malformed count are carried over; none by default', () => {
    const warnings = ['FromAsCasing: mixed case (line 1)'];
    const r = summarize([], { warnings, malformed: 2 });
    expect([r.warnings, r.malformed]).toEqual([warnings, 2]);
    warnings.push('later');
    expect(r.warnings).toEqual(['FromAsCasing: mixed case (line 1)']);
    const none = summarize([]);
    expect([none.warnings, none.malformed]).toEqual([[], 0]);
  });

  test('cacheHit: every step cached, and only then', () => {
    const all = summarize([v('[a 1/2] RUN x', { cached: true }), v('[a 2/2] RUN y', { cached: true })]);
    const one = summarize([v('[a 1/2] RUN x', { cached: true }), v('[a 2/2] RUN y')]);
    expect([all.cacheHit, one.cacheHit]).toEqual([true, false]);
  });

  test('exports: an errored cache export is not "exported"; GitHub Actions cache export counts', () => {
    expect(summarize([v('exporting cache to registry', { error: 'x' })])).toMatchObject({
      exported: false,
      exportErrors: ['x'],
    });
    expect(summarize([v('exporting to GitHub Actions Cache')]).exported).toBe(true);
    expect(summarize([v('exporting cache to registry', { completed: undefined })]).exported).toBe(false);
    // An image push failing is not a cache export failure.
    expect(summarize([v('exporting to image', { error: 'denied' })])).toMatchObject({
      exported: false,
      exportErrors: [],
    });
  });
});
