import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { REPO_ROOT } from '@ops-cockpit/core/testing';
// @ts-expect-error: a checked JavaScript module of the scripts, without declarations
import { createSteps } from '../test-steps.mjs';

// npm test's step runner: a hanging or crashing step must end the run within its limit, counted as failed,
// with the summary file always holding the counts so far.
const JEST = path.join(REPO_ROOT, 'node_modules', '.bin', 'jest');
const FIXTURES = path.join(REPO_ROOT, 'scripts', 'test', 'fixtures');

let dir: string;
let log: string;
const out = new Writable({
  write(chunk, _enc, cb) {
    log += String(chunk);
    cb();
  },
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'steps-'));
  log = '';
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const steps = (timeoutMs: number) =>
  createSteps({ timeoutMs, summaryFile: path.join(dir, 'summary.txt'), out, stdio: 'ignore' });

/** Running, not a zombie waiting for a reaper (an orphan killed here may wait for one a moment). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const fixtureJest = (file: string) => [
  `--config=${JSON.stringify({ rootDir: FIXTURES, testMatch: [`**/${file}`], transform: {} })}`,
  '--runInBand',
];

it('kills a step that outlives its limit, with what it started, and counts it failed', async () => {
  const s = steps(1_500);
  const pidFile = path.join(dir, 'grandchild.pid');
  const hang = `const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setInterval(() => {}, 1000);`;
  const started = Date.now();
  await s.check('hangs', process.execPath, ['-e', hang]);
  expect(Date.now() - started).toBeLessThan(10_000);
  await s.check('passes', process.execPath, ['-e', '0']);
  expect(s.result()).toEqual({ passed: 1, failed: 1, failures: ['hangs'], summary: '1 passed, 1 failed' });
  expect(log).toContain('=== hangs: FAILED (timed out)');
  expect(readFileSync(path.join(dir, 'summary.txt'), 'utf8')).toBe('1 passed, 1 failed\n');
  const grandchild = Number(readFileSync(pidFile, 'utf8'));
  await new Promise((r) => setTimeout(r, 200));
  expect(alive(grandchild)).toBe(false);
});

it('counts the tests of a jest run kept alive by a leaked handle, and the hang as one failure', async () => {
  const s = steps(8_000);
  await s.jest(
    'leaky',
    JEST,
    fixtureJest('leaks-a-handle.fixture.js'),
    path.join(dir, 'leaky.json'),
    REPO_ROOT,
  );
  expect(s.result()).toMatchObject({
    passed: 1,
    failed: 1,
    failures: ['leaky (did not exit cleanly)'],
  });
}, 30_000);

it('counts a jest run that died without a report as a failure', async () => {
  const s = steps(30_000);
  const report = path.join(dir, 'exits.json');
  await s.jest('exits', JEST, fixtureJest('exits.fixture.js'), report, REPO_ROOT);
  expect(existsSync(report)).toBe(false);
  expect(s.result()).toMatchObject({ passed: 0, failed: 1, failures: ['exits (no report)'] });
  expect(readFileSync(path.join(dir, 'summary.txt'), 'utf8')).toBe('0 passed, 1 failed\n');
}, 40_000);
