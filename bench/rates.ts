// How often does a pipeline re-run a RUN step that it should have from the cache?
// Repeats scenarios × strategies (bench/harness.ts) for a number of rounds on one
// engine and reports, per cell, the rounds in which any job ran a step that the
// scenario expects cached, with the exact 95% upper bound on that rate.
//
//   npm run bench:rates -- scenarios=new-branch,changed-deps strategies=action rounds=60 sleep=0
//   npm run bench:rates -- scenarios=after-merge,merge-queue strategies=action-lookup,action rounds=8 sleep=0
//   npm run bench:rates -- report bench/results/current-2026-11-30.json [more files...]
//
// The report's last two columns count the RUN steps re-run in the jobs a scenario measures
// (main's after the merge, the merge queue's; every job in the other scenarios).
//
// Parameters: scenarios= (new-branch, changed-source, changed-deps, second-build,
// stacked-pr, after-merge, merge-queue; default new-branch, changed-deps, second-build,
// stacked-pr), strategies= (action, action-lookup, trick4, shared, none; default action;
// action-lookup is the action with a github-token and a fake GitHub API, action has no
// token), rounds= (60), sleep= (0: how long the install and build
// steps sleep), out= (bench/results/<flavor>-<date>.json; runs are appended to it),
// logs= (where a failed or re-running round's logs are kept: <out without .json>-logs/),
// minutes= (stop starting rounds after this long; default no limit), cells=
// (scenario:strategy,... instead of scenarios × strategies), bundle= (run this copy
// of the action's bundle instead of dist/index.js: to continue a run with the same one).
// The engine is the test engine that BBC_ENGINE_DIR, BBC_ENGINE_FLAVOR,
// BBC_REGISTRY_PORT and BBC_AUTH_REGISTRY_PORT name (scripts/test-engine.sh start
// is run first). Every job empties that engine: give the benchmark its own.
// Cells run interleaved, round by round, so a cut-short run stays balanced.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  SCENARIOS,
  STRATEGIES,
  clopperPearsonUpper,
  median,
  rerunSteps,
  runRound,
  snapshotAction,
  startEngine,
  stopHarness,
  type RoundOutcome,
  type Scenario,
  type Strategy,
} from './harness.js';

interface StoredRound extends Omit<RoundOutcome, 'logs'> {
  round: number;
  finished: string;
}

interface Run {
  command: string;
  started: string;
  finished?: string;
  sleep: number;
  roundsAsked: number;
  cells: string[];
  action: { sha256: string; commit: string; distDirty: boolean };
  rounds: StoredRound[];
}

interface ResultFile {
  engine: { flavor: string; dockerVersion: string; buildxVersion: string };
  runs: Run[];
}

const engineText = (e: ResultFile['engine']) =>
  `${e.flavor} (Docker ${e.dockerVersion.replace(/\+.*/, '')}, buildx ${e.buildxVersion.replace(/\+.*/, '')})`;

