// The unit and bundle projects' test environment (jest.config.js): jest's node
// environment, with an empty directory of the test file's own as TMPDIR while
// the file runs, so os.tmpdir() (and every process the file starts, unless it
// is given an environment without TMPDIR) makes its temporary files there.
// After the file, anything left in it fails the file, naming the first 20
// entries: a test removes what it makes (afterEach, finally, a helper's close();
// __tests__/temp-dirs.ts). The directory goes either way, so even a leaking run
// leaves nothing in /tmp (mutation runs run the unit tests thousands of times).
// Per file, not per run (a globalSetup): `npm test` runs the e2e project in the
// same jest process, whose engine must not live in a directory removed after.
// CommonJS: jest and Stryker (stryker.config.mjs) load a test environment with require().
const { mkdtempSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, relative } = require('node:path');
const { TestEnvironment } = require('jest-environment-node'); // jest's own `node` environment

module.exports = class TmpdirEnvironment extends TestEnvironment {
  constructor(config, context) {
    const outer = process.env.TMPDIR;
    const dir = mkdtempSync(join(tmpdir(), 'bbc-test-'));
    // Before super(), which copies process.env for the test file.
    process.env.TMPDIR = dir;
    super(config, context);
    this.tmp = { dir, outer, file: relative(config.projectConfig.rootDir, context.testPath) };
    this.failed = false;
  }

  // A failing test usually skips its own clean-up: its failure is what to see, not the leftovers
  // (an error thrown from teardown would replace the file's results).
  async handleTestEvent(event) {
    if ((event.name === 'test_done' && event.test.errors.length > 0) || event.name === 'hook_failure')
      this.failed = true;
  }

  async teardown() {
    try {
      await super.teardown();
    } finally {
      const { dir, outer, file } = this.tmp;
      if (outer === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = outer;
      const left = readdirSync(dir).sort();
      let removal;
      try {
        // A process the file started may still be writing: a few tries before giving up.
        rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      } catch (e) {
        removal = e;
      }
      if (this.failed) return;
      if (removal !== undefined) throw new Error(`${file}: could not remove its temporary directory ${dir}: ${removal}`);
      if (left.length > 0) {
        const names = left.slice(0, 20).join(' ') + (left.length > 20 ? ' ...' : '');
        const error = new Error(
          `${file} left ${left.length} in its temporary directory (os.tmpdir()): ${names}\n` +
            "Remove what each test makes (afterEach, finally, a helper's close(); __tests__/temp-dirs.ts).",
        );
        error.stack = ''; // the message says it all: no trace into this file
        throw error;
      }
    }
  }
};
