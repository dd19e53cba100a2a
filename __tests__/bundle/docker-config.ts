// Before each bundle test file (jest's setupFilesAfterEnv for the `bundle` project): a
// Docker config of the tests' own, whose extra plugin directory makes the
// bundles ask `docker` (a test's fake) and never run a buildx plugin this
// machine has, nor the test engine's, whose DOCKER_CONFIG the e2e setup may
// have put in the environment (src/shell/proc.ts buildxPlugin). A test that
// needs a config of its own passes DOCKER_CONFIG in the environment it gives.
// Removed after the file's tests.
import { afterAll } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const config = mkdtempSync(join(tmpdir(), 'bbc-bundle-docker-config-'));
writeFileSync(join(config, 'config.json'), JSON.stringify({ cliPluginsExtraDirs: [join(config, 'none')] }));
process.env.DOCKER_CONFIG = config;
afterAll(() => rmSync(config, { recursive: true, force: true }));
