// The action's Host (shell/host.ts): the job log through @actions/core, with
// every line that may quote others' text relayed (core/relay.ts), outputs,
// masking, log groups and the job summary.
import * as core from '@actions/core';
import { ACTION_WORDS } from '../core/errors.js';
import { oneLine, relayLines } from '../core/relay.js';
import type { Host } from '../shell/host.js';
import { tmpdir } from 'node:os';

const stdout = (text: string) => void process.stdout.write(text);

export function actionHost(env: NodeJS.ProcessEnv = process.env): Host {
  return {
    // Info lines can echo text that others wrote (stage names, BuildKit's errors, branch names).
    info: (line) => relayLines(stdout, true, [line]),
    // Warnings are the action's own annotations, their text on one line.
    warn: (message) => core.warning(oneLine(message)),
    notice: (message) => core.notice(oneLine(message)),
    group: (title, body) => core.group(oneLine(title), body),
    setOutput: (name, value) => core.setOutput(name, value),
    setSecret: (value) => core.setSecret(value),
    fail: (message) => core.setFailed(oneLine(message)),
    // No summary file (a local run, a runner that gives none): no summary, rather than an error.
    summary: !env.GITHUB_STEP_SUMMARY
      ? undefined
      : async (markdown) => {
          await core.summary.addRaw(markdown).write();
        },
    showCommand: (line) => relayLines(stdout, true, [`[command]${line}`]),
    // Everything buildx prints goes into one relay block on stdout.
    buildxOutput: () => ({ write: stdout, github: true, relayStdout: true }),
    tempRoot: env.RUNNER_TEMP || tmpdir(),
    remedies: {
      file: "set `file` (or `context`) to the Dockerfile's path",
      noDocker: 'install Docker (GitHub-hosted runners have it), or set build: false to only work out the flags',
      noBuildx: 'add docker/setup-buildx-action before this step, or install the docker-buildx plugin',
    },
    words: ACTION_WORDS,
  };
}
