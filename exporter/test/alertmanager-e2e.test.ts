// End to end with the real pieces: the simulator takes Strava down → the real worker's probes fail (its
// ops_provider_probe_success gauge drops to 0 and it logs failed probes) → Prometheus (real rules file) fires
// ProviderDown → Alertmanager (real alertmanager.yml) posts to the exporter → an incident row → the calm score
// drops by 60 (-10 for the incident, -50 once the last 3 probes failed); the simulator recovers → the next probe
// succeeds → resolved → the score returns. Everything listens on 127.0.0.1 and lives in temp dirs.
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { closeServer, listen, urlOf } from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  freePort,
  REPO_ROOT,
  waitFor,
  type TestDatabase,
  type TestRedis,
  spawnService,
} from '@ops-cockpit/core/testing';
// The simulator is the provider: its real fake-Strava server, on loopback.
import { startSimulator } from '../../simulator/test/helpers.js';
import { startBinary } from './binaries.js';
import { startApp, type RunningApp } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const AM_TOKEN = 'e2e-alertmanager-token';

/** A tiny HTTP server on 127.0.0.1: the stand-in probe target, and the stand-in PagerDuty. */
async function serve(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  const url = urlOf(await listen(server, '127.0.0.1', 0));
  return { url, close: () => closeServer(server, 1_000) };
}

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;
let dir: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  db = await createTestDatabase('e2e');
  redis = await createTestRedis('e2e');
  app = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    alertmanagerToken: AM_TOKEN,
  });
  dir = mkdtempSync(path.join(os.tmpdir(), 'ops-e2e-'));
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await app?.close();
  await redis?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The repository's rules with ProviderDown's 2-minute hold removed: promtool tests cover the hold. */
function rulesWithoutHold(): string {
  const doc = parse(readFileSync(path.join(REPO_ROOT, 'rules', 'ops-cockpit.yml'), 'utf8')) as Json;
  const rule = doc.groups.flatMap((g: Json) => g.rules).find((r: Json) => r.alert === 'ProviderDown');
  rule.for = '0s';
  return stringify(doc);
}

/** The repository's alertmanager.yml pointed at this test's exporter and stand-in PagerDuty, timers tightened. */
function alertmanagerConfig(exporterUrl: string, pagerdutyUrl: string): string {
  const doc = parse(readFileSync(path.join(REPO_ROOT, 'alertmanager', 'alertmanager.yml'), 'utf8')) as Json;
  Object.assign(doc.route, { group_wait: '0s', group_interval: '200ms' });
  const exporter = doc.receivers.find((r: Json) => r.name === 'ops-cockpit-exporter').webhook_configs[0];
  exporter.url = `${exporterUrl}/api/alertmanager`;
  writeFileSync(path.join(dir, 'am-token'), `${AM_TOKEN}\n`);
  exporter.http_config.authorization.credentials_file = path.join(dir, 'am-token');
  const pagerduty = doc.receivers.find((r: Json) => r.name === 'oncall-pagerduty').pagerduty_configs[0];
  writeFileSync(path.join(dir, 'pd-key'), 'e2e-routing-key\n');
  pagerduty.routing_key_file = path.join(dir, 'pd-key');
  pagerduty.url = `${pagerdutyUrl}/v2/enqueue`;
  return stringify(doc);
}

async function query(promUrl: string, promql: string): Promise<Json[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  return ((await res.json()) as Json).data.result;
}

async function calmScore(): Promise<number> {
  return ((await (await fetch(`${app.url}/api/ops/status`)).json()) as Json).calmScore;
}

async function stravaIncident(): Promise<Json | undefined> {
  const { rows } = await db.pool.query(
    `SELECT id, level, message, resolved_at FROM incidents
      WHERE source = 'alertmanager' AND labels->>'alertname' = 'ProviderDown' AND labels->>'provider' = 'strava'`,
  );
  return rows[0];
}

