// The article's pipeline, on main and then on a new branch, for three strategies:
// no remote cache, one shared cache ref (the article's broken setup), and this action.
// Every job runs on an emptied builder, as on an ephemeral runner. The scenario
// (`new-branch`), the strategies and the job runner are bench/harness.ts's.
//   npm run bench:pipeline [-- runs=3 sleep=3]
// Needs the test engine: `bash scripts/test-engine.sh start` (the script starts it if needed;
// BBC_ENGINE_DIR, BBC_ENGINE_FLAVOR and the port variables choose which).
import { readFileSync } from 'node:fs';
import {
  STRATEGY_TEXT,
  median,
  runRound,
  snapshotAction,
  startEngine,
  type JobOutcome,
  type Strategy,
} from './harness.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`${name}=`))?.split('=')[1] ?? fallback);
const runs = arg('runs', 3);
const sleep = arg('sleep', 3);

const E = startEngine();
const action = snapshotAction();

const strategies: Strategy[] = ['none', 'shared', 'action'];
const samples = new Map<string, JobOutcome[]>();
const phases: [string, JobOutcome['job']][] = [];
for (let run = 0; run < runs; run++) {
  for (const strategy of strategies) {
    const r = await runRound('new-branch', strategy, { sleep, action });
    if (r.failed) throw new Error(`${strategy}: ${r.failed}\n${r.logs.at(-1)?.text ?? ''}`);
    for (const j of r.jobs) {
      if (!phases.some(([p, job]) => p === j.phase && job === j.job)) phases.push([j.phase, j.job]);
      const key = `${strategy}|${j.phase}|${j.job}`;
      samples.set(key, [...(samples.get(key) ?? []), j]);
      process.stderr.write(
        `run ${run + 1}/${runs} ${STRATEGY_TEXT[strategy].padEnd(20)} ${j.phase.padEnd(10)} ${j.job.padEnd(12)} ${j.ran.length}/${j.total} RUN steps ran, ${j.seconds.toFixed(2)} s\n`,
      );
    }
  }
}

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
console.log(
  `\nbench/pipeline: ${runs} runs, dependencies stage sleeps ${sleep}s, buildx-branch-cache ${version} (bundle ${action.sha256.slice(0, 12)}), ` +
    `engine ${E.flavor} (Docker ${E.dockerVersion}, buildx ${E.buildxVersion})`,
);
console.log('| strategy | phase | job | RUN steps run / total | wall s (median) |');
console.log('|---|---|---|---|---|');
const newBranchTotal = new Map<Strategy, number>();
for (const strategy of strategies) {
  for (const [phase, job] of phases) {
    const list = samples.get(`${strategy}|${phase}|${job}`)!;
    const ran = median(list.map((s) => s.ran.length));
    const total = list[0]!.total;
    const secs = median(list.map((s) => s.seconds));
    if (phase === 'new branch') newBranchTotal.set(strategy, (newBranchTotal.get(strategy) ?? 0) + secs);
    console.log(`| ${STRATEGY_TEXT[strategy]} | ${phase} | ${job} | ${ran} / ${total} | ${secs.toFixed(2)} |`);
  }
}
console.log('\n| strategy | new branch, both jobs (s) | ratio to no remote cache |');
console.log('|---|---|---|');
const base = newBranchTotal.get('none')!;
for (const strategy of strategies) {
  const t = newBranchTotal.get(strategy)!;
  console.log(`| ${STRATEGY_TEXT[strategy]} | ${t.toFixed(2)} | ${(t / base).toFixed(2)} |`);
}
