// One jest run over every workspace. @swc/jest strips types only (tsc checks them in `npm run typecheck`),
// and workspace imports resolve to sources so tests never need a build first.
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleNameMapper: {
    '^@ops-cockpit/core$': '<rootDir>/../core/src/index.ts',
    '^@ops-cockpit/core/testing$': '<rootDir>/../core/src/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: ['core', 'exporter', 'worker', 'simulator', 'eslint-rules'].map((name) => ({
    ...shared,
    displayName: name,
    rootDir: `<rootDir>/${name}`,
  })),
  testTimeout: 30000,
};
