// The article's pipeline (Trick #4), as jobs on fresh runners: job 1 builds the
// `dependencies` stage, job 3 the final image. Shared by the tests and the benchmark.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  mergeGroupEvent,
  pullRequestEvent,
  pushEvent,
  runAction,
  type RunnerEvent,
  type RunResult,
} from '../scripts/action-harness.mjs';
import { pipelineDockerfile } from './fixtures.mjs';
import { countRawRunSteps, countRunSteps, docker, emptyBuilder, engine, fixture, type StepCount } from './lib.js';

export function pipelineContext(opts: { sleep?: number; deps?: string; source?: string } = {}): string {
  return fixture({
    Dockerfile: pipelineDockerfile(opts.sleep),
    'package.json': opts.deps ?? '{"dependencies":{"lib":"1.0.0"}}\n',
    'src/index.js': opts.source ?? 'console.log("hello")\n',
  });
}

export interface JobResult {
  result: RunResult;
  steps: StepCount;
  seconds: number;
}

export type Job = 'dependencies' | 'final';

/** The branch a job builds: a pull request's head, else the pushed branch. */
export function eventBranch(event: RunnerEvent): string {
  return event.headRef || (event.ref ?? 'x').replace(/^refs\/heads\//, '');
}

/** The image tag a job pushes: `deps-<branch>` for job 1, `<branch>` for the final job. */
export function jobTag(event: RunnerEvent, job: Job): string {
  return `${job === 'dependencies' ? 'deps-' : ''}${eventBranch(event).replace(/[^a-z0-9]+/gi, '-')}`;
}

/** One pipeline job through the action, on an emptied builder, pushing its image. */
export async function actionJob(opts: {
  context: string;
  repo: string;
  event: RunnerEvent;
  job: Job;
  inputs?: Record<string, string>;
  /** Another registry than the open one (e.g. the authenticated one). */
  registry?: string;
  /** More environment for the runner (e.g. a private DOCKER_CONFIG with a login). */
  env?: Record<string, string>;
  /** Another bundle than dist/index.js (the benchmark runs a copy, so a rebundle mid-run cannot change it). */
  entry?: string;
  /** Another node than this process's (the runner's Node 24, for the benchmark of the action's own cost). */
  node?: string;
}): Promise<JobResult> {
  const e = engine();
  await emptyBuilder();
  const image = `${opts.registry ?? e.registry}/${opts.repo}`;
  const tag = jobTag(opts.event, opts.job);
  const start = performance.now();
  const result = await runAction({
    cwd: opts.context,
    event: opts.event,
    entry: opts.entry,
    node: opts.node,
    env: { ...e.env, ...opts.env },
    inputs: {
      image,
      ...(opts.job === 'dependencies' ? { target: 'dependencies' } : {}),
      tags: `${image}:${tag}`,
      push: 'true',
      network: 'none',
      ...opts.inputs,
    },
  });
  const seconds = (performance.now() - start) / 1000;
  if (process.env.BBC_DEBUG_DIR)
    writeFileSync(
      join(process.env.BBC_DEBUG_DIR, `${opts.repo.replace(/\//g, '_')}-${tag}-${Date.now()}.log`),
      result.stdout,
    );
  return { result, steps: countRunSteps(result.stderr + result.stdout), seconds };
}

/** The same job without the action: the flags given by hand (the control and the benchmark's baselines). */
export async function manualJob(opts: {
  context: string;
  repo: string;
  job: Job;
  cacheFrom: string[];
  cacheTo: string[];
  tag: string;
}): Promise<{
  code: number;
  log: string;
  /** buildx's stderr alone: the rawjson progress. */
  raw: string;
  steps: StepCount;
  seconds: number;
}> {
  const e = engine();
  await emptyBuilder();
  const image = `${e.registry}/${opts.repo}`;
  const args = [
    'buildx',
    'build',
    '--progress=rawjson',
    '--network',
    'none',
    '--push',
    '--tag',
    `${image}:${opts.tag}`,
  ];
  if (opts.job === 'dependencies') args.push('--target', 'dependencies');
  for (const c of opts.cacheFrom) args.push('--cache-from', c);
  for (const c of opts.cacheTo) args.push('--cache-to', c);
  args.push('.');
  const start = performance.now();
  const r = await docker(args, { cwd: opts.context });
  // BBC_DEBUG_DIR keeps each build's raw progress, to look into a surprising count.
  if (process.env.BBC_DEBUG_DIR)
    writeFileSync(
      join(process.env.BBC_DEBUG_DIR, `${opts.repo.replace(/\//g, '_')}-${opts.tag}-${Date.now()}.json`),
      r.stderr,
    );
  const seconds = (performance.now() - start) / 1000;
  return { code: r.code, log: r.stderr + r.stdout, raw: r.stderr, steps: countRawRunSteps(r.stderr), seconds };
}

export { mergeGroupEvent, pullRequestEvent, pushEvent };
