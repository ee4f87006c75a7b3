// @ts-check
// `npm run test:mutation`: Stryker mutates the domain modules whose mistakes show wrong figures or wrong
// decisions and runs their tests (jest.mutation.config.js) against each mutant. Scores: docs/mutation.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { configFile: 'jest.mutation.config.js' },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.tests.json',
  coverageAnalysis: 'perTest',
  // Two cores, shared: one mutant run per core.
  concurrency: 2,
  timeoutMS: 20_000,
  mutate: [
    'exporter/src/read-models/calm-score.ts',
    'exporter/src/read-models/heatmap.ts',
    'exporter/src/read-models/provider-health.ts',
    'exporter/src/read-models/quiet-users.ts',
    'core/src/contracts/chaos.ts',
    // Cooldown rule; nudge job options are BullMQ settings, checked in the worker tests.
    'core/src/contracts/nudges.ts:14-27',
    // Rollup arithmetic: local time parsing, the deltas a batch moves (and writes), the upsert plan.
    'core/src/store/activities.ts:47-53',
    'core/src/store/activities.ts:81-178',
    'core/src/store/activities.ts:184-211',
    // Webhook event ids (the dedup keys).
    'core/src/providers/strava.ts:19-21',
    'core/src/providers/garmin.ts:35-48',
    'core/src/providers/apple-health.ts:22-24',
    'core/src/providers/polar.ts:59-61',
  ],
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
