import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createTestDatabase,
  createTestRedis,
  freePort,
  spawnService,
  waitFor,
  type ServiceProcess,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { generateDeliveries, idBaseFor, seedDemo } from '../../simulator/src/index.js';
import { startSimulator, type RunningSimulator } from '../../simulator/test/helpers.js';
import { startBinary, type Binary } from './binaries.js';
import { prometheusConfig, promApi } from './dashboard-prometheus.js';
import { mergeExpositions, parseExposition, type Exposition } from './metrics-exposition.js';

/**
 * The real system the dashboard query test runs the dashboard on: the built exporter and worker as processes
 * (probing the simulator, taking webhooks, a nudge, an Alertmanager notification and two Spike Lab faults), a
 * real Prometheus scraping them with the repository's prometheus.yml and rules, and the migrated Postgres they
 * write, started and waited on until every panel has something to show.
 */

const OPERATOR_TOKEN = 'dashboard-operator-token-0123';
const ALERTMANAGER_TOKEN = 'dashboard-alertmanager-token';
const APPLE_SECRET = 'whsec_' + Buffer.from('dashboard-test-apple-secret-0123').toString('base64');

export interface DashboardStack {
  db: TestDatabase;
  exporterUrl: string;
  workerUrl: string;
  promUrl: string;
  /** The user quiet for 40 days whom the stack nudged. */
  quietUserId: string;
  /** The exporter's and worker's /metrics output once everything had happened. */
  scraped: Exposition;
  /** Stops the processes and removes the database, Redis keys and Prometheus's files. */
  stop(): Promise<void>;
}

