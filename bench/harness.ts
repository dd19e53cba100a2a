// The benchmark harness: the article's pipeline as scenarios (which jobs run on
// which branch, with which change, and which RUN steps each job should run) and
// strategies (how a job gets its cache), one job runner for all of them.
// Every job runs on an emptied builder, as on an ephemeral runner; every round
// uses a fresh repository name and fresh build contexts.
// Used by bench/pipeline.ts (timings) and bench/rates.ts (re-run rates).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ProgressStream } from '../src/core/progress.js';
import { countRawRunSteps, countRunSteps, engine, uniqueRepo, type Engine, type StepCount } from '../e2e/lib.js';
import { fakePullsApi, PULLS_TOKEN, type FakePullsApi } from '../__tests__/fake-pulls-api.js';
import {
  actionJob,
  eventBranch,
  jobTag,
  manualJob,
  pipelineContext,
  mergeGroupEvent,
  pullRequestEvent,
  pushEvent,
  type Job,
} from '../e2e/pipeline.js';
import type { RunnerEvent } from '../scripts/action-harness.mjs';

/**
 * Starts (or reuses) the test engine that BBC_ENGINE_DIR, BBC_ENGINE_FLAVOR,
 * BBC_REGISTRY_PORT and BBC_AUTH_REGISTRY_PORT name, the way the tests do, and
 * points this process at it. Every job empties that engine: give the benchmark
 * an engine of its own when others run tests on the default one.
 */
