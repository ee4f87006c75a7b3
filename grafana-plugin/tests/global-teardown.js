// Removes the run's temporary folder (jest.browser.config.js): browser profiles and package test folders.
const { rmSync } = require('node:fs');

module.exports = () => {
  const dir = process.env.OPS_COCKPIT_BROWSER_TMP;
  if (dir) {
    rmSync(dir, { recursive: true, force: true });
  }
};
