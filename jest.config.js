// ts-jest in ESM mode: the @actions/* packages are ESM-only. ts-jest does not
// type-check here (isolatedModules); `npm run typecheck` does that.
const esm = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};

// Three tiers (npm test runs all three; __tests__/tiers.test.ts keeps them apart):
//   unit    in this process only: no dist/, no Docker.
//   bundle  the bundled dist/index.js and dist/cli.js as processes, as the runner and a CI run them;
//           its setup bundles src/ first and installs Node 24.
//   e2e     a real engine and registries (scripts/test-engine.sh).
const BUNDLE = '<rootDir>/__tests__/bundle/';
// unit and bundle: each test file gets an empty TMPDIR of its own, and fails if
// it leaves anything there (__tests__/tmpdir-environment.cjs says why and how).
const TMPDIR_GUARD = '<rootDir>/__tests__/tmpdir-environment.cjs';

export default {
  projects: [
    {
      ...esm,
      displayName: 'unit',
      testEnvironment: TMPDIR_GUARD,
      testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', BUNDLE],
    },
    {
      ...esm,
      displayName: 'bundle',
      testEnvironment: TMPDIR_GUARD,
      testMatch: [`${BUNDLE}**/*.test.ts`],
      globalSetup: `${BUNDLE}setup.ts`,
      setupFilesAfterEnv: [`${BUNDLE}docker-config.ts`],
    },
    {
      ...esm,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/e2e/setup.ts',
      globalTeardown: '<rootDir>/e2e/teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/e2e/timeout.ts'],
    },
  ],
};
