import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { serviceNodeArgs } from '../platform/node-flags.js';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout JSON log line whose `msg` equals `msg`. */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a built service (`exporter`, `worker`, `simulator`) as its own process, as `npm start` does. The test
 * command builds first; running jest alone needs `npm run build`.
 */
export function spawnService(service: string, env: Record<string, string>): ServiceProcess {
  const script = path.join(REPO_ROOT, service, 'dist', 'main.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run "npm run build" first`);
  // Test processes run as the local demo does: Garmin and Strava deliveries need no URL token unless a test sets
  // one (or WEBHOOK_TOKENS_REQUIRED) itself; and the simulator a test starts is an unlimited Strava application,
  // so the worker keeps no Strava budget unless a test sets its limits (strava-budget-e2e does).
  const defaults: Record<string, string> =
    service === 'exporter'
      ? { WEBHOOK_TOKENS_REQUIRED: 'false' }
      : service === 'worker'
        ? { STRAVA_RATE_LIMITS: 'off', STRAVA_READ_RATE_LIMITS: 'off' }
        : {};
  const child = spawn(process.execPath, serviceNodeArgs(service, script), {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...defaults, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<{ msg: string; resolve: (v: Record<string, unknown>) => void }> = [];
  const seen: Record<string, unknown>[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        seen.push(entry);
        for (const w of waiters.filter((x) => x.msg === entry.msg)) w.resolve(entry);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLog(msg, timeoutMs = 15_000) {
      const found = seen.find((e) => e.msg === msg);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no "${msg}" log within ${timeoutMs} ms; stderr: ${err}; stdout: ${out.slice(-2000)}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          msg,
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
        });
        void exited.then(({ code }) => {
          clearTimeout(timer);
          reject(new Error(`${service} exited with ${code} before "${msg}"; stderr: ${err}`));
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A port that was free a moment ago (bind to 0, read it, release it). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The built exporter and worker as processes on free ports, both with `env` (database, prefix…) and each with its
 * own extras; resolves once both say they are ready. The caller stops `services` when done.
 */
export async function spawnExporterAndWorker(
  env: Record<string, string>,
  extra: { exporter?: Record<string, string>; worker?: Record<string, string> } = {},
): Promise<{ exporterUrl: string; services: ServiceProcess[] }> {
  const services: ServiceProcess[] = [];
  try {
    const exporter = spawnService('exporter', { ...env, PORT: String(await freePort()), ...extra.exporter });
    services.push(exporter);
    const exporterUrl = String((await exporter.waitForLog('exporter listening', 30_000)).url);
    const worker = spawnService('worker', {
      ...env,
      WORKER_METRICS_PORT: String(await freePort()),
      ...extra.worker,
    });
    services.push(worker);
    await worker.waitForLog('worker running', 30_000);
    return { exporterUrl, services };
  } catch (err) {
    for (const s of services) await s.stop('SIGKILL');
    throw err;
  }
}
