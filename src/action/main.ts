// Entry point of the bundled action (dist/index.js, CommonJS: no top-level await).
// run() catches every failure itself and reports it through the runner. A promise
// that never settled would end the process with exit 0 (a green step that did
// nothing; ESM's top-level await exited 13): that is a failure too.
import * as core from '@actions/core';
import { run } from './run.js';

let settled = false;
process.on('exit', () => {
  if (!settled) core.setFailed('buildx-branch-cache stopped before it finished (a bug: please report it)');
});
void run().finally(() => {
  settled = true;
});
