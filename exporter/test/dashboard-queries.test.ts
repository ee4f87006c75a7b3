// Every query of the provisioned dashboard against the real system: the built exporter and worker as processes
// (probing the simulator, taking webhooks, a nudge, an Alertmanager notification and two Spike Lab faults), their
// real /metrics output, a real Prometheus scraping them with the repository's prometheus.yml and rules, and
// the migrated Postgres they write. A renamed metric, label or column fails here.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { listQuietUsers } from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  freePort,
  REPO_ROOT,
  spawnService,
  waitFor,
  type ServiceProcess,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { generateDeliveries, idBaseFor, seedDemo } from '../../simulator/src/index.js';
import { startSimulator, type RunningSimulator } from '../../simulator/test/helpers.js';
import { startBinary, type Binary } from './binaries.js';
import {
  expandPromql,
  expandSqlMacros,
  legendLabels,
  loadDashboard,
  organizedFields,
  PLUGIN_PANEL,
  promTargets,
  referencedFields,
  sqlTargets,
  type PanelTarget,
} from './dashboard-model.js';
import { mergeExpositions, parseExposition, type Exposition } from './metrics-exposition.js';
import { referenceProblems, type MetricCatalog } from './metric-catalog.js';

const SCRAPE_SECONDS = 1;
const OPERATOR_TOKEN = 'dashboard-operator-token-0123';
const ALERTMANAGER_TOKEN = 'dashboard-alertmanager-token';
const APPLE_SECRET = 'whsec_' + Buffer.from('dashboard-test-apple-secret-0123').toString('base64');
const PROVIDERS = ['strava', 'garmin', 'apple_health'];
/** Series Prometheus makes itself that the dashboard may query: scrape health and the alert rules' state. */
const PROMETHEUS_SERIES = ['up', 'ALERTS'];

const dashboard = loadDashboard();

interface PromSeries {
  metric: Record<string, string>;
  /** An instant query's [time, value]. */
  value?: [number, string];
}
/** A Prometheus HTTP API answer; `data` is `{ result }` for queries, a list of label sets for /series. */
interface PromAnswer<Data = { result: PromSeries[] }> {
  status: string;
  error?: string;
  data?: Data;
}

let db: TestDatabase;
let redis: TestRedis;
let sim: RunningSimulator;
let exporter: ServiceProcess;
let worker: ServiceProcess;
let prometheus: Binary | undefined;
let exporterUrl: string;
let workerUrl: string;
let promUrl: string;
let dir: string;
let quietUserId: string;
let scraped: Exposition;

