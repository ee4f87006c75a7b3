// One jest run over every workspace. @swc/jest strips types only (tsc checks them in `npm run typecheck`),
// and workspace imports resolve to sources so tests never need a build first.
const swc = ['@swc/jest', { jsc: { target: 'es2022' } }];
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@ops-cockpit/core$': '<rootDir>/../core/src/index.ts',
    '^@ops-cockpit/core/testing$': '<rootDir>/../core/src/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    ...['core', 'exporter', 'worker', 'simulator', 'eslint-rules'].map((name) => ({
      ...shared,
      displayName: name,
      rootDir: `<rootDir>/${name}`,
    })),
    {
      // npm start and npm test themselves; their .mjs modules are compiled to CommonJS like the sources.
      ...shared,
      displayName: 'scripts',
      rootDir: '<rootDir>/scripts',
      transform: { '^.+\\.(ts|mjs)$': swc },
      moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
      moduleNameMapper: { ...shared.moduleNameMapper, '^(\\.{1,2}/.*)\\.mjs$': '$1.mjs' },
    },
    {
      // Offline checks of the deployment files (compose, Kubernetes, Prometheus, workflows). The Kubernetes
      // schemas (kubernetes-models) ship as ESM only: resolved with the `import` condition and, with the ESM
      // packages they import (is-cidr, cidr-regex), compiled to CommonJS.
      ...shared,
      displayName: 'deploy',
      rootDir: '<rootDir>/deploy',
      resolver: '<rootDir>/test/kubernetes-models-resolver.cjs',
      transform: { '^.+\\.(ts|js)$': swc },
      transformIgnorePatterns: [
        '/node_modules/(?!(kubernetes-models|@kubernetes-models|is-cidr|cidr-regex)/)',
      ],
    },
  ],
  testTimeout: 30000,
};
