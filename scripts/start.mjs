// @ts-check
// `npm start`: runs the exporter, the worker (and the simulator once it exists) against the local Postgres
// and Redis, prints their URLs once they answer, and stops them all on Ctrl-C. If one fails, the others are
// stopped and this exits non-zero with that process's own message.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { DEMO_ALERTMANAGER_TOKEN, DEMO_OPERATOR } from '../core/dist/platform/demo.js';
import { serviceNodeArgs } from '../core/dist/platform/node-flags.js';
import { mintAccessToken } from '../simulator/dist/tokens.js';
import { tryThisCommands } from './demo-try-this.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// DEMO (default true) runs the simulator and points every provider at it; DEMO=false runs nothing fake.
const demo = !/^(false|0)$/i.test(process.env.DEMO ?? '');
const simulatorUrl = `http://127.0.0.1:${process.env.SIMULATOR_PORT || 9400}`;
/** Settings demo mode fills in when unset, so the simulator's traffic is accepted and its API is used. */
const demoDefaults = {
  STRAVA_API_URL: simulatorUrl,
  GARMIN_API_HOSTS: simulatorUrl,
  // The simulator posts Garmin and Strava deliveries without the URL token a real registration carries.
  WEBHOOK_TOKENS_REQUIRED: 'false',
  EXPORTER_URL: `http://127.0.0.1:${process.env.PORT || 8080}`,
  // Nudge e-mails go to the simulator's fake SendGrid (its outbox: GET /control/outbox).
  NUDGE_EMAIL_TRANSPORT: 'sendgrid',
  SENDGRID_API_URL: simulatorUrl,
  SENDGRID_API_KEY: 'SG.simulator-key',
  // The "app token" the worker probes Strava's /api/v3/athlete with: one the simulator accepts until 2100.
  STRAVA_PROBE_TOKEN: mintAccessToken({ athleteId: 1001, issuedAtMs: Date.now(), expiresAt: 4_102_444_800 }),
  // A fixed, public demo secret: Apple Health traffic from the simulator is signed with it.
  APPLE_HEALTH_WEBHOOK_SECRET: `whsec_${Buffer.from('ops-cockpit-demo-apple-secret').toString('base64')}`,
  // The fake Strava keeps an application's (raised) limits, sized for the demo's traffic; the worker learns them
  // from the rate-limit headers on its answers.
  SIMULATOR_STRAVA_RATE_LIMITS: '1200,100000',
  SIMULATOR_STRAVA_READ_RATE_LIMITS: '1000,90000',
  // Polar: the worker fetches exercises from the simulator's fake AccessLink; its traffic is signed with this.
  POLAR_API_URL: simulatorUrl,
  POLAR_WEBHOOK_SECRET: 'ops-cockpit-demo-polar-signature-key',
  // Every operator action can be tried: public demo tokens (the exporter refuses them unless DEMO=true) and
  // Spike Lab on; the exporter warns about both at start.
  DEMO: 'true',
  OPS_OPERATOR_TOKENS: `${DEMO_OPERATOR.name}:${DEMO_OPERATOR.token}`,
  ALERTMANAGER_TOKEN: DEMO_ALERTMANAGER_TOKEN,
  CHAOS_ENABLED: 'true',
};
const env = demo ? { ...demoDefaults, ...process.env } : process.env;
const host = (h) => (!h || h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h);

/** @type {{ name: string; script: string; url: string; probe: string; port: [string, string | number]; paths: string }[]} */
const services = [
  {
    name: 'exporter',
    script: 'exporter/dist/main.js',
    url: `http://${host(env.HOST)}:${env.PORT || 8080}`,
    probe: '/readyz',
    port: ['PORT', env.PORT || 8080],
    paths: '/healthz /readyz /metrics /api/openapi.yaml /api/ops/status /api/ops/challenge (docs/api.md)',
  },
  {
    name: 'worker',
    script: 'worker/dist/main.js',
    url: `http://${host(env.WORKER_METRICS_HOST)}:${env.WORKER_METRICS_PORT || 9465}`,
    probe: '/healthz',
    port: ['WORKER_METRICS_PORT', env.WORKER_METRICS_PORT || 9465],
    paths: '/healthz /readyz /metrics',
  },
  {
    name: 'simulator',
    script: 'simulator/dist/main.js',
    url: `http://${host(env.SIMULATOR_HOST)}:${env.SIMULATOR_PORT || 9400}`,
    probe: '/healthz',
    port: ['SIMULATOR_PORT', env.SIMULATOR_PORT || 9400],
    paths: '/healthz /control /control/outbox (docs/demo.md)',
  },
].filter((s) => existsSync(path.join(root, s.script)) && (demo || s.name !== 'simulator'));

