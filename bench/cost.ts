// The action's own cost per job: the same new-branch job (the pipeline's final
// job, on an emptied builder, main's refs in the registry) through the action as
// the runner starts it, and by hand: `docker buildx build` with the argv the
// action ran (its `args` output; only the temporary files it names are new).
// The two take turns, the first of each pair alternating; each pair is a new
// branch, so both jobs are a new branch's first build. Then the flags-only
// start-to-outputs time with docker on PATH and the refs in the registry.
//   npm run bench:cost [-- pairs=21 flags=21 sleep=0]
// Needs the test engine (started if needed; BBC_ENGINE_DIR, BBC_ENGINE_FLAVOR and
// the port variables choose which, as for the other benchmarks).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, emptyBuilder, uniqueRepo } from '../e2e/lib.js';
import { actionJob, pipelineContext, pushEvent } from '../e2e/pipeline.js';
import { runAction } from '../scripts/action-harness.mjs';
import { median, snapshotAction, startEngine } from './harness.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`${name}=`))?.split('=')[1] ?? fallback);
const pairs = arg('pairs', 21);
const flagRuns = arg('flags', 21);
const sleep = arg('sleep', 0);

/** The quartiles by linear interpolation (R's type 7). */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
}

/** The action's argv with each temporary file it named (metadata, image id) moved into `dir`. */
function byHandArgs(args: string[], dir: string): string[] {
  const out = [...args];
  out.forEach((a, i) => {
    if (out[i - 1] === '--metadata-file' || out[i - 1] === '--iidfile')
      out[i] = join(dir, `${i}-${a.split('/').pop()}`);
    if (out[i - 1] === '--secret' && a.includes('src=')) throw new Error('a secret file in the argv: not this job');
  });
  return out;
}

const E = startEngine();
const action = snapshotAction();
const node = process.env.BBC_BENCH_NODE || execFileSync('bash', ['scripts/node24.sh'], { encoding: 'utf8' }).trim();
const nodeVersion = execFileSync(node, ['-v'], { encoding: 'utf8' }).trim();
const repo = uniqueRepo('bench-cost');
const context = pipelineContext({ sleep });
try {
  // main's two jobs, once: the refs every new branch imports.
  for (const job of ['dependencies', 'final'] as const) {
    const r = await actionJob({ context, repo, event: pushEvent('main'), job, entry: action.entry, node });
    if (r.result.code !== 0) throw new Error(`main ${job}: exit ${r.result.code}\n${r.result.stdout}`);
  }
  const viaAction: number[] = [];
  const byHand: number[] = [];
  // Every job is on a branch of its own (cost-0, cost-1, ...), so neither job of a pair finds the other's export.
  // The hand runs the argv of the latest action job, with its own branch in place of that job's.
  let runs = 0;
  let last: { argv: string[]; branch: number } | undefined;
  const renamed = (argv: string[], from: number, to: number) =>
    // Only the branch's own words (feature-cost-N, feature_cost-N): the repository's random name
    // (bench-cost-7cbc70be) may also hold `cost-<digit>`, which is how a run once failed this check.
    argv.map((a) => a.replace(new RegExp(`(?<=feature[-_/])cost-${from}(?![0-9])`, 'g'), `cost-${to}`));
  const viaActionJob = async (pair: number) => {
    const n = runs++;
    const r = await actionJob({
      context,
      repo,
      event: pushEvent(`feature/cost-${n}`),
      job: 'final',
      entry: action.entry,
      node,
    });
    if (r.result.code !== 0) throw new Error(`pair ${pair}: the action exited ${r.result.code}\n${r.result.stdout}`);
    if (r.steps.ranNames.length > 0) throw new Error(`pair ${pair}: the action ran ${r.steps.ranNames.join(', ')}`);
    const argv = JSON.parse(r.result.outputs.args!) as string[];
    // The plan must be the same job after job: the previous argv, renamed, except for the temporary files.
    if (last !== undefined) {
      const expected = renamed(last.argv, last.branch, n);
      const differs = argv.filter((a, k) => a !== expected[k] && !a.includes('bbc-runner-'));
      if (differs.length > 0 || argv.length !== expected.length)
        throw new Error(
          `pair ${pair}: the action ran another argv than before:\n  before (renamed): ${expected.join(' ')}\n` +
            `  now: ${argv.join(' ')}\n${r.result.stdout
              .split('\n')
              .filter((l) => / imported| left out| not found|could not/.test(l))
              .join('\n')}`,
        );
    }
    last = { argv, branch: n };
    viaAction.push(r.seconds);
  };
  const byHandJob = async (pair: number) => {
    const n = runs++;
    const dir = mkdtempSync(join(tmpdir(), 'bbc-cost-'));
    try {
      await emptyBuilder();
      const argv = byHandArgs(renamed(last!.argv, last!.branch, n), dir);
      const start = performance.now();
      const r = await docker(argv, { cwd: context });
      if (r.code !== 0) throw new Error(`pair ${pair}: by hand, buildx exited ${r.code}\n${r.stderr}`);
      byHand.push((performance.now() - start) / 1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  for (let i = 0; i < pairs; i++) {
    // In turns: the action first in even pairs, the hand first in odd ones.
    if (i % 2 === 0) {
      await viaActionJob(i);
      await byHandJob(i);
    } else {
      await byHandJob(i);
      await viaActionJob(i);
    }
    process.stderr.write(
      `pair ${i + 1}/${pairs}: action ${viaAction.at(-1)!.toFixed(3)} s, by hand ${byHand.at(-1)!.toFixed(3)} s\n`,
    );
  }
  const diffs = viaAction.map((a, i) => a - byHand[i]!);

  // Flags-only: start to outputs as the runner starts it under Node 24, docker on PATH, main's refs there.
  const flagsOnly: number[] = [];
  for (let i = 0; i < flagRuns; i++) {
    const start = performance.now();
    const r = await runAction({
      node,
      cwd: context,
      event: pushEvent(`feature/flags-${i}`),
      entry: action.entry,
      env: E.env,
      inputs: { image: `${E.registry}/${repo}`, build: 'false' },
    });
    flagsOnly.push((performance.now() - start) / 1000);
    if (r.code !== 0 || !r.outputs['cache-from']?.includes('cache.build.main'))
      throw new Error(`flags-only run ${i}: exit ${r.code}, cache-from ${r.outputs['cache-from']}\n${r.stdout}`);
  }

  const ms = (s: number) => `${(s * 1000).toFixed(0)}`;
  const bytes = readFileSync(action.entry).length;
  console.log(
    `\nbench/cost: ${pairs} pairs, engine ${E.flavor} (Docker ${E.dockerVersion}, buildx ${E.buildxVersion}), ` +
      `bundle ${action.sha256.slice(0, 12)} (${bytes} bytes) at ${action.commit.slice(0, 7)}` +
      `${action.distDirty ? ' (dist/ differs from HEAD)' : ''}, the action under ${nodeVersion}`,
  );
  console.log('| measure | median ms | interquartile range ms |');
  console.log('|---|---|---|');
  const row = (label: string, xs: number[]) =>
    console.log(`| ${label} | ${ms(median(xs))} | ${ms(quantile(xs, 0.25))}–${ms(quantile(xs, 0.75))} |`);
  row('new-branch final job through the action', viaAction);
  row('the same argv by hand', byHand);
  row('action minus by hand, per pair', diffs);
  row(`flags-only start to outputs (${flagRuns} runs)`, flagsOnly);
} finally {
  rmSync(context, { recursive: true, force: true });
}