/** One row per engine × scenario × strategy, over all the runs of all the files given (a run continued in another file adds up). */
function report(files: ResultFile[]): string {
  const out = [
    '| engine | scenario | strategy | rounds | rounds that re-ran a cached step | 95% upper bound on the re-run rate' +
      ' | failed rounds | median s per round | measured jobs: median RUN steps re-run per round (min–max)' +
      ' | measured jobs: rounds with 0 re-runs |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const cells = new Map<string, StoredRound[]>();
  for (const f of files)
    for (const run of f.runs)
      for (const r of run.rounds) {
        const key = `${engineText(f.engine)}|${r.scenario}|${r.strategy}`;
        cells.set(key, [...(cells.get(key) ?? []), r]);
      }
  for (const [key, rounds] of cells) {
    const [engine, scenario, strategy] = key.split('|');
    const done = rounds.filter((r) => !r.failed);
    const k = done.filter((r) => r.rerun).length;
    const n = done.length;
    const steps = done.map((r) => rerunSteps(r.jobs));
    const zero = steps.filter((s) => s === 0).length;
    const range = n ? `${Math.min(...steps)}–${Math.max(...steps)}` : '-';
    const bound = `${(100 * clopperPearsonUpper(k, n)).toFixed(1)}%`;
    const seconds = median(done.map((r) => r.seconds)).toFixed(1);
    const zeroShare = `${zero}/${n} (${n ? ((100 * zero) / n).toFixed(0) : '-'}%)`;
    const row = [engine, scenario, strategy, n, k, bound, rounds.length - n, seconds, `${median(steps)} (${range})`];
    out.push(`| ${[...row, zeroShare].join(' | ')} |`);
  }
  return out.join('\n');
}

/** What re-ran, per cell: `job phase: steps` with how many rounds. */
function rerunDetail(files: ResultFile[]): string[] {
  const lines: string[] = [];
  for (const f of files) {
    const seen = new Map<string, number>();
    for (const run of f.runs)
      for (const r of run.rounds)
        for (const j of r.jobs)
          if (j.rerun.length) {
            const key = `${f.engine.flavor} ${r.scenario} ${r.strategy}: ${j.phase} ${j.job} re-ran ${j.rerun.join(', ')}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
          }
    for (const [k, n] of seen) lines.push(`${k} (${n} round${n === 1 ? '' : 's'})`);
  }
  return lines;
}

const args = process.argv.slice(2);
if (args[0] === 'report') {
  const files = args.slice(1).map((p) => JSON.parse(readFileSync(p, 'utf8')) as ResultFile);
  console.log(report(files));
  for (const l of rerunDetail(files)) console.log(`- ${l}`);
  process.exit(0);
}

const param = (name: string) => args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
const list = <T extends string>(name: string, known: readonly T[], fallback: T[]): T[] => {
  const v = param(name);
  if (!v) return fallback;
  const items = v.split(',').filter(Boolean) as T[];
  for (const i of items) if (!known.includes(i)) throw new Error(`${name}: unknown ${i} (known: ${known.join(', ')})`);
  return items;
};
const scenarios = list<Scenario>('scenarios', Object.keys(SCENARIOS) as Scenario[], [
  'new-branch',
  'changed-deps',
  'second-build',
  'stacked-pr',
]);
const strategies = list<Strategy>('strategies', STRATEGIES, ['action']);
const rounds = Number(param('rounds') ?? 60);
const sleep = Number(param('sleep') ?? 0);
const minutes = Number(param('minutes') ?? Infinity);

const E = startEngine();
const action = snapshotAction(param('bundle'));
const date = new Date().toISOString().slice(0, 10);
const out = param('out') ?? join('bench', 'results', `${E.flavor || 'external'}-${date}.json`);
const logDir = param('logs') ?? out.replace(/\.json$/, '') + '-logs';
mkdirSync(dirname(out), { recursive: true });

const file: ResultFile = existsSync(out)
  ? (JSON.parse(readFileSync(out, 'utf8')) as ResultFile)
  : { engine: { flavor: E.flavor, dockerVersion: E.dockerVersion, buildxVersion: E.buildxVersion }, runs: [] };
if (file.engine.flavor !== E.flavor || file.engine.dockerVersion !== E.dockerVersion)
  throw new Error(`${out} holds results of another engine (${JSON.stringify(file.engine)})`);
// cells=new-branch:action,new-branch:trick4 names the cells one by one instead.
const cells = param('cells')
  ? param('cells')!
      .split(',')
      .map((c) => {
        const [s, t] = c.split(':') as [Scenario, Strategy];
        if (!(s in SCENARIOS) || !STRATEGIES.includes(t)) throw new Error(`cells: unknown ${c}`);
        return [s, t] as const;
      })
  : scenarios.flatMap((s) => strategies.map((t) => [s, t] as const));
const run: Run = {
  command: `npm run bench:rates -- ${args.join(' ')}`,
  started: new Date().toISOString(),
  sleep,
  roundsAsked: rounds,
  cells: cells.map(([s, t]) => `${s}:${t}`),
  action: { sha256: action.sha256, commit: action.commit, distDirty: action.distDirty },
  rounds: [],
};
file.runs.push(run);
const save = () => {
  writeFileSync(`${out}.tmp`, JSON.stringify(file, null, 1) + '\n');
  renameSync(`${out}.tmp`, out);
};

process.stderr.write(
  `bench:rates on ${E.flavor} (Docker ${E.dockerVersion}, buildx ${E.buildxVersion}), registry ${E.registry}; action bundle ${action.sha256.slice(0, 12)} (HEAD ${action.commit.slice(0, 10)}${action.distDirty ? ', dist/ differs from HEAD' : ''}); writing ${out}\n`,
);
const t0 = performance.now();
outer: for (let round = 1; round <= rounds; round++) {
  for (const [scenario, strategy] of cells) {
    if ((performance.now() - t0) / 60000 > minutes) {
      process.stderr.write(`stopping after ${minutes} minutes, before round ${round} of ${scenario}:${strategy}\n`);
      break outer;
    }
    const r = await runRound(scenario, strategy, { sleep, action });
    const { logs, ...rest } = r;
    run.rounds.push({ ...rest, round, finished: new Date().toISOString() });
    run.finished = new Date().toISOString();
    save();
    const what = r.failed
      ? `FAILED: ${r.failed.split('\n')[0]}`
      : r.rerun
        ? `RE-RAN ${r.jobs
            .filter((j) => j.rerun.length)
            .map((j) => `${j.phase} ${j.job}: ${j.rerun.join(', ')}`)
            .join('; ')}`
        : 'ok';
    process.stderr.write(
      `${E.flavor} round ${round}/${rounds} ${scenario}:${strategy} ${r.seconds.toFixed(1)} s ${what}\n`,
    );
    if (r.failed || r.rerun) {
      const dir = join(logDir, `${scenario}-${strategy}-round-${round}`);
      mkdirSync(dir, { recursive: true });
      for (const l of logs) writeFileSync(join(dir, l.name), l.text);
      writeFileSync(join(dir, 'round.json'), JSON.stringify(rest, null, 1) + '\n');
    }
  }
}
run.finished = new Date().toISOString();
save();
await stopHarness();
console.log(`\nbench:rates: ${out}; re-run rate bound: exact Clopper–Pearson, upper end of the two-sided 95% interval`);
console.log(report([{ ...file, runs: [run] }]));
for (const l of rerunDetail([{ ...file, runs: [run] }])) console.log(`- ${l}`);