export async function metricsText(base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

async function operator(method: string, url: string, body: unknown): Promise<number> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Starts the stack and generates its traffic; whatever started is stopped again if that fails. */
export async function startDashboardStack(): Promise<DashboardStack> {
  let db: TestDatabase | undefined;
  let redis: TestRedis | undefined;
  let sim: RunningSimulator | undefined;
  let exporter: ServiceProcess | undefined;
  let worker: ServiceProcess | undefined;
  let prometheus: Binary | undefined;
  let dir: string | undefined;
  const stop = async () => {
    await prometheus?.stop();
    await Promise.all([exporter?.stop(), worker?.stop()]);
    await sim?.close();
    await redis?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ops-dashboard-'));
    db = await createTestDatabase('dash');
    const { pool } = db;
    redis = await createTestRedis('dash');
    sim = await startSimulator();
    await seedDemo(pool, { users: 10, days: 14 });
    // Someone quiet for 40 days, to be nudged: the quiet list and the nudge columns have a row to show.
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO users (name, email, crew, created_at)
       VALUES ('Quinn Quiet', 'quinn@example.test', 'night owls', now() - interval '40 days') RETURNING id`,
    );
    const quietUserId = rows[0]!.id;

    const common = {
      DATABASE_URL: db.url.reveal(),
      REDIS_PREFIX: redis.prefix,
      CHAOS_ENABLED: 'true',
      CHAOS_REFRESH_MS: '1000',
    };
    exporter = spawnService('exporter', {
      ...common,
      PORT: String(await freePort()),
      OPS_OPERATOR_TOKENS: `dash:${OPERATOR_TOKEN}`,
      ALERTMANAGER_TOKEN,
      APPLE_HEALTH_WEBHOOK_SECRET: APPLE_SECRET,
    });
    const workerPort = await freePort();
    worker = spawnService('worker', {
      ...common,
      WORKER_METRICS_PORT: String(workerPort),
      STRAVA_API_URL: sim.url,
      GARMIN_API_HOSTS: sim.url,
      STRAVA_PROBE_TOKEN: sim.world.issueToken(1001, Date.now()).accessToken,
      // Strava's budget kept (at its published defaults; the test's traffic stays well within them), so the budget
      // panels have series to show.
      STRAVA_RATE_LIMITS: '200,2000',
      STRAVA_READ_RATE_LIMITS: '100,1000',
      GARMIN_PROBE_URL: `${sim.url}/healthz`,
      POLAR_PROBE_URL: `${sim.url}/healthz`,
      // Apple Health's probe target answers 404: one provider down, so up/down shows both states.
      APPLE_HEALTH_PROBE_URL: `${sim.url}/no-such-health-endpoint`,
      PROBE_INTERVAL_SECONDS: '1',
      PROBE_TIMEOUT_MS: '1000',
      NUDGE_EMAIL_TRANSPORT: 'sendgrid',
      SENDGRID_API_URL: sim.url,
      SENDGRID_API_KEY: 'SG.simulator-key',
    });
    const exporterUrl = String((await exporter.waitForLog('exporter listening')).url);
    await worker.waitForLog('worker running');
    const workerUrl = `http://127.0.0.1:${workerPort}`;

    const promPort = await freePort();
    const promUrl = `http://127.0.0.1:${promPort}`;
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      prometheusConfig({ exporter: new URL(exporterUrl).host, worker: new URL(workerUrl).host }),
    );
    prometheus = startBinary('prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);

    // Spike Lab: duplicates on the exporter's webhooks, a 1 ms delay on the worker's Strava and Garmin calls.
    expect(await operator('PUT', `${exporterUrl}/api/ops/chaos/duplicates`, { target: 'ingest' })).toBe(200);
    expect(
      // Two providers only: the dashboard's provider variable has an audit row to keep and one to leave out.
      await operator('PUT', `${exporterUrl}/api/ops/chaos/latency`, {
        target: 'provider',
        delayMs: 1,
        providers: ['strava', 'garmin'],
      }),
    ).toBe(200);
    const deliveries = generateDeliveries({
      world: sim.world,
      seed: 8,
      simulatorUrl: sim.url,
      subscriptionId: 0,
      appleSecret: APPLE_SECRET,
      idBase: idBaseFor(Date.now()),
      count: 60,
      startMs: Date.now(),
      intervalMs: 10,
    });
    for (const d of deliveries) {
      const res = await fetch(`${exporterUrl}${d.path}`, {
        method: 'POST',
        headers: d.headers,
        body: d.body,
      });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
    }
    expect(await operator('POST', `${exporterUrl}/api/ops/nudge`, { userId: quietUserId })).toBe(202);
    const alert = await fetch(`${exporterUrl}/api/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ALERTMANAGER_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        receiver: 'ops-cockpit-exporter',
        groupKey: '{}:{alertname="ProviderDown"}',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'ProviderDown', provider: 'apple_health', severity: 'critical' },
            annotations: { summary: 'apple_health is down' },
            startsAt: new Date().toISOString(),
            endsAt: '0001-01-01T00:00:00Z',
            fingerprint: 'dashboard0000001',
          },
        ],
      }),
    });
    expect(alert.status).toBe(200);

    // Everything the panels show has happened: the nudge went out, probes ran (Apple Health failed 3 times in
    // a row, so it is down), the worker wrote activities and the exporter scraped through Prometheus.
    await waitFor(
      async () =>
        (await pool.query(`SELECT 1 FROM nudges WHERE user_id = $1 AND status = 'sent'`, [quietUserId]))
          .rowCount,
      'the nudge sent',
      { timeoutMs: 20_000 },
    );
    await waitFor(
      async () =>
        (
          await pool.query(
            `SELECT 1 FROM (SELECT status FROM provider_health_logs WHERE provider = 'apple_health'
                              ORDER BY "timestamp" DESC LIMIT 3) last
              HAVING count(*) = 3 AND bool_and(status = 'error')`,
          )
        ).rowCount,
      'Apple Health down',
      { timeoutMs: 20_000 },
    );
    await waitFor(
      async () => (await pool.query(`SELECT 1 FROM activities WHERE provider = 'garmin' LIMIT 1`)).rowCount,
      'webhook activities written',
      { timeoutMs: 20_000 },
    );
    await waitFor(
      async () => {
        const answer = await promApi(promUrl, 'query', { query: 'up == 1' });
        return answer.data?.result.length === 2;
      },
      `both processes scraped: ${prometheus.output().slice(-2000)}`,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    // ALERTS exists only once a rule evaluated to pending or firing: wait for Apple Health's ProviderDown, which
    // carries the provider label the alerts table narrows by (rule evaluation lags scraping on a loaded machine).
    await waitFor(
      async () =>
        ((
          await promApi(promUrl, 'query', {
            query: 'ALERTS{alertname="ProviderDown",provider="apple_health"}',
          })
        ).data?.result.length ?? 0) > 0,
      'ProviderDown for Apple Health pending or firing',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const scraped = mergeExpositions([
      parseExposition(await metricsText(exporterUrl)),
      parseExposition(await metricsText(workerUrl)),
    ]);
    return { db, exporterUrl, workerUrl, promUrl, quietUserId, scraped, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
