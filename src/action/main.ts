// Entry point of the bundled action (dist/index.js). run() catches every failure
// itself and reports it through the runner; one that never ends fails the step.
import * as core from '@actions/core';
import { failIfUnsettled } from '../shell/unsettled.js';
import { run } from './run.js';

failIfUnsettled(run(), () =>
  core.setFailed('buildx-branch-cache stopped before it finished (a bug: please report it)'),
);
