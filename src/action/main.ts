// Entry point of the bundled action (dist/index.js, CommonJS: no top-level await).
// run() catches every failure itself and reports it through the runner.
import { run } from './run.js';

void run();
