// Mutation testing of the pure core (src/core) with Stryker: `npm run mutate`,
// or one file at a time: `npm run mutate -- --mutate src/core/redact.ts`.
// Runs only jest.config.js's unit project (the e2e project needs a Docker
// engine), flattened into one config, since Stryker's per-test coverage hooks
// a top-level test environment and not the ones inside `projects`.
import jestConfig from './jest.config.js';

const unit = jestConfig.projects.find((project) => project.displayName === 'unit');
if (!unit) throw new Error('stryker.config.mjs: jest.config.js has no project named "unit"');
const { displayName: _name, ...unitConfig } = unit;
// Stryker loads the test environment itself, with require(), which knows no <rootDir>.
unitConfig.testEnvironment = unitConfig.testEnvironment.replace('<rootDir>', import.meta.dirname);

// BBC_MUTATE_TESTS (optional): a comma list of test files (`__tests__/tag.test.ts` or `tag.test.ts`)
// to run instead of the whole unit tier, to measure a module with its own unit tests only. Much
// faster for a module that most of the tier reaches, but a lower bound: tests in other files
// might kill more of its mutants. Unset, every unit test runs.
const only = (process.env.BBC_MUTATE_TESTS ?? '')
  .split(',')
  .map((file) => file.trim())
  .filter((file) => file !== '')
  .map((file) => `<rootDir>/__tests__/${file.replace(/^(\.\/)?__tests__\//, '')}`);
const testMatch = only.length > 0 ? { testMatch: only } : {};

// BBC_MUTATE_NAME (optional): a name for this run's sandbox and reports, so that two runs can go
// side by side (`.cache/stryker-tmp-<name>`, `.cache/mutation/<name>.json`).
const name = (process.env.BBC_MUTATE_NAME ?? '').replace(/[^A-Za-z0-9_-]/g, '');
const suffix = name === '' ? '' : `-${name}`;
const reportName = name === '' ? 'mutation' : name;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: ['src/core/**/*.ts'],
  testRunner: 'jest',
  // ts-jest runs in ESM mode (the @actions/* packages are ESM-only).
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    projectType: 'custom',
    // Not jest.config.js: Stryker's jest runner merges the config below over the file it reads, and
    // `projects: undefined` does not drop the file's projects, so every mutant's run also started
    // the e2e project's engine (about 5 s each, and more tests). package.json has no jest key.
    configFile: 'package.json',
    // roots: Jest's file crawl, on every mutant's run, reads only the tests and the sources.
    config: { ...unitConfig, ...testMatch, projects: undefined, roots: ['<rootDir>/__tests__', '<rootDir>/src'] },
  },
  coverageAnalysis: 'perTest',
  // A static mutant (in code that runs when a module is loaded: tables, regexes,
  // constants) is covered by no single test, so Stryker would run every related
  // test file for it (Jest cannot bail programmatically): ~900 of them, ~96% of
  // the run time, hours on 2 cores. They are reported as Ignored, and not scored.
  ignoreStatic: true,
  concurrency: 2,
  // Stryker's default: a mutant is a timeout after 1.5 x its tests' time + 5 s (an endless loop
  // restarts the test runner; a longer bound only slows the run down).
  timeoutMS: 5000,
  tempDirName: `.cache/stryker-tmp${suffix}`,
  // Not copied into the sandbox: nothing the unit tests read (the bundle tier's Node 24 is in .cache).
  ignorePatterns: ['/bench', '/coverage', '/.cache', '/reports'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `.cache/mutation/${reportName}.html` },
  jsonReporter: { fileName: `.cache/mutation/${reportName}.json` },
  incremental: false,
  cleanTempDir: true,
};
