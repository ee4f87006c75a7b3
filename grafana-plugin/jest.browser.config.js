// Browser tests: Debian's Chromium through playwright-core against the harness pages and the built dist/.
// Node environment (the browser is the DOM); globalSetup bundles the harness with esbuild first.
const { mkdtempSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const base = require('./jest.config');

// Chromium's profiles (a launch that fails leaves its folder behind) and the package tests' folders go to one
// temporary folder of this run, which globalTeardown removes: a run leaves nothing in the system's temp folder.
if (!process.env.OPS_COCKPIT_BROWSER_TMP) {
  process.env.OPS_COCKPIT_BROWSER_TMP = mkdtempSync(path.join(os.tmpdir(), 'ops-cockpit-browser-'));
  process.env.TMPDIR = process.env.OPS_COCKPIT_BROWSER_TMP;
}

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  transform: base.transform,
  // pixelmatch is ESM only: compile it like the sources.
  transformIgnorePatterns: ['node_modules/(?!(pixelmatch)/)'],
  globalSetup: '<rootDir>/tests/global-setup.js',
  globalTeardown: '<rootDir>/tests/global-teardown.js',
  testTimeout: 150000, // whole click-through tests against the real exporter, on a loaded 2-core machine
};