it('provider down → alert → incident → calm score −60 → recovery → resolved, score back', async () => {
  // The simulator stands in for Strava; the real worker probes it every second.
  const sim = await startSimulator();
  cleanups.push(sim.close);
  const workerPort = await freePort();
  const worker = spawnService('worker', {
    DATABASE_URL: db.url.reveal(),
    REDIS_PREFIX: redis.prefix,
    WORKER_METRICS_PORT: String(workerPort),
    STRAVA_API_URL: sim.url,
    GARMIN_API_HOSTS: sim.url,
    STRAVA_PROBE_TOKEN: sim.world.issueToken(1001, Date.now()).accessToken,
    PROBE_INTERVAL_SECONDS: '1',
    PROBE_TIMEOUT_MS: '500',
  });
  cleanups.push(async () => void (await worker.stop()));
  await worker.waitForLog('worker running');
  const target = { url: `http://127.0.0.1:${workerPort}` };
  // Stand-in PagerDuty: critical alerts page on-call; nothing leaves the machine.
  const pages: Json[] = [];
  const pagerduty = await serve((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      pages.push(JSON.parse(body));
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  cleanups.push(pagerduty.close);

  const [amPort, promPort] = [await freePort(), await freePort()];
  const amUrl = `http://127.0.0.1:${amPort}`;
  const promUrl = `http://127.0.0.1:${promPort}`;
  writeFileSync(path.join(dir, 'alertmanager.yml'), alertmanagerConfig(app.url, pagerduty.url));
  writeFileSync(path.join(dir, 'rules.yml'), rulesWithoutHold());
  // 200 ms everywhere: the tightest loop measured (shared/FACTS.md).
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '200ms', scrape_timeout: '200ms', evaluation_interval: '200ms' },
      rule_files: [path.join(dir, 'rules.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
      scrape_configs: [{ job_name: 'worker', static_configs: [{ targets: [new URL(target.url).host] }] }],
    }),
  );

  const alertmanager = startBinary('prometheus-alertmanager', [
    `--config.file=${path.join(dir, 'alertmanager.yml')}`,
    `--storage.path=${path.join(dir, 'am-data')}`,
    `--web.listen-address=127.0.0.1:${amPort}`,
    `--web.external-url=${amUrl}`,
    '--cluster.listen-address=',
  ]);
  cleanups.push(alertmanager.stop);
  const prometheus = startBinary('prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'prom-data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    `--web.external-url=${promUrl}`,
  ]);
  cleanups.push(prometheus.stop);

  const opts = { timeoutMs: 15_000, intervalMs: 100 };
  await waitFor(
    async () => (await fetch(`${amUrl}/-/ready`)).ok,
    `alertmanager ready: ${alertmanager.output()}`,
    opts,
  );
  // Readiness comes before the first scrape (target discovery is batched): wait for the sample itself.
  await waitFor(
    async () => (await query(promUrl, 'up{job="worker"} == 1')).length === 1,
    `the first scrape: ${prometheus.output().slice(-2000)}`,
    opts,
  );
  expect(await calmScore()).toBe(100);

  // Healthy first: the worker's probe succeeds and Prometheus has seen it.
  await waitFor(
    async () => (await query(promUrl, 'ops_provider_probe_success{provider="strava"} == 1')).length === 1,
    'a successful Strava probe scraped',
    opts,
  );

  // Strava goes down at the simulator.
  const failedAt = Date.now();
  await fetch(`${sim.url}/control/strava`, {
    method: 'PUT',
    body: JSON.stringify({ errorRate: 1, errorStatus: 503 }),
  });
  const incident = await waitFor(stravaIncident, 'the ProviderDown incident', {
    timeoutMs: 20_000,
    intervalMs: 20,
  });
  const failureToIncidentMs = Date.now() - failedAt;
  console.log(`failure → incident row: ${failureToIncidentMs} ms`);
  expect(incident).toMatchObject({ level: 'critical', message: 'strava is down', resolved_at: null });
  // "Down" for the calm score needs the last 3 probes failed: about 3 s of probes at 1 s.
  await waitFor(async () => (await calmScore()) === 40, 'calm score 40', opts);
  // Critical: on-call was paged too, with the key from the file.
  await waitFor(() => pages.find((p) => p.event_action === 'trigger'), 'the PagerDuty trigger', opts);
  expect(pages[0]).toMatchObject({ routing_key: 'e2e-routing-key', event_action: 'trigger' });

  // Strava recovers at the simulator; the next probe succeeds.
  const recoveredAt = Date.now();
  await fetch(`${sim.url}/control/reset`, { method: 'POST' });
  const resolved = await waitFor(
    async () => (await stravaIncident())?.resolved_at as Date | undefined,
    'the incident resolved',
    { timeoutMs: 20_000, intervalMs: 20 },
  );
  console.log(`recovery → incident resolved: ${Date.now() - recoveredAt} ms`);
  expect(resolved.getTime()).toBeGreaterThanOrEqual(failedAt);
  await waitFor(async () => (await calmScore()) === 100, 'calm score back to 100', opts);
  // The worker logged the outage as real probe rows.
  const probes = await db.pool.query(
    `SELECT count(*) FILTER (WHERE status = 'error' AND error_reason = 'http_5xx')::int AS failed,
            count(*) FILTER (WHERE status = 'success')::int AS ok
       FROM provider_health_logs WHERE provider = 'strava'`,
  );
  expect(probes.rows[0].failed).toBeGreaterThanOrEqual(3);
  expect(probes.rows[0].ok).toBeGreaterThanOrEqual(2);
  // One incident for the whole outage, however many notifications Alertmanager sent.
  const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM incidents`);
  expect(rows[0].n).toBe(1);
}, 120_000);
