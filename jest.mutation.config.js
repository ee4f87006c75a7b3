// The tests `npm run test:mutation` (Stryker, stryker.config.mjs) runs against each mutant: those that check the
// domain modules it mutates, nothing that spawns the built services (those run dist/, not the mutants). One
// flat project (Stryker's jest runner does not follow `projects`), resolved as jest.config.js resolves.
const TESTS = [
  'core/src/contracts/chaos.test.ts',
  'core/src/contracts/nudges.test.ts',
  'core/src/providers/event-ids.test.ts',
  'core/src/store/activities.test.ts',
  'core/src/store/activity-batch.test.ts',
  'exporter/src/read-models/calm-score.test.ts',
  'exporter/src/read-models/heatmap.test.ts',
  'exporter/src/read-models/provider-health.test.ts',
  'exporter/test/nudges.test.ts',
];

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleNameMapper: {
    '^@ops-cockpit/core$': '<rootDir>/core/src/index.ts',
    '^@ops-cockpit/core/testing$': '<rootDir>/core/src/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: TESTS.map((t) => `<rootDir>/${t}`),
  testTimeout: 30000,
};
