// The article's pipeline, on main and then on a new branch, for three strategies:
// no remote cache, one shared cache ref (the article's broken setup), and this action.
// Every job runs on an emptied builder, as on an ephemeral runner.
//   npm run bench:pipeline [-- runs=3 sleep=3]
// Needs the test engine: `bash scripts/test-engine.sh start` (the script starts it if needed).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushEvent } from '../scripts/action-harness.mjs';
import { engine, uniqueRepo, type StepCount } from '../e2e/lib.js';
import { actionJob, manualJob, pipelineContext, type Job } from '../e2e/pipeline.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`${name}=`))?.split('=')[1] ?? fallback);
const runs = arg('runs', 3);
const sleep = arg('sleep', 3);

execFileSync('bash', ['scripts/test-engine.sh', 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
process.env.BBC_ENGINE_ENV = join(process.env.BBC_ENGINE_DIR ?? '/tmp/bbc-engine', 'env.json');
const E = engine();
Object.assign(process.env, E.env);

type Strategy = 'no remote cache' | 'shared cache ref' | 'buildx-branch-cache';
const strategies: Strategy[] = ['no remote cache', 'shared cache ref', 'buildx-branch-cache'];
const jobs: [string, string, Job][] = [
  ['main', 'main', 'dependencies'],
  ['main', 'main', 'final'],
  ['new branch', 'feature/x', 'dependencies'],
  ['new branch', 'feature/x', 'final'],
];

interface Sample {
  steps: StepCount;
  seconds: number;
}

async function runJob(strategy: Strategy, repo: string, context: string, branch: string, job: Job): Promise<Sample> {
  const tag = `${job === 'dependencies' ? 'deps-' : ''}${branch.replace(/\//g, '-')}`;
  if (strategy === 'buildx-branch-cache') {
    const r = await actionJob({ context, repo, event: pushEvent(branch), job });
    if (r.result.code !== 0) throw new Error(r.result.stdout + r.result.stderr);
    return { steps: r.steps, seconds: r.seconds };
  }
  const ref = `${E.registry}/${repo}:cache`;
  const shared = strategy === 'shared cache ref';
  const r = await manualJob({
    context,
    repo,
    job,
    tag,
    cacheFrom: shared ? [`type=registry,ref=${ref}`] : [],
    cacheTo: shared ? [`type=registry,ref=${ref},mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`] : [],
  });
  if (r.code !== 0) throw new Error(r.log);
  return { steps: r.steps, seconds: r.seconds };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples = new Map<string, Sample[]>();
for (let run = 0; run < runs; run++) {
  for (const strategy of strategies) {
    const repo = uniqueRepo(`bench-${strategy.replace(/\W+/g, '-')}`);
    const context = pipelineContext({ sleep });
    for (const [phase, branch, job] of jobs) {
      const s = await runJob(strategy, repo, context, branch, job);
      const key = `${strategy}|${phase}|${job}`;
      samples.set(key, [...(samples.get(key) ?? []), s]);
      process.stderr.write(`run ${run + 1}/${runs} ${strategy.padEnd(20)} ${phase.padEnd(10)} ${job.padEnd(12)} ${s.steps.ran}/${s.steps.total} RUN steps ran, ${s.seconds.toFixed(2)} s\n`);
    }
  }
}

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
console.log(`\nbench/pipeline: ${runs} runs, dependencies stage sleeps ${sleep}s, buildx-branch-cache ${version}, engine ${E.env.DOCKER_HOST ? 'private dockerd' : 'external'}`);
console.log('| strategy | phase | job | RUN steps run / total | wall s (median) |');
console.log('|---|---|---|---|---|');
const newBranchTotal = new Map<Strategy, number>();
for (const strategy of strategies) {
  for (const [phase, , job] of jobs) {
    const list = samples.get(`${strategy}|${phase}|${job}`)!;
    const ran = median(list.map((s) => s.steps.ran));
    const total = list[0]!.steps.total;
    const secs = median(list.map((s) => s.seconds));
    if (phase === 'new branch') newBranchTotal.set(strategy, (newBranchTotal.get(strategy) ?? 0) + secs);
    console.log(`| ${strategy} | ${phase} | ${job} | ${ran} / ${total} | ${secs.toFixed(2)} |`);
  }
}
console.log('\n| strategy | new branch, both jobs (s) | ratio to no remote cache |');
console.log('|---|---|---|');
const base = newBranchTotal.get('no remote cache')!;
for (const strategy of strategies) {
  const t = newBranchTotal.get(strategy)!;
  console.log(`| ${strategy} | ${t.toFixed(2)} | ${(t / base).toFixed(2)} |`);
}
