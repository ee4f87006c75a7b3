// Bundles the harness once per run: jest runs globalSetup before any browser test file.
const { buildHarness } = require('./build-harness');

module.exports = () => buildHarness();
