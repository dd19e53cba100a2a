import { describe, expect, test } from '@jest/globals';
import { marked } from 'marked';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decide, type BuildSource, type Decision } from '../src/core/decide.js';
import { parseConfig } from '../src/core/inputs.js';
import type { Verdict } from '../src/core/import-plan.js';
import { selectImports, type ProbeResult, type RefState } from '../src/core/probe.js';
import { ProgressStream } from '../src/core/progress.js';
import { summarize, type ProgressReport, type Vertex } from '../src/core/step-report.js';
import { exportState, failureMarkdown, headline, logLines, resultLines, summaryMarkdown } from '../src/core/report.js';
import { forkPullRequest, decode } from './helpers.js';

const IMAGE = 'ghcr.io/acme/app';
// The Dockerfile of the rawjson fixtures (partial-hit's version).
const DOCKERFILE = `FROM scratch AS deps
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN echo hi && echo err >&2

FROM deps AS build
RUN echo b > /b
RUN echo extra
`;

function decision(source: BuildSource, inputs: Record<string, string> = {}): Decision {
  const all: Record<string, string> = { image: IMAGE, ...inputs };
  return decide(
    parseConfig((name) => all[name] ?? ''),
    source,
    DOCKERFILE,
    'Dockerfile',
  );
}

const push = (branch: string): BuildSource => ({
  event: { eventName: 'push', ref: `refs/heads/${branch}`, payload: { repository: { default_branch: 'main' } } },
});
const tag: BuildSource = {
  event: { eventName: 'push', ref: 'refs/tags/v1.2.0', payload: { repository: { default_branch: 'main' } } },
};