/** Resolves with an error message naming the setting to change when `port` is taken on `host`. */
function portTaken(host, port, setting) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (/** @type {NodeJS.ErrnoException} */ err) =>
      resolve(
        err.code === 'EADDRINUSE'
          ? `${host}:${port} is already in use: set ${setting} to a free port, e.g. ${setting}=${Number(port) + 1} npm start`
          : undefined,
      ),
    );
    probe.listen(Number(port), host, () => probe.close(() => resolve(undefined)));
  });
}

const taken = (
  await Promise.all(services.map((s) => portTaken(new URL(s.url).hostname, s.port[1], s.port[0])))
).filter(Boolean);
if (taken.length) {
  process.stderr.write(`${taken.join('\n')}\n`);
  process.exit(1);
}

const width = Math.max(...services.map((s) => s.name.length));
let stopping = false;
/** @type {Map<string, import('node:child_process').ChildProcess>} */
const children = new Map();

function prefixLines(name, stream, target) {
  let partial = '';
  stream.setEncoding('utf8').on('data', (chunk) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) target.write(`${name.padEnd(width)} | ${line}\n`);
  });
}

function stopAll(signal = 'SIGTERM') {
  for (const child of children.values())
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

const exits = services.map(
  (svc) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, serviceNodeArgs(svc.name, path.join(root, svc.script)), {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.set(svc.name, child);
      prefixLines(svc.name, child.stdout, process.stdout);
      // stderr carries a process's own failure message (a bad setting, a failed start): relay it verbatim.
      child.stderr.pipe(process.stderr);
      child.on('exit', (code, signal) => {
        children.delete(svc.name);
        if (!stopping) {
          stopping = true;
          const why = signal ? `signal ${signal}` : `code ${code}`;
          process.stderr.write(`\n${svc.name} exited with ${why}; stopping the others.\n`);
          process.exitCode = code && code !== 0 ? code : 1;
          stopAll();
        }
        resolve(undefined);
      });
    }),
);

async function answers(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

async function announceWhenReady() {
  const deadline = Date.now() + 60_000;
  const pending = new Set(services.map((s) => s.name));
  while (pending.size && !stopping && Date.now() < deadline) {
    for (const svc of services)
      if (pending.has(svc.name) && (await answers(svc.url + svc.probe))) pending.delete(svc.name);
    if (pending.size) await new Promise((r) => setTimeout(r, 200));
  }
  if (stopping) return;
  if (pending.size) {
    process.stderr.write(
      `not ready after 60 s: ${[...pending].join(', ')} (still running; see their logs)\n`,
    );
    return;
  }
  const lines = services.map((s) => `  ${s.name.padEnd(width)}  ${s.url}   ${s.paths}`);
  process.stdout.write(`\nOps Cockpit is running:\n${lines.join('\n')}\n`);
  if (demo) {
    const commands = tryThisCommands({
      exporter: services[0].url,
      simulator: services.find((s) => s.name === 'simulator')?.url ?? simulatorUrl,
      operatorToken: DEMO_OPERATOR.token,
      alertmanagerToken: DEMO_ALERTMANAGER_TOKEN,
      nowIso: new Date().toISOString(),
    });
    process.stdout.write(
      `\nDemo mode: public demo tokens, Spike Lab enabled (never use DEMO=true for real traffic). Try this:\n` +
        `${commands.map((c) => `  ${c}`).join('\n')}\nEnd of try-this.\n`,
    );
  }
  process.stdout.write('Ctrl-C stops everything.\n\n');
}

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    if (stopping) {
      stopAll('SIGKILL');
      return;
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping ${[...children.keys()].join(', ')}\n`);
    stopAll();
  });
}

void announceWhenReady();
await Promise.all(exits);