async function metricsText(base: string): Promise<string> {
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

/** The repository's prometheus.yml and rules, its exporter and worker jobs pointed at this test's processes. */
function prometheusConfig(targets: Record<string, string>): string {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const doc = parse(readFileSync(path.join(REPO_ROOT, 'prometheus.yml'), 'utf8')) as any;
  const interval = `${SCRAPE_SECONDS}s`;
  doc.global = { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval };
  doc.rule_files = doc.rule_files.map((file: string) => path.join(REPO_ROOT, file));
  delete doc.alerting;
  doc.scrape_configs = doc.scrape_configs
    .filter((job: { job_name: string }) => job.job_name in targets)
    .map((job: { job_name: string }) => ({ ...job, static_configs: [{ targets: [targets[job.job_name]] }] }));
  expect(doc.scrape_configs.map((job: { job_name: string }) => job.job_name).sort()).toEqual(
    Object.keys(targets).sort(),
  );
  return stringify(doc);
}

async function promApi<Data = { result: PromSeries[] }>(
  endpoint: string,
  params: Record<string, string>,
): Promise<PromAnswer<Data>> {
  const res = await fetch(`${promUrl}/api/v1/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return (await res.json()) as PromAnswer<Data>;
}

/** Runs a target as Grafana would: an instant query, or a range query over the last minute. */
async function runTarget({ target }: PanelTarget): Promise<PromAnswer> {
  const now = Date.now() / 1000;
  const query = expandPromql(target.expr ?? '', SCRAPE_SECONDS, 60);
  if (target.instant && target.range !== true) return promApi('query', { query, time: String(now) });
  return promApi('query_range', {
    query,
    start: String(now - 60),
    end: String(now),
    step: String(SCRAPE_SECONDS),
  });
}

/** The first target of the panel with this title (the checks below name panels the way operators see them). */
function targetTitled(title: string): PanelTarget {
  const found = [...promTargets(dashboard), ...sqlTargets(dashboard)].find((t) => t.panel.title === title);
  if (!found) throw new Error(`the dashboard has no panel "${title}" with a query`);
  return found;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ops-dashboard-'));
  db = await createTestDatabase('dash');
  redis = await createTestRedis('dash');
  sim = await startSimulator();
  await seedDemo(db.pool, { users: 10, days: 14 });
  // Someone quiet for 40 days, to be nudged: the quiet list and the nudge columns have a row to show.
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (name, email, crew, created_at)
     VALUES ('Quinn Quiet', 'quinn@example.test', 'night owls', now() - interval '40 days') RETURNING id`,
  );
  quietUserId = rows[0]!.id;

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
    STRAVA_PROBE_TOKEN: sim.world.issueToken(1001, Date.now()).accessToken,
    GARMIN_PROBE_URL: `${sim.url}/healthz`,
    // Apple Health's probe target answers 404: one provider down, so up/down shows both states.
    APPLE_HEALTH_PROBE_URL: `${sim.url}/no-such-health-endpoint`,
    PROBE_INTERVAL_SECONDS: '1',
    PROBE_TIMEOUT_MS: '1000',
    NUDGE_EMAIL_TRANSPORT: 'sendgrid',
    SENDGRID_API_URL: sim.url,
    SENDGRID_API_KEY: 'SG.simulator-key',
  });
  exporterUrl = String((await exporter.waitForLog('exporter listening')).url);
  await worker.waitForLog('worker running');
  workerUrl = `http://127.0.0.1:${workerPort}`;

  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    prometheusConfig({ exporter: new URL(exporterUrl).host, worker: new URL(workerUrl).host }),
  );
  prometheus = startBinary('prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'prom-data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
  ]);

  // Spike Lab: duplicates on the exporter's webhooks, a 1 ms delay on the worker's provider calls.
  expect(await operator('PUT', `${exporterUrl}/api/ops/chaos/duplicates`, { target: 'ingest' })).toBe(200);
  expect(
    await operator('PUT', `${exporterUrl}/api/ops/chaos/latency`, { target: 'provider', delayMs: 1 }),
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
    const res = await fetch(`${exporterUrl}${d.path}`, { method: 'POST', headers: d.headers, body: d.body });
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

  // Everything the panels show has happened: the nudge went out, probes ran (Apple Health failed 3 times in a
  // row, so it is down), the worker wrote activities and the exporter scraped through Prometheus.
  await waitFor(
    async () =>
      (await db.pool.query(`SELECT 1 FROM nudges WHERE user_id = $1 AND status = 'sent'`, [quietUserId]))
        .rowCount,
    'the nudge sent',
    { timeoutMs: 20_000 },
  );
  await waitFor(
    async () =>
      (
        await db.pool.query(
          `SELECT 1 FROM (SELECT status FROM provider_health_logs WHERE provider = 'apple_health'
                            ORDER BY "timestamp" DESC LIMIT 3) last
            HAVING count(*) = 3 AND bool_and(status = 'error')`,
        )
      ).rowCount,
    'Apple Health down',
    { timeoutMs: 20_000 },
  );
  await waitFor(
    async () => (await db.pool.query(`SELECT 1 FROM activities WHERE provider = 'garmin' LIMIT 1`)).rowCount,
    'webhook activities written',
    { timeoutMs: 20_000 },
  );
  await waitFor(
    async () => {
      const answer = await promApi('query', { query: 'up == 1' });
      return answer.data?.result.length === 2;
    },
    `both processes scraped: ${prometheus.output().slice(-2000)}`,
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  // ALERTS exists only once a rule evaluated to pending or firing (Apple Health down): wait for it, since rule
  // evaluation lags scraping on a loaded machine.
  await waitFor(
    async () => ((await promApi('query', { query: 'ALERTS' })).data?.result.length ?? 0) > 0,
    'an alert pending or firing',
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  scraped = mergeExpositions([
    parseExposition(await metricsText(exporterUrl)),
    parseExposition(await metricsText(workerUrl)),
  ]);
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await Promise.all([exporter?.stop(), worker?.stop()]);
  await sim?.close();
  await redis?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The catalog of series: the real /metrics output, plus Prometheus's own series with the labels it reports. */
async function catalog(exposition: Exposition = scraped): Promise<MetricCatalog> {
  const synthesized = new Map<string, Set<string>>();
  for (const name of PROMETHEUS_SERIES) {
    const answer = await promApi<Array<Record<string, string>>>('series', {
      'match[]': name,
      start: String(Date.now() / 1000 - 300),
    });
    // A series Prometheus has not made (no rule loaded, say) stays unknown rather than known without labels.
    const labels = answer.data ?? [];
    if (labels.length) synthesized.set(name, new Set(labels.flatMap((series) => Object.keys(series))));
  }
  return { exposition, synthesized };
}

describe('Prometheus targets', () => {
  it('name only metrics and labels the real exporter and worker expose', async () => {
    const known = await catalog();
    const targets = promTargets(dashboard);
    expect(targets.length).toBeGreaterThan(20);
    const problems = targets.flatMap((t) =>
      referenceProblems(expandPromql(t.target.expr ?? '', SCRAPE_SECONDS, 60), known).map(
        (p) => `${t.where}: ${p}`,
      ),
    );
    expect(problems).toEqual([]);
  });

  it('would fail on a metric renamed in the code or in the dashboard (the check can fail)', async () => {
    // The exporter renames ops_calm_score: the stress panel's query no longer finds it.
    const exporterText = (await metricsText(exporterUrl)).replace(/^ops_calm_score /m, 'ops_calm_points ');
    const renamed = await catalog(
      mergeExpositions([parseExposition(exporterText), parseExposition(await metricsText(workerUrl))]),
    );
    expect(referenceProblems('max(ops_calm_score)', renamed)).toEqual([
      'ops_calm_score is declared in /metrics (ops_calm_score) but has no samples, so its labels are unknown',
    ]);
    const known = await catalog();
    expect(referenceProblems('max by (provider) (ops_provider_probe_sucess)', known)).toEqual([
      'ops_provider_probe_sucess is in no /metrics output nor among the series Prometheus makes',
      'by (provider): label "provider" is on none of ops_provider_probe_sucess',
    ]);
    expect(
      referenceProblems('sum by (region) (rate(ops_webhook_requests_total{status="200"}[5m]))', known),
    ).toEqual([
      'ops_webhook_requests_total has no label "status"',
      'by (region): label "region" is on none of ops_webhook_requests_total',
    ]);
    expect(referenceProblems('rate(ops_ingest_lag_seconds[5m])', known)).toEqual([
      'ops_ingest_lag_seconds is a histogram: query ops_ingest_lag_seconds_bucket, ops_ingest_lag_seconds_sum or ops_ingest_lag_seconds_count',
    ]);
  });

  it('run without error on a real Prometheus and all return data, labelled as their legends say', async () => {
    const targets = promTargets(dashboard);
    let empty: string[] = [];
    const answers = new Map<PanelTarget, PromAnswer>();
    // Range windows need a few scrapes after the traffic: wait until every query has something to show.
    await waitFor(
      async () => {
        empty = [];
        for (const t of targets) {
          const answer = await runTarget(t);
          if (answer.status !== 'success') throw new Error(`${t.where}: ${answer.error}`);
          answers.set(t, answer);
          if (!answer.data?.result.length) empty.push(t.where);
        }
        return empty.length === 0;
      },
      'every query to return data',
      { timeoutMs: 45_000, intervalMs: 1_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; still empty: ${empty.join('; ')}`);
    });

    const problems: string[] = [];
    for (const t of targets) {
      const series = answers.get(t)!.data!.result;
      for (const label of legendLabels(t.target.legendFormat)) {
        if (series.some((s) => !(label in s.metric)))
          problems.push(`${t.where}: legend {{${label}}} not on result`);
      }
      if (t.target.format === 'table') {
        const columns = new Set([
          'Time',
          'Value',
          '__name__',
          ...series.flatMap((s) => Object.keys(s.metric)),
        ]);
        for (const field of referencedFields(t.panel)) {
          if (!columns.has(field)) problems.push(`${t.where}: column "${field}" is not in the result`);
        }
      }
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('show every probed provider in the health grid, the failing one as down with 0 % success', async () => {
    const values = async (title: string) => {
      const answer = await runTarget(targetTitled(title));
      return Object.fromEntries(answer.data!.result.map((s) => [s.metric.provider, Number(s.value?.[1])]));
    };
    const up = await values('Provider up / down');
    const success = await values('Probe success, last hour');
    const p95 = await values('Probe latency p95, last hour');
    for (const byProvider of [up, success, p95])
      expect(Object.keys(byProvider).sort()).toEqual([...PROVIDERS].sort());
    expect(up).toEqual({ strava: 1, garmin: 1, apple_health: 0 });
    expect(success.apple_health).toBe(0);
    expect(success.strava).toBeGreaterThan(0);
  });

  it('feed the plugin panels the series they read: 7 × 24 heatmap cells, distance and goal, score and factors', async () => {
    const plugin = promTargets(dashboard).filter((t) => t.panel.type === PLUGIN_PANEL);
    const results = new Map<string, PromSeries[]>();
    for (const t of plugin)
      results.set(`${t.panel.options?.view}:${t.target.refId}`, (await runTarget(t)).data!.result);
    const heatmap = [...results.entries()].find(([key]) => key.startsWith('heatmap:'))![1];
    expect(new Set(heatmap.map((s) => `${s.metric.weekday}/${s.metric.hour}`)).size).toBe(7 * 24);
    expect(results.get('progress:distance')).toHaveLength(1);
    expect(results.get('progress:goal')).toHaveLength(1);
    expect(results.get('stress:score')).toHaveLength(1);
    expect(
      results
        .get('stress:factors')!
        .map((s) => s.metric.factor)
        .sort(),
    ).toEqual(['open_incidents', 'provider_down', 'provider_latency']);
  });
});

describe('Postgres targets', () => {
  async function runSql(t: PanelTarget) {
    const to = new Date();
    const from = new Date(to.getTime() - 3_600_000);
    if (!t.target.rawSql) throw new Error(`${t.where} has no SQL`);
    // eslint-disable-next-line ops/sql-parameterized -- the dashboard's own SQL, run as Grafana would run it
    return db.pool.query(expandSqlMacros(t.target.rawSql, from, to));
  }

  it('run on the migrated schema, return exactly the columns their tables lay out, and have rows', async () => {
    const targets = sqlTargets(dashboard);
    expect(targets.length).toBeGreaterThanOrEqual(5);
    for (const t of targets) {
      const result = await runSql(t).catch((err: Error) => {
        throw new Error(`${t.where}: ${err.message}`);
      });
      const columns = result.fields.map((f) => f.name);
      expect({ where: t.where, columns: [...columns].sort() }).toEqual({
        where: t.where,
        columns: [...organizedFields(t.panel)].sort(),
      });
      const unknown = referencedFields(t.panel).filter((field) => !columns.includes(field));
      expect({ where: t.where, unknown }).toEqual({ where: t.where, unknown: [] });
      expect({ where: t.where, rows: result.rowCount! > 0 }).toEqual({ where: t.where, rows: true });
    }
  });

  it('list the quiet users the quiet-list endpoint lists, with the last nudge', async () => {
    const { rows } = await runSql(targetTitled('Quiet list'));
    const page = await listQuietUsers(db.pool, { days: 10, limit: 100, cooldownHours: 24 });
    expect(rows.map((r) => r.user_id)).toEqual(page.users.map((u) => u.id));
    expect(rows.find((r) => r.user_id === quietUserId)).toMatchObject({
      name: 'Quinn Quiet',
      last_nudge_channel: 'email',
      last_nudge_status: 'sent',
      last_nudge_at: expect.any(Date),
    });
  });

  it('list the open incidents GET /api/ops/incidents lists, newest first', async () => {
    const { rows } = await runSql(targetTitled('Open incidents'));
    const api = (await (await fetch(`${exporterUrl}/api/ops/incidents`)).json()) as {
      incidents: Array<{ id: number }>;
    };
    expect(rows.map((r) => Number(r.id))).toEqual(api.incidents.map((i) => i.id));
    expect(rows[0]).toMatchObject({ alertname: 'ProviderDown', provider: 'apple_health', level: 'critical' });
  });

  it('show the up/down state GET /api/ops/provider-health reports', async () => {
    const { rows } = await runSql(targetTitled('Probe log'));
    const api = (await (await fetch(`${exporterUrl}/api/ops/provider-health`)).json()) as {
      providers: Array<{ provider: string; up: boolean }>;
    };
    expect(rows.map((r) => [r.provider, r.state])).toEqual(
      api.providers.map((p) => [p.provider, p.up ? 'up' : 'down']),
    );
    expect(rows.find((r) => r.provider === 'apple_health')).toMatchObject({
      state: 'down',
      last_error: 'http_4xx',
    });
  });
});