function fixture(name: string): ProgressReport {
  const s = new ProgressStream();
  s.feed(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8'));
  s.end();
  return summarize(s.result());
}
const PARTIAL = fixture('rawjson-partial-hit.txt');
const REFUSED = fixture('rawjson-export-refused.txt');

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:00:01Z';
function v(name: string, more: Partial<Vertex> = {}): Vertex {
  return { digest: `sha256:${name}`, name, cached: false, error: undefined, started: T0, completed: T1, ...more };
}
const STEPS = [
  '[deps 1/3] COPY busybox /bin/busybox',
  '[deps 2/3] RUN ["/bin/busybox","--install","-s","/bin"]',
  '[deps 3/3] RUN echo hi && echo err >&2',
  '[build 1/2] RUN echo b > /b',
  '[build 2/2] RUN echo extra',
];
/** Every step from the cache, and the cache written. */
const HIT = summarize([...STEPS.map((n) => v(n, { cached: true })), v('exporting cache to registry')]);
/** Nothing from the cache. */
const ALL_RAN = summarize([...STEPS.map((n) => v(n)), v('exporting cache to registry')]);
/** The build broke at deps 3/3: BuildKit never got to export the cache. */
const FAILED = summarize([
  v(STEPS[0]!, { cached: true }),
  v(STEPS[1]!, { cached: true }),
  v(STEPS[2]!, { error: 'process "/bin/sh -c echo hi && echo err >&2" did not complete successfully: exit code: 1' }),
]);

function probed(d: Decision, states: RefState[], detail?: string) {
  const results: ProbeResult[] = d.plan.imports.map((e, i) =>
    states[i] === 'unknown'
      ? { ref: e.ref, state: 'unknown', detail: detail ?? 'unknown' }
      : // Each ref holds records of its own: every one that exists adds something.
        { ref: e.ref, state: states[i]!, content: { records: new Map([[e.ref, 0]]) } },
  );
  return selectImports(d.plan.imports, results);
}

// ---- rendering the Markdown as GitHub would (GFM) ----

interface Table {
  head: string[];
  rows: string[][];
}

function render(md: string): { html: string; tables: Table[] } {
  const html = marked.parse(md, { async: false, gfm: true });
  const cells = (s: string, tag: 'th' | 'td') =>
    [...s.matchAll(new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => decode(m[1]!));
  const tables = [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((t) => {
    const [thead = '', tbody = ''] = [
      /<thead>([\s\S]*?)<\/thead>/.exec(t[1]!)?.[1],
      /<tbody>([\s\S]*?)<\/tbody>/.exec(t[1]!)?.[1],
    ];
    return {
      head: cells(thead, 'th'),
      rows: [...tbody.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => cells(r[1]!, 'td')),
    };
  });
  return { html, tables };
}

const IMPORTS_HEAD = ['Cache', 'Branch', 'Stage', 'State'];
const EXPORT_HEAD = ['Cache', 'Result'];
const STEPS_HEAD = ['Stage', 'Cached / total', 'First step that ran'];

function expectWellFormed(md: string, tables: number): Table[] {
  const r = render(md);
  expect((r.html.match(/<table>/g) ?? []).length).toBe(tables);
  expect(r.tables.map((t) => t.head)).toEqual([IMPORTS_HEAD, EXPORT_HEAD, STEPS_HEAD].slice(0, tables));
  for (const t of r.tables) for (const row of t.rows) expect(row).toHaveLength(t.head.length);
  // A table that did not parse would be left as paragraph text full of pipes.
  expect(r.html).not.toMatch(/<p>[^<]*\|/);
  return r.tables;
}

// ---- tests ----

describe('exportState', () => {
  const d = decision(push('feature/x'));

  test('a fork: disabled, and the decision says why', () => {
    const fork = decision({ event: forkPullRequest });
    const ex = exportState(fork, { progress: PARTIAL });
    expect(ex.state).toBe('disabled');
    expect(ex).toEqual({
      state: 'disabled',
      why: 'pull_request from fork mallory/app: imports only, a fork never writes the cache',
    });
  });

  test('a tag: disabled because it is not a branch', () => {
    expect(exportState(decision(tag), {})).toEqual({
      state: 'disabled',
      why: 'push on refs/tags/v1.2.0: not a branch, so imports only',
    });
  });

  test('export-cache: false: disabled, with the input named', () => {
    const ex = exportState(decision(push('feature/x'), { 'export-cache': 'false' }), {});
    expect(ex).toEqual({ state: 'disabled', why: 'export-cache set by input: false' });
  });

  test('no build yet: not run', () => {
    expect(exportState(d, {})).toEqual({ state: 'not run' });
    expect(exportState(d, { selection: probed(d, ['exists', 'exists', 'exists', 'exists']) })).toEqual({
      state: 'not run',
    });
  });

  test('the export finished: saved', () => {
    expect(exportState(d, { progress: PARTIAL, exitCode: 0 })).toEqual({ state: 'saved' });
  });

  test('the export failed while the build went on (ignore-error=true): not saved, with the error', () => {
    const ex = exportState(d, { progress: REFUSED, exitCode: 0 });
    expect(ex.state).toBe('not saved');
    expect(ex.state === 'not saved' && ex.why).toMatch(/^error writing layer blob: .*401 Unauthorized$/);
  });

  test('the build failed before the export: not saved, because of the build', () => {
    expect(exportState(d, { progress: FAILED, exitCode: 1 })).toEqual({
      state: 'not saved',
      why: 'the build failed (exit code 1)',
    });
    expect(exportState(d, { progress: FAILED, exitCode: 0 })).toEqual({
      state: 'not saved',
      why: 'BuildKit reported no cache export',
    });
  });
});

describe('headline', () => {
  const d = decision(push('feature/x'));
  const cold = probed(d, ['missing', 'missing', 'missing', 'missing']);

  test('hit, partial, cold', () => {
    expect(headline({ progress: HIT })).toBe('Cache hit: all 5 steps came from the cache.');
    expect(headline({ progress: PARTIAL })).toBe('1 of 5 steps ran, 4 came from the cache.');
    expect(headline({ progress: REFUSED })).toBe('2 of 4 steps ran, 2 came from the cache.');
    expect(headline({ progress: ALL_RAN, selection: cold })).toBe(
      '5 of 5 steps ran, 0 came from the cache. No cache existed for this branch or its fallbacks: this was a cold build.',
    );
  });

  test('before the build: only a cold start is worth a headline', () => {
    expect(cold.cold).toBe(true);
    expect(headline({ selection: cold })).toBe(
      'No cache exists for this branch or its fallbacks: this is a cold build.',
    );
    expect(headline({ selection: probed(d, ['missing', 'exists', 'missing', 'missing']) })).toBeUndefined();
    expect(headline({})).toBeUndefined();
  });

  test('a build without steps is not called a cache hit', () => {
    expect(headline({ progress: summarize([v('[internal] load build definition from Dockerfile')]) })).toBe(
      'The build has no cacheable steps.',
    );
  });
});

describe('logLines and resultLines', () => {
  test('logLines: the branch, fallbacks, the why and the cache flags', () => {
    const lines = logLines(decision({ event: forkPullRequest }));
    expect(lines).toContain('branch: feature/x (slug feature_x)');
    expect(lines).toContain('fallbacks: main');
    expect(lines).toContain('export cache: no');
    expect(lines).toContain('why: pull_request from fork mallory/app: imports only, a fork never writes the cache');
    expect(lines).toContain('cache-to: (none, export disabled)');
    expect(lines).toContain(`cache-from: type=registry,ref=${IMAGE}:cache.build.feature_x`);
  });

  test('resultLines: headline, stages in Dockerfile order with the first step that ran, the export', () => {
    const d = decision(push('feature/x'));
    expect(PARTIAL.stages.map((s) => s.stage)).toEqual(['build', 'deps']); // the stream's order
    expect(resultLines(d, { progress: PARTIAL, exitCode: 0 })).toEqual([
      '1 of 5 steps ran, 4 came from the cache.',
      'stage deps: 3/3 steps cached',
      'stage build: 1/2 steps cached; first step that ran: RUN echo extra',
      `cache saved to ${IMAGE}:cache.build.feature_x`,
    ]);
    // With the export's manifest read: its footprint, "up to".
    expect(resultLines(d, { progress: PARTIAL, exitCode: 0, exportBytes: 3 * 1024 * 1024 }).at(-1)).toBe(
      `cache saved to ${IMAGE}:cache.build.feature_x (up to 3.0 MiB)`,
    );
    expect(summaryMarkdown(d, { progress: PARTIAL, exitCode: 0, exportBytes: 1536 })).toContain(
      '| `cache.build.feature_x` | ✅ saved (up to 1.5 KiB) |',
    );
    const refused = resultLines(d, { progress: REFUSED, exitCode: 0 });
    expect(refused).toContain('stage deps: 2/3 steps cached; first step that ran: RUN echo hi && echo err >&2');
    expect(refused.at(-1)).toMatch(
      new RegExp(`^cache NOT saved to ${IMAGE}:cache.build.feature_x: error writing layer blob: .*401 Unauthorized$`),
    );
    expect(resultLines(decision(tag), {}).at(-1)).toBe(
      'cache export disabled: push on refs/tags/v1.2.0: not a branch, so imports only',
    );
  });
});

describe('summaryMarkdown', () => {
  const d = decision(push('feature/x'));

  test('partial hit: the imports table with each state, the export saved, the steps in stage order', () => {
    const selection = probed(d, ['exists', 'missing', 'unknown', 'exists'], 'failed to authorize: 401 Unauthorized');
    const md = summaryMarkdown(d, { progress: PARTIAL, selection, exitCode: 0 });
    const lines = md.split('\n');
    expect(lines[0]).toBe('### buildx-branch-cache: `feature/x`');
    expect(lines).toContain('**1 of 5 steps ran, 4 came from the cache.**');
    expect(lines).toContain('- **Fallbacks:** `main`');
    expect(lines).toContain(`- **Cache:** registry in \`${IMAGE}\``);
    expect(lines).toContain('| `cache.build.feature_x` | `feature/x` | `build` | ✅ imported |');
    expect(lines).toContain('| `cache.deps.feature_x` | `feature/x` | `deps` | ➖ missing (skipped) |');
    expect(lines).toContain(
      '| `cache.build.main` | `main` | `build` | ⚠️ could not check: failed to authorize: 401 Unauthorized |',
    );
    expect(lines).toContain('| `cache.deps.main` | `main` | `deps` | ✅ imported |');
    expect(lines).toContain('| `cache.build.feature_x` | ✅ saved |');

    const tables = expectWellFormed(md, 3);
    expect(tables[0]!.rows.map((r) => r[3])).toEqual([
      '✅ imported',
      '➖ missing (skipped)',
      '⚠️ could not check: failed to authorize: 401 Unauthorized',
      '✅ imported',
    ]);
    expect(tables[0]!.rows.map((r) => r[0])).toEqual([
      '<code>cache.build.feature_x</code>',
      '<code>cache.deps.feature_x</code>',
      '<code>cache.build.main</code>',
      '<code>cache.deps.main</code>',
    ]);
    expect(tables[1]!.rows).toEqual([['<code>cache.build.feature_x</code>', '✅ saved']]);
    expect(tables[2]!.rows).toEqual([
      ['<code>deps</code>', '3 / 3', '—'],
      ['<code>build</code>', '1 / 2', '<code>RUN echo extra</code>'],
    ]);
  });

  test('export refused: the row says not saved and why; the steps name the first step that ran per stage', () => {
    const md = summaryMarkdown(d, { progress: REFUSED, exitCode: 0 });
    const tables = expectWellFormed(md, 3);
    expect(tables[1]!.rows).toHaveLength(1);
    expect(tables[1]!.rows[0]![1]).toMatch(/^❌ not saved: error writing layer blob: .*401 Unauthorized$/);
    expect(tables[2]!.rows).toEqual([
      ['<code>deps</code>', '2 / 3', '<code>RUN echo hi && echo err >&2</code>'],
      ['<code>build</code>', '0 / 1', '<code>RUN echo b > /b</code>'],
    ]);
    // Probing was off: the refs were imported unchecked.
    expect(tables[0]!.rows.map((r) => r[3])).toEqual(Array(4).fill('imported (not checked)'));
    expect(md).toContain('**2 of 4 steps ran, 2 came from the cache.**');
  });

  test('cache hit, and a cold build', () => {
    expect(summaryMarkdown(d, { progress: HIT, exitCode: 0 })).toContain(
      '**Cache hit: all 5 steps came from the cache.**',
    );
    const cold = probed(d, ['missing', 'missing', 'missing', 'missing']);
    const md = summaryMarkdown(d, { progress: ALL_RAN, selection: cold, exitCode: 0 });
    expect(md).toContain(
      '**5 of 5 steps ran, 0 came from the cache. No cache existed for this branch or its fallbacks: this was a cold build.**',
    );
    const tables = expectWellFormed(md, 3);
    expect(tables[0]!.rows.map((r) => r[3])).toEqual(Array(4).fill('➖ missing (skipped)'));
    expect(tables[2]!.rows.map((r) => r[2])).toEqual([
      '<code>COPY busybox /bin/busybox</code>',
      '<code>RUN echo b > /b</code>',
    ]);
  });

  test('a failed build: the export row blames the build; the failed step is the first that ran', () => {
    const tables = expectWellFormed(summaryMarkdown(d, { progress: FAILED, exitCode: 1 }), 3);
    expect(tables[1]!.rows[0]![1]).toBe('❌ not saved: the build failed (exit code 1)');
    expect(tables[2]!.rows).toEqual([['<code>deps</code>', '2 / 3', '<code>RUN echo hi && echo err >&2</code>']]);
  });

  test('a fork: export disabled, with the reason; no build yet means no steps table', () => {
    const fork = decision({ event: forkPullRequest });
    const md = summaryMarkdown(fork, {});
    expect(md).toContain(
      '| (none) | export disabled: pull\\_request from fork mallory/app: imports only, a fork never writes the cache |',
    );
    expect(md).not.toContain('#### Steps');
    const tables = expectWellFormed(md, 2);
    expect(tables[1]!.rows).toEqual([
      ['(none)', 'export disabled: pull_request from fork mallory/app: imports only, a fork never writes the cache'],
    ]);
  });

  test('a tag: no branch, export disabled; before the build the export is "not run" for a branch', () => {
    const md = summaryMarkdown(decision(tag), {});
    expect(md.split('\n')[0]).toBe('### buildx-branch-cache: no branch');
    expect(md).toContain('- **Branch:** none');
    expect(expectWellFormed(md, 2)[1]!.rows[0]![1]).toBe(
      'export disabled: push on refs/tags/v1.2.0: not a branch, so imports only',
    );
    expect(expectWellFormed(summaryMarkdown(d), 2)[1]!.rows[0]).toEqual([
      '<code>cache.build.feature_x</code>',
      'not run (no build)',
    ]);
  });

  test('item 7: an export error and a look-up error are text in the summary, never markup', () => {
    const selection = probed(d, ['unknown', 'missing', 'missing', 'missing'], 'denied <h1>big</h1> *bold*');
    const md = summaryMarkdown(d, {
      selection,
      exitCode: 0,
      progress: summarize([v('exporting cache to registry', { error: 'push <script>x</script> _refused_' })]),
    });
    const { html } = render(md);
    expect(html).not.toMatch(/<(h1|script|em)[ >]|<strong>bold/);
    expect(html).toContain('&lt;h1&gt;big&lt;/h1&gt;');
  });

  test('a probe that did not answer for a ref says "not checked"; one whose content was not read is imported uncompared', () => {
    const selection = selectImports(d.plan.imports, [
      { ref: d.plan.imports[0]!.ref, state: 'exists', detail: 'it is not a BuildKit cache manifest' },
    ]);
    const tables = expectWellFormed(summaryMarkdown(d, { selection }), 2);
    expect(tables[0]!.rows.map((r) => r[3])).toEqual([
      '✅ imported, ⚠️ not compared: it is not a BuildKit cache manifest',
      'not checked',
      'not checked',
      'not checked',
    ]);
  });

  test('refs left out say which imported ref holds them or which they diverge from', () => {
    const [own, ownDeps, main, mainDeps] = d.plan.imports;
    const records = (...ids: string[]) => ({ records: new Map(ids.map((id) => [id, 0])) });
    const selection = selectImports(d.plan.imports, [
      { ref: own!.ref, state: 'missing' },
      { ref: ownDeps!.ref, state: 'exists', content: records('base', 'deps-changed') },
      { ref: main!.ref, state: 'exists', content: records('base', 'deps', 'build') },
      { ref: mainDeps!.ref, state: 'exists', content: records('base') },
    ]);
    const tables = expectWellFormed(summaryMarkdown(d, { selection }), 2);
    expect(tables[0]!.rows.map((r) => r[3])).toEqual([
      '➖ missing (skipped)',
      '✅ imported',
      '⏭️ left out: diverges from <code>cache.deps.feature_x</code>',
      '⏭️ left out: contained in <code>cache.deps.feature_x</code>',
    ]);
  });

  test('a branch with | and ` and a detail with | and a newline do not break the tables', () => {
    const branch = 'feat|x`y';
    const hostile = decision(push(branch));
    expect(hostile.refs.branch).toBe(branch);
    const selection = probed(hostile, ['exists', 'missing', 'unknown', 'exists'], 'denied | try again\nlater');
    const md = summaryMarkdown(hostile, { progress: PARTIAL, selection, exitCode: 0 });
    const { html, tables } = render(md);
    expect(tables).toHaveLength(3);
    expect(tables.map((t) => t.head)).toEqual([IMPORTS_HEAD, EXPORT_HEAD, STEPS_HEAD]);
    expect(tables.map((t) => t.rows.length)).toEqual([4, 1, 2]);
    expect(tables.map((t) => t.rows.map((r) => r.length))).toEqual([[4, 4, 4, 4], [2], [3, 3]]);
    // The branch stays one code span (the backtick cannot close it early) with its pipe.
    const branchCells = tables[0]!.rows.map((r) => r[1]);
    expect(branchCells.slice(0, 2)).toEqual(["<code>feat|x'y</code>", "<code>feat|x'y</code>"]);
    expect(tables[0]!.rows[2]![3]).toBe('⚠️ could not check: denied | try again later');
    expect(html).toContain('<h3>buildx-branch-cache: <code>feat|x&#39;y</code></h3>');
    expectWellFormed(md, 3);
  });
});

describe('failureMarkdown', () => {
  test('the message is shown as it is, in a <pre> block: no markup, every & < > escaped', () => {
    const message = 'file: <h1>big</h1> & <script>x</script> *not bold* a<b>c';
    const md = failureMarkdown(message);
    expect(md.split('\n').slice(0, 2)).toEqual(['### buildx-branch-cache: failed before planning', '']);
    const { html } = render(md);
    const pre = [...html.matchAll(/<pre>([\s\S]*?)<\/pre>/g)].map((m) => decode(m[1]!));
    expect(pre).toEqual([message]);
    expect(html.match(/<[a-z0-9]+/g)).toEqual(['<h3', '<pre']);
  });

  test('an entity in the message stays text too (the & is escaped before < and >)', () => {
    const { html } = render(failureMarkdown('&lt; is not <'));
    expect([...html.matchAll(/<pre>([\s\S]*?)<\/pre>/g)].map((m) => decode(m[1]!))).toEqual(['&lt; is not <']);
  });
});

// A decision for another Dockerfile (the helper above always uses DOCKERFILE).
function decisionOf(dockerfile: string, source: BuildSource, inputs: Record<string, string> = {}): Decision {
  const all: Record<string, string> = { image: IMAGE, ...inputs };
  return decide(
    parseConfig((name) => all[name] ?? ''),
    source,
    dockerfile,
    'Dockerfile',
  );
}
const stepsOf = (md: string) => expectWellFormed(md, 3)[2]!.rows.map((r) => r[0]);

describe('the log lines, in full', () => {
  test('a push to the default branch: no fallbacks, the export, every planned flag', () => {
    expect(logLines(decision(push('main')))).toEqual([
      'branch: main (slug main)',
      'fallbacks: (none)',
      'default branch: main',
      'export cache: yes',
      'why: push on branch main',
      'target stage: build; exports under stage: build; imports stages: build, deps',
      `cache-from: type=registry,ref=${IMAGE}:cache.build.main`,
      `cache-from: type=registry,ref=${IMAGE}:cache.deps.main`,
      `cache-to: type=registry,ref=${IMAGE}:cache.build.main,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
    ]);
  });

  test('a tag: no branch, and the fallbacks joined with ", " when there are several', () => {
    const lines = logLines(decision(tag, { 'fallback-branches': 'develop\nrelease' }));
    expect(lines.slice(0, 2)).toEqual(['branch: (none)', 'fallbacks: develop, release']);
    expect(lines).toContain('export cache: no');
  });

  test('resultLines before a build: no headline, no stages, the export not run yet', () => {
    expect(resultLines(decision(push('feature/x')), {})).toStrictEqual([]);
  });
});

describe('exportState: the inline cache and several export errors', () => {
  const inline = decision(push('feature/x'), { 'cache-type': 'inline', target: 'deps', push: 'true' });

  test('inline: saved with the pushed image when the build succeeded, else not saved because of the build', () => {
    expect(inline.backend.type).toBe('inline');
    // The inline cache has no export step, so the stream says nothing about it.
    const noExportStep = summarize(STEPS.slice(0, 3).map((n) => v(n)));
    expect(exportState(inline, { progress: noExportStep, exitCode: 0 })).toEqual({ state: 'saved' });
    expect(exportState(decision(push('feature/x')), { progress: noExportStep, exitCode: 0 })).toEqual({
      state: 'not saved',
      why: 'BuildKit reported no cache export',
    });
    expect(exportState(inline, { progress: FAILED, exitCode: 1 })).toEqual({
      state: 'not saved',
      why: 'the build failed (exit code 1)',
    });
    expect(exportState(inline, {})).toEqual({ state: 'not run' });
  });

  test('every export error is named, joined with "; "', () => {
    const progress = summarize([
      v('exporting cache to registry', { error: 'first: 401' }),
      v('exporting cache to registry again', { digest: 'sha256:again', error: 'second: 500' }),
    ]);
    expect(exportState(decision(push('feature/x')), { progress, exitCode: 0 })).toEqual({
      state: 'not saved',
      why: 'first: 401; second: 500',
    });
  });

  test('an export disabled for several reasons names them all, joined with "; "', () => {
    const fork = decision({ event: forkPullRequest }, { 'export-cache': 'true' });
    const ex = exportState(fork, {});
    expect(ex.state).toBe('disabled');
    const reasons = fork.refs.reasons.filter((r) => /fork|imports only|export-cache/.test(r));
    expect(reasons.length).toBeGreaterThan(1);
    expect(ex).toEqual({ state: 'disabled', why: reasons.join('; ') });
  });
});

describe('summaryMarkdown: the head of the summary, in full', () => {
  test('branch, fallbacks, stage, cache and the reasons (joined with "; "), then the imports heading', () => {
    const d = decision(push('feature/x'), { 'fallback-branches': 'develop\nmain' });
    const md = summaryMarkdown(d, { progress: PARTIAL, exitCode: 0 });
    expect(md.split('\n').slice(0, 13)).toEqual([
      '### buildx-branch-cache: `feature/x`',
      '',
      '**1 of 5 steps ran, 4 came from the cache.**',
      '',
      '- **Branch:** `feature/x` (tag slug `feature_x`)',
      '- **Fallbacks:** `develop` → `main`',
      '- **Stage:** `build`, importing `build`, `deps`',
      `- **Cache:** registry in \`${IMAGE}\``,
      '- **Why:** push on branch feature/x; fallback branches set by input',
      '',
      '#### Cache imports, in order of preference',
      '',
      '| Cache | Branch | Stage | State |',
    ]);
    const exportAt = md.split('\n').indexOf('#### Cache export');
    expect(md.split('\n').slice(exportAt - 1, exportAt + 3)).toEqual([
      '',
      '#### Cache export',
      '',
      '| Cache | Result |',
    ]);
    const stepsAt = md.split('\n').indexOf('#### Steps');
    expect(md.split('\n').slice(stepsAt - 1, stepsAt + 3)).toEqual([
      '',
      '#### Steps',
      '',
      '| Stage | Cached / total | First step that ran |',
    ]);
  });

  test('no headline before the build: the branch line follows the title', () => {
    const md = summaryMarkdown(decision(push('feature/x')), {});
    expect(md.split('\n').slice(0, 3)).toEqual([
      '### buildx-branch-cache: `feature/x`',
      '',
      '- **Branch:** `feature/x` (tag slug `feature_x`)',
    ]);
  });

  test('where the cache lives: a directory, or nothing to name for gha', () => {
    const local = summaryMarkdown(decision(push('x'), { 'cache-type': 'local', 'cache-dir': '/var/cache/bk' }));
    expect(local.split('\n')).toContain('- **Cache:** local in `/var/cache/bk`');
    const gha = summaryMarkdown(decision(push('x'), { 'cache-type': 'gha' }));
    expect(gha.split('\n')).toContain('- **Cache:** gha');
  });

  test('a build that ran no steps has no steps table', () => {
    const md = summaryMarkdown(decision(push('x')), { progress: summarize([]), exitCode: 0 });
    expect(md).not.toContain('#### Steps');
    expectWellFormed(md, 2);
  });
});

describe('summaryMarkdown: import states a hand-made selection can hold', () => {
  const d = decision(push('feature/x'));
  const [own, ownDeps, main, mainDeps] = d.plan.imports;

  test('a ref that holds no cache records is left out, and says so', () => {
    const records = (...ids: string[]) => ({ records: new Map(ids.map((id) => [id, 0])) });
    const selection = selectImports(d.plan.imports, [
      { ref: own!.ref, state: 'exists', content: records('a') },
      { ref: ownDeps!.ref, state: 'exists', content: records() },
      { ref: main!.ref, state: 'missing' },
      { ref: mainDeps!.ref, state: 'missing' },
    ]);
    expect(expectWellFormed(summaryMarkdown(d, { selection }), 2)[0]!.rows.map((r) => r[3])).toEqual([
      '✅ imported',
      '⏭️ left out: holds no cache records',
      '➖ missing (skipped)',
      '➖ missing (skipped)',
    ]);
  });

  test('a ref with a state but no verdict counts as missing', () => {
    const selection = {
      imports: [],
      states: new Map([[own!.ref, { ref: own!.ref, state: 'exists' as const }]]),
      verdicts: new Map(),
      cold: false,
      unreadable: [],
    };
    expect(expectWellFormed(summaryMarkdown(d, { selection }), 2)[0]!.rows.map((r) => r[3])).toEqual([
      '➖ missing (skipped)',
      'not checked',
      'not checked',
      'not checked',
    ]);
  });
});

describe('the steps in Dockerfile order', () => {
  const source = push('x');

  test('unnamed stages (stage-N) by N, named ones by place, unknown ones last', () => {
    const d = decisionOf(
      [
        'FROM scratch',
        'RUN a',
        'FROM scratch AS x-stage-5',
        'RUN b',
        'FROM scratch AS stage-9z',
        'RUN c',
        'FROM scratch AS y',
        'COPY --from=0 /a /a',
        'COPY --from=x-stage-5 /b /b',
        'COPY --from=stage-9z /c /c',
        '',
      ].join('\n'),
      source,
    );
    const progress = summarize([
      v('[y 1/3] COPY --from=0 /a /a'),
      v('[ghost 1/1] RUN ?'),
      v('[stage-12 1/1] RUN ?'),
      v('[stage-9z 1/1] RUN c'),
      v('[x-stage-5 1/1] RUN b'),
      v('[stage-0 1/1] RUN a'),
    ]);
    expect(stepsOf(summaryMarkdown(d, { progress, exitCode: 0 }))).toEqual([
      '<code>stage-0</code>',
      '<code>x-stage-5</code>',
      '<code>stage-9z</code>',
      '<code>y</code>',
      '<code>stage-12</code>',
      '<code>ghost</code>',
    ]);
  });

  test('a one-stage file: BuildKit\'s "default" is shown under the stage\'s name', () => {
    const d = decisionOf('FROM scratch AS only\nRUN a\nRUN b\n', source);
    const progress = summarize([v('[1/2] RUN a', { cached: true }), v('[2/2] RUN b')]);
    expect(stepsOf(summaryMarkdown(d, { progress, exitCode: 0 }))).toEqual(['<code>only</code>']);
    expect(resultLines(d, { progress, exitCode: 0 })).toContain(
      'stage only: 1/2 steps cached; first step that ran: RUN b',
    );
  });

  test('a stage named "default" in a file of several stages keeps its name', () => {
    const d = decisionOf('FROM scratch AS default\nRUN a\nFROM default AS app\nRUN b\n', source);
    const progress = summarize([v('[app 1/1] RUN b'), v('[default 1/1] RUN a')]);
    expect(stepsOf(summaryMarkdown(d, { progress, exitCode: 0 }))).toEqual([
      '<code>default</code>',
      '<code>app</code>',
    ]);
  });
});

describe('summaryMarkdown: the wording when a detail or a name is missing', () => {
  const d = decision(push('feature/x'));
  const [own, ownDeps, main, mainDeps] = d.plan.imports;
  const handMade = (states: ProbeResult[], verdicts: Verdict[]) => ({
    imports: [],
    states: new Map(states.map((r) => [r.ref, r])),
    verdicts: new Map(verdicts.map((x) => [x.ref, x])),
    cold: false,
    unreadable: [],
  });

  test('no detail: "unknown error", "its content could not be read"; a container not in the plan: "the imported refs"', () => {
    const selection = handMade(
      [
        { ref: own!.ref, state: 'unknown' },
        { ref: ownDeps!.ref, state: 'exists' },
        { ref: main!.ref, state: 'exists', content: { records: new Map([['a', 0]]) } },
        { ref: mainDeps!.ref, state: 'exists', content: { records: new Map([['a', 0]]) } },
      ],
      [
        { ref: ownDeps!.ref, imported: true, why: 'unreadable' },
        { ref: main!.ref, imported: false, why: 'contained' },
        { ref: mainDeps!.ref, imported: false, why: 'contained', other: 'elsewhere:cache' },
      ],
    );
    expect(expectWellFormed(summaryMarkdown(d, { selection }), 2)[0]!.rows.map((r) => r[3])).toEqual([
      '⚠️ could not check: unknown error',
      '✅ imported, ⚠️ not compared: its content could not be read',
      '⏭️ left out: contained in the imported refs',
      '⏭️ left out: contained in the imported refs',
    ]);
  });

  test('no fallbacks: "none"; a 0.1 tag is marked as such', () => {
    const onMain = decision(push('main'));
    const legacy = { ...onMain, plan: { ...onMain.plan, imports: [{ ...onMain.plan.imports[0]!, legacy: true }] } };
    const md = summaryMarkdown(legacy, {});
    expect(md.split('\n')).toContain('- **Fallbacks:** none');
    expect(expectWellFormed(md, 2)[0]!.rows.map((r) => r[0])).toEqual(['<code>cache.build.main</code> (0.1 tag)']);
  });

  test('an export left out for no reason the decision names: a general reason', () => {
    const quiet = { ...d, plan: { ...d.plan, export: undefined }, refs: { ...d.refs, reasons: ['push on branch x'] } };
    expect(exportState(quiet, {})).toEqual({ state: 'disabled', why: 'this build may not write the cache' });
  });
});
