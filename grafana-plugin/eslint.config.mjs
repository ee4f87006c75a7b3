import { defineConfig } from 'eslint/config';

// @grafana/eslint-config loads @stylistic/eslint-plugin-ts, which prints a deprecation notice to stdout on every
// lint run; it is Grafana's to migrate, not ours to act on, so that one line is dropped while the config loads.
const log = console.log;
console.log = (...args) => {
  if (!String(args[0]).startsWith('[@stylistic/eslint-plugin-ts] This package is deprecated')) {
    log(...args);
  }
};
const { default: baseConfig } = await import('./.config/eslint.config.mjs');
console.log = log;

export default defineConfig([
  {
    ignores: [
      '**/logs',
      '**/*.log',
      '**/npm-debug.log*',
      '**/yarn-debug.log*',
      '**/yarn-error.log*',
      '**/.pnpm-debug.log*',
      '**/node_modules/',
      '.yarn/cache',
      '.yarn/unplugged',
      '.yarn/build-state.yml',
      '.yarn/install-state.gz',
      '**/.pnp.*',
      '**/pids',
      '**/*.pid',
      '**/*.seed',
      '**/*.pid.lock',
      '**/lib-cov',
      '**/coverage',
      '**/dist/',
      '**/artifacts/',
      '**/work/',
      '**/ci/',
      'test-results/',
      'playwright-report/',
      'blob-report/',
      'playwright/.cache/',
      'playwright/.auth/',
      '**/.idea',
      '**/.eslintcache',
      // The browser harness bundle (megabytes of @grafana/ui) and test output are never linted.
      '.harness/',
      '.test-results/',
    ],
  },
  ...baseConfig,
]);
