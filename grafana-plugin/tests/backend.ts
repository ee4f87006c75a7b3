import { existsSync } from 'node:fs';
import path from 'node:path';

// The repository's own test support, built by the root `tsc -b` that `npm test` runs first: real Postgres and
// Redis per test file, the built exporter and worker as processes, a real SMTP server on loopback.
const CORE_TESTING = path.resolve(__dirname, '..', '..', 'core', 'dist', 'testing', 'index.js');
if (!existsSync(CORE_TESTING)) {
  throw new Error(`${CORE_TESTING} is missing: run "npx tsc -b" at the repository root first`);
}
/** What these tests use of core/src/testing, typed here: the plugin's type check does not compile the repository. */
interface Secret {
  reveal(): string;
}
export interface TestDatabase {
  url: Secret;
  pool: { query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> };
  drop(): Promise<void>;
}
export interface SmtpSink {
  url: Secret;
  received: Array<{ from: string; to: string[]; data: string }>;
  close(): Promise<void>;
}
interface ServiceProcess {
  stdout(): string;
  stderr(): string;
  waitForLog(msg: string, timeoutMs?: number): Promise<unknown>;
  stop(): Promise<unknown>;
}
interface CoreTesting {
  createTestDatabase(label: string): Promise<TestDatabase>;
  createTestRedis(label: string): Promise<{ prefix: string; url: Secret; close(): Promise<void> }>;
  startSmtpSink(): Promise<SmtpSink>;
  spawnService(service: string, env: Record<string, string>): ServiceProcess;
  freePort(): Promise<number>;
  waitFor<T>(
    predicate: () => Promise<T> | T,
    what: string,
    opts?: { timeoutMs?: number; intervalMs?: number },
  ): Promise<NonNullable<T>>;
  mailBody(data: string): string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const testing: CoreTesting = require(CORE_TESTING);
export const { waitFor, mailBody } = testing;

/** The operator token Grafana holds in secureJsonData; the exporter knows it as operator `grafana`. */
export const OPERATOR_TOKEN = 'grafana-operator-token-0123456789';

export interface OpsBackend {
  exporterUrl: string;
  db: TestDatabase;
  smtp: SmtpSink;
  /** Both processes' output, for a failing test's message. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * The real exporter (chaos on, one operator token) and worker (nudge e-mail through SMTP to the sink) on a fresh
 * database and Redis prefix. Strava is pointed at a closed loopback port: nothing leaves the machine.
 */
export async function startOpsBackend(
  label: string,
  exporterEnv: Record<string, string> = {},
): Promise<OpsBackend> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
  };
  try {
    const db = await testing.createTestDatabase(label);
    cleanups.push(() => db.drop());
    const redis = await testing.createTestRedis(label);
    cleanups.push(() => redis.close());
    const smtp = await testing.startSmtpSink();
    cleanups.push(() => smtp.close());
    const shared = {
      DATABASE_URL: db.url.reveal(),
      REDIS_URL: redis.url.reveal(),
      REDIS_PREFIX: redis.prefix,
      CHAOS_ENABLED: 'true',
      CHAOS_REFRESH_MS: '500',
    };
    const port = await testing.freePort();
    const exporter = testing.spawnService('exporter', {
      ...shared,
      HOST: '127.0.0.1',
      PORT: String(port),
      OPS_OPERATOR_TOKENS: `grafana:${OPERATOR_TOKEN}`,
      ...exporterEnv,
    });
    cleanups.push(() => exporter.stop());
    const worker = testing.spawnService('worker', {
      ...shared,
      WORKER_METRICS_PORT: String(await testing.freePort()),
      NUDGE_EMAIL_TRANSPORT: 'smtp',
      SMTP_URL: smtp.url.reveal(),
      STRAVA_API_URL: 'http://127.0.0.1:1',
      PROBE_INTERVAL_SECONDS: '3600',
    });
    cleanups.push(() => worker.stop());
    await exporter.waitForLog('exporter listening');
    await worker.waitForLog('worker running');
    return {
      exporterUrl: `http://127.0.0.1:${port}`,
      db,
      smtp,
      logs: () =>
        [exporter.stdout(), exporter.stderr(), worker.stdout(), worker.stderr()].join('\n').slice(-6000),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
