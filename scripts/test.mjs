// @ts-check
// `npm test`: every check the project has, in one run, ending with one line `N passed, N failed`.
// Static checks (build and type check, lint, format) count as one test each; jest contributes its own counts.
// The Grafana plugin (grafana-plugin/, its own npm project) runs its own type check, lint, format check, build,
// jest (jsdom) and browser tests (Chromium); each feeds the same summary.
// The summary is also written to .test-results/summary.txt for .ci/run.
// First, scripts/preflight.mjs: what the machine lacks (Chromium, fonts-inter, Prometheus, Alertmanager,
// docker-compose, kubectl) is installed with apt-get as root on Debian, or the run stops before any test with
// one message saying what to run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { preflight } from './preflight.mjs';

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

let passed = 0;
let failed = 0;
const failures = [];

function run(label, cmd, args, cwd = root) {
  process.stdout.write(`\n=== ${label}: ${[path.basename(cmd), ...args].join(' ')}\n`);
  const started = Date.now();
  const { status } = spawnSync(cmd, args, { cwd, stdio: 'inherit', env: process.env });
  process.stdout.write(
    `=== ${label}: ${status === 0 ? 'ok' : `FAILED (exit ${status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return status === 0;
}

function check(label, cmd, args, cwd = root) {
  if (run(label, cmd, args, cwd)) passed += 1;
  else {
    failed += 1;
    failures.push(label);
  }
}

/** Runs jest writing its JSON report, then adds its test counts (a suite that failed to load counts as one). */
function jest(label, args, reportFile, cwd = root) {
  run(label, bin('jest', cwd), [...args, '--json', `--outputFile=${reportFile}`], cwd);
  try {
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
    if (report.numFailedTests + report.numRuntimeErrorTestSuites > 0) failures.push(label);
    if (report.numTotalTests === 0) {
      failed += 1;
      failures.push(`${label} (ran no test)`);
    }
  } catch {
    failed += 1;
    failures.push(`${label} (no report)`);
  }
}

check('build', bin('tsc'), ['-b']);
check('typecheck tests', bin('tsc'), ['-p', 'tsconfig.tests.json']);
check('typecheck k6 scripts', bin('tsc'), ['-p', 'k6/tsconfig.json']);
check('lint', bin('eslint'), ['.']);
check('format', bin('prettier'), ['--check', '.']);
jest('jest', ['--maxWorkers=2'], path.join(results, 'jest.json'));

// The plugin is its own npm project: install it from its lockfile when its node_modules is missing or older.
const pluginInstalled = path.join(plugin, 'node_modules', '.package-lock.json');
if (
  !existsSync(pluginInstalled) ||
  statSync(pluginInstalled).mtimeMs < statSync(path.join(plugin, 'package-lock.json')).mtimeMs
) {
  check('plugin npm ci', 'npm', ['ci', '--no-audit', '--no-fund'], plugin);
}
check('plugin typecheck', bin('tsc', plugin), ['--noEmit'], plugin);
check('plugin lint', bin('eslint', plugin), ['.'], plugin);
check('plugin format', bin('prettier', plugin), ['--check', '.'], plugin);
check('plugin build', 'npm', ['run', 'build'], plugin);
jest('plugin jest', ['--maxWorkers=2'], path.join(results, 'plugin-jest.json'), plugin);
// Chromium: the harness views and screenshots, the built dist/module.js through AMD, the built package check.
jest(
  'plugin browser',
  ['-c', 'jest.browser.config.js', '--maxWorkers=2'],
  path.join(results, 'plugin-browser.json'),
  plugin,
);

const summary = `${passed} passed, ${failed} failed`;
writeFileSync(path.join(results, 'summary.txt'), `${summary}\n`);
if (failures.length) process.stdout.write(`\nfailed: ${failures.join(', ')}\n`);
process.stdout.write(`${summary}\n`);
process.exitCode = failed === 0 ? 0 : 1;
