// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';
// i18next (through @grafana/ui) prints an advertisement on init unless told not to; test output is for the project.
process.env.I18NEXT_NO_SUPPORT_NOTICE = '1';

const base = require('./.config/jest.config');
const [, swcJest] = Object.entries(base.transform)[0];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  // d3-color (pulled in by @grafana/data) ships `.mjs`: compile it with the same @swc/jest entry.
  transform: { ...base.transform, '^.+\\.mjs$': swcJest },
  // Rendering @grafana/ui pages in jsdom takes seconds on a loaded 2-core machine; 5 s is too tight.
  testTimeout: 30000,
};