export function startEngine(): Engine {
  execFileSync('bash', ['scripts/test-engine.sh', 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.env.BBC_ENGINE_ENV = join(process.env.BBC_ENGINE_DIR ?? '/tmp/bbc-engine', 'env.json');
  const E = engine();
  Object.assign(process.env, E.env);
  return E;
}

/** The bundle the `action` strategy runs: a copy of dist/index.js, so a rebundle during a long run changes nothing. */
export interface ActionBundle {
  entry: string;
  sha256: string;
  /** HEAD when the copy was taken, and whether dist/ differed from HEAD's. */
  commit: string;
  distDirty: boolean;
}

/** `from`: an earlier copy to run again (a run continued later), else dist/index.js now. */
export function snapshotAction(from?: string): ActionBundle {
  const dir = mkdtempSync(join(tmpdir(), 'bbc-bench-dist-'));
  const entry = join(dir, 'index.js');
  const source = from ?? 'dist/index.js';
  copyFileSync(source, entry);
  // The module type beside it goes too (dist/package.json: CommonJS), so the copy runs as the bundle does.
  const type = join(dirname(source), 'package.json');
  if (existsSync(type)) copyFileSync(type, join(dir, 'package.json'));
  const git = (args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  return {
    entry,
    sha256: createHash('sha256').update(readFileSync(entry)).digest('hex'),
    commit: git(['rev-parse', 'HEAD']),
    distDirty: git(['status', '--short', '--', 'dist/index.js']) !== '',
  };
}

// ---- the pipeline's RUN steps -------------------------------------------------

/** The pipeline's five RUN steps (e2e/pipeline.ts): three in `dependencies`, two in `build`. */
export const STEPS = ['busybox', 'install', 'node_modules', 'bundle', 'built'] as const;
export type Step = (typeof STEPS)[number];
const STEP_PATTERNS: [Step, RegExp][] = [
  ['busybox', /busybox.*--install/],
  ['install', /cp \/app\/package\.json/],
  ['node_modules', /mkdir -p \/app\/node_modules/],
  ['bundle', /cat \/app\/src\//],
  ['built', /echo built/],
];

export function stepOf(name: string): Step | string {
  return STEP_PATTERNS.find(([, re]) => re.test(name))?.[0] ?? name;
}

const ALL_DEPS: Step[] = ['busybox', 'install', 'node_modules'];
const AFTER_PACKAGE_JSON: Step[] = ['install', 'node_modules'];
const BUILD: Step[] = ['bundle', 'built'];

// ---- scenarios ------------------------------------------------------------------

type Change = 'none' | 'source' | 'source2' | 'deps';

export interface JobSpec {
  /** e.g. `main`, `new branch`, `branch, 2nd build`. */
  phase: string;
  event: RunnerEvent;
  /** For the by-hand strategies: the branch whose refs a pull request falls back to before main. */
  base?: string;
  change: Change;
  job: Job;
  /** The RUN steps this job should run; every other RUN step should come from the cache. */
  expect: Step[];
  /** The commit the workflow runs on (GITHUB_SHA), where the fake API knows it. */
  sha?: string;
  /** A job the scenario is about (the others set it up): counted in the re-run steps per round. */
  measured?: boolean;
}

function pipeline(
  phase: string,
  event: RunnerEvent,
  change: Change,
  deps: Step[],
  final: Step[],
  base?: string,
  more: Pick<JobSpec, 'sha' | 'measured'> = {},
): JobSpec[] {
  return [
    { phase, event, base, change, job: 'dependencies', expect: deps, ...more },
    { phase, event, base, change, job: 'final', expect: final, ...more },
  ];
}

const mainFirst = () => pipeline('main', pushEvent('main'), 'none', ALL_DEPS, BUILD);

// What the fake GitHub API (started for `action-lookup`) knows: the push to main
// of MERGE_SHA merged pull request #12 from feature/x; #13 from feature/q is queued.
export const MERGE_SHA = 'c0ffee'.padEnd(40, '0');
export const QUEUE_SHA = 'beef'.padEnd(40, '1');
const MERGED_PR = { number: 12, head: 'feature/x', base: 'main', mergedAt: '2026-03-01T10:00:00Z' };
const QUEUED_PR = { number: 13, head: 'feature/q', base: 'main' };

export const SCENARIOS = {
  /** main, then a push to a new branch with no change: the branch runs nothing. */
  'new-branch': () => [...mainFirst(), ...pipeline('new branch', pushEvent('feature/x'), 'none', [], [])],
  /** The new branch changed a source file (copied last in `dependencies`): only the build stage runs. */
  'changed-source': () => [...mainFirst(), ...pipeline('new branch', pushEvent('feature/x'), 'source', [], BUILD)],
  /** The new branch changed package.json: the steps after it, then the build stage. */
  'changed-deps': () => [
    ...mainFirst(),
    ...pipeline('new branch', pushEvent('feature/x'), 'deps', AFTER_PACKAGE_JSON, BUILD),
  ],
  /**
   * The branch builds with a changed source; main moves on (changes its package.json);
   * the branch builds again with another source change: only its build stage runs.
   */
  'second-build': () => [
    ...mainFirst(),
    ...pipeline('branch, 1st build', pushEvent('feature/x'), 'source', [], BUILD),
    ...pipeline('main moved on', pushEvent('main'), 'deps', AFTER_PACKAGE_JSON, BUILD),
    ...pipeline('branch, 2nd build', pushEvent('feature/x'), 'source2', [], BUILD),
  ],
  /** feature/a changes package.json; feature/b, a pull request onto it with no further change, runs nothing. */
  'stacked-pr': () => [
    ...mainFirst(),
    ...pipeline('feature/a', pushEvent('feature/a'), 'deps', AFTER_PACKAGE_JSON, BUILD),
    ...pipeline('feature/b onto a', pullRequestEvent('feature/b', 'feature/a'), 'deps', [], [], 'feature/a'),
  ],
  /**
   * Pull request #12 from feature/x changes a source file; then the push to main that merged it
   * (the same tree, GITHUB_SHA the merge commit) runs nothing when it imports #12's cache.
   * Measured: main's jobs after the merge. Without the lookup main's own (pre-merge) cache
   * leaves the build stage's 2 steps to run.
   */
  'after-merge': () => [
    ...mainFirst(),
    ...pipeline('PR #12', pullRequestEvent('feature/x', 'main', { number: 12 }), 'source', [], BUILD),
    ...pipeline('main after merge', pushEvent('main'), 'source', [], [], undefined, {
      sha: MERGE_SHA,
      measured: true,
    }),
  ],
  /**
   * Pull request #13 from feature/q changes a source file; the merge queue builds #13's tree
   * (merge_group, head equal to the queued tree): nothing runs when it imports #13's cache.
   * Measured: the merge_group jobs.
   */
  'merge-queue': () => [
    ...mainFirst(),
    ...pipeline('PR #13', pullRequestEvent('feature/q', 'main', { number: 13 }), 'source', [], BUILD),
    ...pipeline('merge queue', mergeGroupEvent(13, QUEUE_SHA), 'source', [], [], undefined, {
      sha: QUEUE_SHA,
      measured: true,
    }),
  ],
} satisfies Record<string, () => JobSpec[]>;
export type Scenario = keyof typeof SCENARIOS;

/** The build contexts a round needs, fresh for each round (removed after it). */
function contexts(sleep: number): Record<Change, string> {
  return {
    none: pipelineContext({ sleep }),
    source: pipelineContext({ sleep, source: 'console.log("changed")\n' }),
    source2: pipelineContext({ sleep, source: 'console.log("changed again")\n' }),
    deps: pipelineContext({ sleep, deps: '{"dependencies":{"lib":"2.0.0"}}\n' }),
  };
}

// ---- strategies -----------------------------------------------------------------

/**
 * `action`: the bundle with no github-token (so no pull request lookups: the usual
 * fallback chain), as in every result before `action-lookup` existed. `action-lookup`:
 * the same bundle with a github-token and GITHUB_API_URL on a fake GitHub API
 * (__tests__/fake-pulls-api.ts) that knows MERGED_PR and QUEUED_PR: a workflow's
 * default, where the token is `github.token`.
 */
export const STRATEGIES = ['none', 'shared', 'action', 'action-lookup', 'trick4'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const STRATEGY_TEXT: Record<Strategy, string> = {
  none: 'no remote cache',
  shared: 'shared cache ref',
  action: 'buildx-branch-cache',
  'action-lookup': 'buildx-branch-cache, pull request lookups',
  trick4: 'Trick #4 by hand',
};

let fakeApi: Promise<FakePullsApi> | undefined;
/** The fake GitHub API for `action-lookup`, started on first use. */
function pullsApi(): Promise<FakePullsApi> {
  fakeApi ??= fakePullsApi({ [`acme/app@${MERGE_SHA}`]: [MERGED_PR] }, [QUEUED_PR]);
  return fakeApi;
}
/** Stops the fake API if it was started (it keeps the process alive otherwise). */
export async function stopHarness(): Promise<void> {
  if (fakeApi) await (await fakeApi).close();
  fakeApi = undefined;
}

const slug = (branch: string) => branch.toLowerCase().replace(/[^a-z0-9]+/g, '-');
const EXPORT = 'mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true';

/**
 * The by-hand strategies' flags. `trick4` is the article's Trick #4 with the action's
 * ref names: job 1 imports `dependencies-<branch>`, then the base branch's (a stacked
 * pull request), then main's; the final job imports `build-` and `dependencies-` of
 * each in the same order; each job exports its own stage to the branch's ref.
 */
export function manualFlags(
  strategy: 'none' | 'shared' | 'trick4',
  image: string,
  spec: JobSpec,
): { cacheFrom: string[]; cacheTo: string[] } {
  if (strategy === 'none') return { cacheFrom: [], cacheTo: [] };
  if (strategy === 'shared')
    return { cacheFrom: [`type=registry,ref=${image}:cache`], cacheTo: [`type=registry,ref=${image}:cache,${EXPORT}`] };
  const branch = eventBranch(spec.event);
  const chain = [...new Set([branch, ...(spec.base ? [spec.base] : []), 'main'])];
  const stages = spec.job === 'dependencies' ? ['dependencies'] : ['build', 'dependencies'];
  const ref = (stage: string, b: string) => `${image}:cache-${stage}-${slug(b)}`;
  return {
    cacheFrom: chain.flatMap((b) => stages.map((s) => `type=registry,ref=${ref(s, b)}`)),
    cacheTo: [`type=registry,ref=${ref(stages[0]!, branch)},${EXPORT}`],
  };
}

// ---- running --------------------------------------------------------------------

export interface JobOutcome {
  phase: string;
  job: Job;
  seconds: number;
  /** RUN steps seen. */
  total: number;
  /** The RUN steps that ran (names from STEPS where known). */
  ran: string[];
  expect: Step[];
  /** Ran although the scenario expects them from the cache. */
  rerun: string[];
  /** Came from the cache although the scenario expects them to run (a cache that is wrong or stale). */
  unexpectedlyCached: string[];
  /** For the by-hand strategies: what the raw counter (every vertex, even one only announced) said, where it differs. */
  rawRan?: string[];
  /** The action's import plan, one line per planned ref. */
  plan?: string[];
  /** A job the scenario is about (JobSpec.measured). */
  measured?: true;
}

export interface RoundOutcome {
  scenario: Scenario;
  strategy: Strategy;
  repo: string;
  seconds: number;
  jobs: JobOutcome[];
  /** Some job ran a RUN step that the scenario expects cached. */
  rerun: boolean;
  /** Some job failed (then the round counts as failed, not as a re-run). */
  failed?: string;
  /** Each job's log (the action's output, or buildx's rawjson), to keep when a round fails or re-runs. */
  logs: { name: string; text: string }[];
}

// The import plan, and with lookups what the API said and why a pull request's refs come first.
const PLAN_LINE =
  /: imported$|left out: |: not found$|pull requests merged by this push|queued pull request #|why: (merged|queued) /;

function outcome(spec: JobSpec, seconds: number, steps: StepCount, extra: Partial<JobOutcome> = {}): JobOutcome {
  const ran = steps.ranNames.map(stepOf);
  return {
    phase: spec.phase,
    job: spec.job,
    seconds,
    total: steps.total,
    ran,
    expect: spec.expect,
    rerun: ran.filter((s) => !(spec.expect as string[]).includes(s)),
    unexpectedlyCached: spec.expect.filter((s) => !ran.includes(s)),
    ...(spec.measured ? { measured: true as const } : {}),
    ...extra,
  };
}

/**
 * The action prints a plain log made from rawjson (a `#N CACHED` line whenever
 * the vertex's `cached` flag is set), so countRunSteps on its output counts what
 * the rawjson says. For buildx's own rawjson the same printer is used here, so
 * both strategies are counted alike; countRawRunSteps also counts vertices that
 * were only announced, never started, as ran, and is kept for comparison.
 */
export function countRaw(raw: string): StepCount {
  const p = new ProgressStream();
  return countRunSteps([...p.feed(raw), ...p.end()].join('\n'));
}

export async function runRound(
  scenario: Scenario,
  strategy: Strategy,
  opts: { sleep: number; action?: ActionBundle },
): Promise<RoundOutcome> {
  const E = engine();
  const repo = uniqueRepo(`bench-${scenario}-${strategy}`);
  const image = `${E.registry}/${repo}`;
  const ctx = contexts(opts.sleep);
  const jobs: JobOutcome[] = [];
  const logs: RoundOutcome['logs'] = [];
  const start = performance.now();
  let failed: string | undefined;
  try {
    for (const spec of SCENARIOS[scenario]()) {
      const name = `${jobs.length + 1}-${jobTag(spec.event, spec.job)}`;
      if (strategy === 'action' || strategy === 'action-lookup') {
        const env: Record<string, string> = spec.sha ? { GITHUB_SHA: spec.sha } : {};
        const inputs: Record<string, string> = {};
        if (strategy === 'action-lookup') {
          env.GITHUB_API_URL = (await pullsApi()).url;
          inputs['github-token'] = PULLS_TOKEN;
        }
        const r = await actionJob({
          context: ctx[spec.change],
          repo,
          event: spec.event,
          job: spec.job,
          entry: opts.action?.entry,
          env,
          inputs,
        });
        const log = r.result.stdout + r.result.stderr;
        logs.push({ name: `${name}.log`, text: log });
        if (r.result.code !== 0) {
          failed = `${spec.phase} ${spec.job}: the action exited ${r.result.code}`;
          break;
        }
        const plan = log
          .split('\n')
          .filter((l) => PLAN_LINE.test(l))
          .map((l) => l.trim());
        jobs.push(outcome(spec, r.seconds, countRunSteps(log), { plan }));
      } else {
        const flags = manualFlags(strategy, image, spec);
        const r = await manualJob({
          context: ctx[spec.change],
          repo,
          job: spec.job,
          tag: jobTag(spec.event, spec.job),
          ...flags,
        });
        logs.push({ name: `${name}.json`, text: r.log });
        if (r.code !== 0) {
          failed = `${spec.phase} ${spec.job}: buildx exited ${r.code}`;
          break;
        }
        const steps = countRaw(r.raw);
        const raw = countRawRunSteps(r.raw).ranNames.map(stepOf);
        const o = outcome(spec, r.seconds, steps);
        jobs.push([...raw].sort().join() === [...o.ran].sort().join() ? o : { ...o, rawRan: raw });
      }
    }
  } catch (e) {
    failed = String((e as Error).stack ?? e);
  } finally {
    for (const dir of Object.values(ctx)) rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    scenario,
    strategy,
    repo,
    seconds,
    jobs,
    rerun: jobs.some((j) => j.rerun.length > 0),
    ...(failed ? { failed } : {}),
    logs,
  };
}

// ---- statistics -----------------------------------------------------------------

/** The RUN steps a round re-ran in the jobs it measures (every job when none is marked measured). */
export function rerunSteps(jobs: Pick<JobOutcome, 'rerun' | 'measured'>[]): number {
  const measured = jobs.some((j) => j.measured) ? jobs.filter((j) => j.measured) : jobs;
  return measured.reduce((n, j) => n + j.rerun.length, 0);
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomCdf(k: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return k >= n ? 1 : 0;
  let s = 0;
  for (let i = 0; i <= k; i++) s += Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  return Math.min(1, s);
}

/**
 * The exact (Clopper–Pearson) upper limit for a rate seen k times in n: the p at
 * which P(X <= k) = tail. tail = 0.025 is the upper end of the two-sided 95%
 * interval (for k = 0: 1 - 0.025^(1/n)); tail = 0.05 the one-sided 95% bound.
 */
export function clopperPearsonUpper(k: number, n: number, tail = 0.025): number {
  if (n === 0) return 1;
  if (k >= n) return 1;
  let lo = k / n;
  let hi = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (binomCdf(k, n, mid) > tail) lo = mid;
    else hi = mid;
  }
  return hi;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
