// @ts-check
// `npm test`: every check the project has, in one run, ending with one line `N passed, N failed`.
// Static checks (build and type check, lint, format) count as one test each; jest contributes its own counts.
// The Grafana plugin (grafana-plugin/, its own npm project) runs its own type check, lint, format check, build,
// jest (jsdom) and browser tests (Chromium); each feeds the same summary.
// The summary is also written to .test-results/summary.txt for .ci/run.
// First, scripts/preflight.mjs: what the machine lacks (Chromium, fonts-inter, Prometheus, Alertmanager,
// docker-compose, kubectl) is installed with apt-get as root on Debian, or the run stops before any test with
// one message saying what to run.
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { preflight } from './preflight.mjs';
import { createSteps } from './test-steps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = path.join(root, '.test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });
const plugin = path.join(root, 'grafana-plugin');
const bin = (name, dir = root) => path.join(dir, 'node_modules', '.bin', name);

const unmet = preflight();
if (unmet) {
  process.stderr.write(`\n${unmet}\n`);
  writeFileSync(path.join(results, 'summary.txt'), '0 passed, 1 failed\n');
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(1);
}

const steps = createSteps({
  // A run that hangs (a test leaking a handle, a browser that never answers) is killed with everything it
  // started and counted as failed, so `npm test` ends within minutes, never at CI's limit.
  timeoutMs: Number(process.env.TEST_STEP_TIMEOUT_MINUTES || 15) * 60_000,
  // Written after every step: if this process dies, .ci/run still has the counts so far.
  summaryFile: path.join(results, 'summary.txt'),
  forwardSignals: true,
});
const { check, jest } = steps;

await check('build', bin('tsc'), ['-b'], root);
await check('typecheck tests', bin('tsc'), ['-p', 'tsconfig.tests.json'], root);
await check('typecheck k6 scripts', bin('tsc'), ['-p', 'k6/tsconfig.json'], root);
await check('lint', bin('eslint'), ['.'], root);
await check('format', bin('prettier'), ['--check', '.'], root);
await jest('jest', bin('jest'), ['--maxWorkers=2'], path.join(results, 'jest.json'), root);

// The plugin is its own npm project: install it from its lockfile when its node_modules is missing or older.
// So is the Grafana 13 / React 19 set the browser harness also loads the built plugin against (tests/grafana13).
const grafana13 = path.join(plugin, 'tests', 'grafana13');
for (const [label, dir] of [
  ['plugin npm ci', plugin],
  ['plugin Grafana 13 set npm ci', grafana13],
]) {
  const installed = path.join(dir, 'node_modules', '.package-lock.json');
  if (
    !existsSync(installed) ||
    statSync(installed).mtimeMs < statSync(path.join(dir, 'package-lock.json')).mtimeMs
  ) {
    await check(label, 'npm', ['ci', '--no-audit', '--no-fund'], dir);
  }
}
await check('plugin typecheck', bin('tsc', plugin), ['--noEmit'], plugin);
await check('plugin lint', bin('eslint', plugin), ['.'], plugin);
await check('plugin format', bin('prettier', plugin), ['--check', '.'], plugin);
await check('plugin build', 'npm', ['run', 'build'], plugin);
await jest(
  'plugin jest',
  bin('jest', plugin),
  ['--maxWorkers=2'],
  path.join(results, 'plugin-jest.json'),
  plugin,
);
// Chromium: the harness views and screenshots, the built dist/module.js through AMD, the built package check.
await jest(
  'plugin browser',
  bin('jest', plugin),
  ['-c', 'jest.browser.config.js', '--maxWorkers=2'],
  path.join(results, 'plugin-browser.json'),
  plugin,
);

const { failures, summary } = steps.result();
if (failures.length) process.stdout.write(`\nfailed: ${failures.join(', ')}\n`);
process.stdout.write(`${summary}\n`);
process.exitCode = failures.length === 0 ? 0 : 1;
