// Browser tests: Debian's Chromium through playwright-core against the harness pages and the built dist/.
// Node environment (the browser is the DOM); globalSetup bundles the harness with esbuild first.
const base = require('./jest.config');

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  transform: base.transform,
  // pixelmatch is ESM only: compile it like the sources.
  transformIgnorePatterns: ['node_modules/(?!(pixelmatch)/)'],
  globalSetup: '<rootDir>/tests/global-setup.js',
  testTimeout: 150000, // whole click-through tests against the real exporter, on a loaded 2-core machine
};
