// The action's front door: chooses the mode, then runs the shared build
// pipeline (shell/pipeline.ts), cleanup (shell/cleanup.ts), sweep
// (shell/sweep.ts) or merge with the action's host (host.ts), and writes the job summary.
import * as core from '@actions/core';
import { failureMarkdown, summaryMarkdown } from '../core/report.js';
import { runCleanup } from '../shell/cleanup.js';
import { actionBranches } from '../shell/live-branches.js';
import { runSweep } from '../shell/sweep.js';
import { runBake } from '../shell/bake.js';
import { runMerge } from '../shell/merge.js';
import { eventContext } from '../shell/event.js';
import { BuildPipeline } from '../shell/pipeline.js';
import { actionHost } from './host.js';
import { githubRun } from '../core/attest.js';
import { envFlags } from '../core/env-flags.js';
import { inputSpec } from '../core/input-table.js';
import { get } from '../core/payload.js';
import { chooseMode, unusedInputs } from '../core/modes.js';

// The runner's getInput trims; a secret's value keeps its spaces, as build-push-action reads `secrets`.
const getInput = (name: string) => core.getInput(name, { trimWhitespace: inputSpec(name).kind !== 'secrets' });

export async function run(): Promise<void> {
  const host = actionHost();
  const pipeline = new BuildPipeline(host);
  let failure: string | undefined;
  try {
    const mode = chooseMode(getInput);
    for (const name of unusedInputs(mode, getInput)) {
      const readBy = inputSpec(name).modes.map((m) => (m === 'build' ? 'a build' : `${m}: true`));
      const here = mode === 'build' ? 'in a build' : `with ${mode}: true`;
      host.warn(`${name}: has no effect ${here}: it is read only by ${readBy.join(' and ')}`);
    }
    if (mode === 'cleanup') return await runCleanup(getInput, host);
    if (mode === 'merge') return await runMerge(getInput, host);
    if (mode === 'sweep') return await runSweep(getInput, { ...host, branches: (t, ms) => actionBranches(t, ms) });
    if (mode === 'bake') {
      const code = await runBake(getInput, host, () => ({ source: { event: eventContext() }, lines: [] }));
      if (code !== 0) process.exitCode = code;
      return;
    }
    const planned = await pipeline.plan(getInput, () => {
      const event = eventContext();
      const run = githubRun(process.env, get(event.payload, 'repository', 'private') === true);
      return { source: { event }, lines: [], run };
    });
    if (planned.config.build) {
      const code = await pipeline.build(planned);
      if (code !== 0) process.exitCode = code;
    } else {
      pipeline.argsWithoutBuild(planned);
    }
  } catch (e) {
    failure = pipeline.failure(e);
    host.fail(failure);
  }
  // The summary is written for failed builds too: the plan is what the user debugs from.
  // A failure before there was a plan (a bad input, a malformed event payload) is said there too.
  const d = pipeline.decision;
  // DOCKER_BUILD_SUMMARY=false turns it off, as it does build-push-action's (core/env-flags.ts).
  if ((d !== undefined || failure !== undefined) && host.summary && envFlags(process.env).summary) {
    const markdown = d !== undefined ? summaryMarkdown(d, pipeline.outcome) : failureMarkdown(failure!);
    try {
      await host.summary!(pipeline.redact(markdown));
    } catch (e) {
      pipeline.log.warn(`could not write the job summary: ${pipeline.failure(e)}`);
    }
  }
}
