// @ts-check
// What `npm test` needs from the machine besides npm packages, checked before any test runs. As root on Debian
// (as `.ci/run` runs) the missing Debian packages are installed with apt-get; anywhere else, or when that fails,
// it stops with one message saying exactly what to run. Never a browser download: Debian's Chromium only.
//
//   node scripts/preflight.mjs               check, install as root on Debian, exit 1 with the message if not met
//   node scripts/preflight.mjs --no-install  check only
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {{ what: string; present: () => boolean; apt?: string; otherwise?: string }} Requirement
 * `apt` is the Debian package that provides it; `otherwise` says how to get what Debian does not package.
 */

/** An executable named `name` on PATH (or the absolute path itself). */
export function onPath(name, env = process.env) {
  const candidates = path.isAbsolute(name)
    ? [name]
    : (env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, name));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** @returns {Requirement[]} */
export function requirements(env = process.env) {
  const chromium = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const fonts = env.INTER_FONT_DIR ?? '/usr/share/fonts/opentype/inter';
  return [
    // The plugin's browser tests (grafana-plugin/tests/chromium.ts) and the Inter font of the screenshot baselines.
    { what: `Chromium (${chromium})`, present: () => onPath(chromium, env), apt: 'chromium' },
    { what: `the Inter font (${fonts})`, present: () => existsSync(fonts), apt: 'fonts-inter' },
    // Dashboard queries and rule tests run real Prometheus; deploy checks run promtool and amtool.
    { what: 'prometheus', present: () => onPath('prometheus', env), apt: 'prometheus' },
    { what: 'promtool', present: () => onPath('promtool', env), apt: 'prometheus' },
    {
      what: 'prometheus-alertmanager',
      present: () => onPath('prometheus-alertmanager', env),
      apt: 'prometheus-alertmanager',
    },
    { what: 'amtool', present: () => onPath('amtool', env), apt: 'prometheus-alertmanager' },
    // `docker-compose config` validates docker-compose.yml offline; no Docker engine is needed.
    { what: 'docker-compose', present: () => onPath('docker-compose', env), apt: 'docker-compose' },
    // `kubectl kustomize` renders deploy/kubernetes; Debian's kubernetes-client is too old (kustomize v2).
    {
      what: 'kubectl (1.27 or later, for kustomize v5)',
      present: () => onPath('kubectl', env),
      otherwise:
        'install kubectl 1.27 or later (https://kubernetes.io/docs/tasks/tools/) so that `kubectl kustomize` works',
    },
  ];
}

/**
 * The one message for what is missing, or undefined when nothing is. Pure, so a test can give it any list.
 * @param {Requirement[]} missing
 */
export function missingMessage(missing) {
  if (missing.length === 0) return undefined;
  const apt = [...new Set(missing.flatMap((r) => (r.apt ? [r.apt] : [])))];
  const steps = [
    ...(apt.length
      ? [`apt-get install -y --no-install-recommends ${apt.join(' ')}   (as root; Debian or Ubuntu)`]
      : []),
    ...missing.flatMap((r) => (r.otherwise ? [r.otherwise] : [])),
  ];
  return (
    `npm test needs ${missing.map((r) => r.what).join(', ')}, which this machine lacks. No test was run. ` +
    `Run:\n${steps.map((s) => `  ${s}`).join('\n')}\nthen npm test again.`
  );
}

/** Installs the missing Debian packages when that can work here: as root, on Debian. Returns whether it ran. */
function aptInstall(packages) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/etc/debian_version') || !onPath('apt-get')) return false;
  process.stdout.write(`preflight: installing ${packages.join(' ')} with apt-get\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status !== 0) return false;
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
  return install.status === 0;
}

/**
 * Checks, installs what apt can as root on Debian (unless `install` is false), checks again. Returns the
 * message for what is still missing, or undefined.
 */
export function preflight({ install = true, env = process.env } = {}) {
  let missing = requirements(env).filter((r) => !r.present());
  const apt = [...new Set(missing.flatMap((r) => (r.apt ? [r.apt] : [])))];
  if (install && apt.length > 0 && aptInstall(apt)) {
    missing = requirements(env).filter((r) => !r.present());
  }
  return missingMessage(missing);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const message = preflight({ install: !process.argv.includes('--no-install') });
  if (message) {
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  }
}
