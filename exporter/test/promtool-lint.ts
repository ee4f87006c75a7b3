import { spawnSync } from 'node:child_process';

/**
 * `promtool check metrics` (Prometheus's own linter for names, units and help) on an exposition: the problems
 * it reports, one `<metric> <problem>` line each. A missing promtool fails with how to install it.
 */
export function promtoolLint(exposition: string): string[] {
  const result = spawnSync('promtool', ['check', 'metrics'], {
    input: exposition,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error) {
    throw new Error(
      `promtool: ${result.error.message} (apt-get install -y --no-install-recommends prometheus)`,
    );
  }
  // Exit 0 is clean, 3 means lint problems (printed); anything else is a failure of promtool itself.
  if (result.status !== 0 && result.status !== 3) {
    throw new Error(`promtool check metrics exited ${result.status}: ${result.stdout}${result.stderr}`);
  }
  return `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
}
