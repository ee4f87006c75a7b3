// @ts-check
// The steps of `npm test` (scripts/test.mjs): each runs as a process group of its own under a time limit and
// adds to one count of passed and failed tests. Node builtins only.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * @param {{
 *   timeoutMs: number;
 *   summaryFile: string;
 *   out?: NodeJS.WritableStream;
 *   stdio?: 'inherit' | 'ignore';
 *   forwardSignals?: boolean;
 * }} opts
 */
export function createSteps(opts) {
  const out = opts.out ?? process.stdout;
  let passed = 0;
  let failed = 0;
  /** @type {string[]} */
  const failures = [];
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let current;

  const summary = () => `${passed} passed, ${failed} failed`;
  const record = () => writeFileSync(opts.summaryFile, `${summary()}\n`);
  /** @param {string} label */
  const fail = (label) => {
    failed += 1;
    failures.push(label);
  };
  /** @param {number} pid @param {NodeJS.Signals} signal */
  const killGroup = (pid, signal) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };

  // A step is its own process group, which Ctrl-C in a terminal would not reach: pass the signal on.
  if (opts.forwardSignals) {
    for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
      process.once(signal, () => {
        if (current?.pid) killGroup(current.pid, signal);
        process.exit(130);
      });
    }
  }

  /**
   * Runs one step; resolves with whether it exited 0 within the limit. At the limit the whole group (jest's
   * workers, browsers, servers the tests started) is killed.
   * @param {string} label @param {string} cmd @param {string[]} args @param {string} cwd
   * @returns {Promise<boolean>}
   */
  function run(label, cmd, args, cwd) {
    out.write(`\n=== ${label}: ${[path.basename(cmd), ...args].join(' ')}\n`);
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn(cmd, args, {
        cwd,
        stdio: opts.stdio ?? 'inherit',
        env: process.env,
        detached: true,
      });
      current = child;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        out.write(`=== ${label}: still running after ${opts.timeoutMs / 1000} s: killed\n`);
        if (child.pid) killGroup(child.pid, 'SIGKILL');
      }, opts.timeoutMs);
      /** @param {number | null} status */
      const done = (status) => {
        clearTimeout(timer);
        current = undefined;
        const ok = status === 0 && !timedOut;
        const how = ok ? 'ok' : timedOut ? 'FAILED (timed out)' : `FAILED (exit ${status})`;
        out.write(`=== ${label}: ${how} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        resolve(ok);
      };
      child.on('error', () => done(-1));
      child.on('exit', (code, signal) => done(signal ? 128 : code));
    });
  }

  return {
    /** A step that counts as one test. */
    async check(
      /** @type {string} */ label,
      /** @type {string} */ cmd,
      /** @type {string[]} */ args,
      cwd = process.cwd(),
    ) {
      if (await run(label, cmd, args, cwd)) passed += 1;
      else fail(label);
      record();
    },

    /**
     * Runs jest writing its JSON report, then adds its test counts: a suite that failed to load counts as one
     * failure, a run that wrote no report or ran nothing as one, and a run that passed every test but did not
     * exit cleanly (killed at the limit, crashed after its report) as one.
     */
    async jest(
      /** @type {string} */ label,
      /** @type {string} */ jestBin,
      /** @type {string[]} */ args,
      /** @type {string} */ reportFile,
      cwd = process.cwd(),
    ) {
      const ok = await run(label, jestBin, [...args, '--json', `--outputFile=${reportFile}`], cwd);
      try {
        const report = JSON.parse(readFileSync(reportFile, 'utf8'));
        const bad = report.numFailedTests + report.numRuntimeErrorTestSuites;
        passed += report.numPassedTests;
        failed += bad;
        if (bad > 0) failures.push(label);
        if (report.numTotalTests === 0) fail(`${label} (ran no test)`);
        else if (!ok && bad === 0) fail(`${label} (did not exit cleanly)`);
      } catch {
        fail(`${label} (no report)`);
      }
      record();
    },

    result: () => ({ passed, failed, failures: [...failures], summary: summary() }),
  };
}
