import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dropDatabase, type Secret } from '@ops-cockpit/core';
import {
  createTestRedis,
  databaseUrlFor,
  freePort,
  spawnExporterAndWorker,
  uniqueName,
  waitFor,
  type ServiceProcess,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import pg from 'pg';
import { generateDeliveries, idBaseFor, seedDemo } from '../src/index.js';
import { metricValue } from './fault-figures.js';
import { startSimulator, type RunningSimulator } from './helpers.js';

/**
 * The red team's attacks against a running stack (built exporter and worker, the simulator as Strava and Garmin,
 * real Postgres and Redis), each sent as the attacker would and each expected to change nothing and to fetch
 * nothing from inside: a Garmin callback into the worker's network in four spellings, deliveries without the
 * URL token, forged Strava deletes, deauthorisations and future event times, a wrong subscription id, one user's
 * push naming another user's activity, a forged X-Grafana-User, and a linked user's impossible miles (held for
 * review, then approved or rejected with exact totals).
 */

const GARMIN_TOKEN = 'attack-garmin-url-token-0123';
const STRAVA_TOKEN = 'attack-strava-url-token-0123';
const OPERATOR = 'attack-operator-token-0123456';
const GRAFANA = 'attack-grafana-token-01234567';
const SUBSCRIPTION = 4242;
const dbUrl: Secret = databaseUrlFor(uniqueName('attack'));
let pool: pg.Pool;
let redis: TestRedis;
let sim: RunningSimulator;
let services: ServiceProcess[] = [];
let exporterUrl: string;
let workerMetricsUrl: string;
let inside: http.Server;
let insidePort: number;
const insideHits: string[] = [];

beforeAll(async () => {
  redis = await createTestRedis('attack');
  sim = await startSimulator();
  // What the worker must never reach: stands in for its /metrics, Redis, Postgres.
  inside = http.createServer((req, res) => {
    insideHits.push(req.url ?? '');
    res.end(JSON.stringify({ activities: [] }));
  });
  await new Promise<void>((r) => inside.listen(0, '127.0.0.1', r));
  insidePort = (inside.address() as AddressInfo).port;
  const workerPort = String(await freePort());
  const stack = await spawnExporterAndWorker(
    { DATABASE_URL: dbUrl.reveal(), REDIS_PREFIX: redis.prefix, LOG_LEVEL: 'info' },
    {
      exporter: {
        GARMIN_WEBHOOK_TOKEN: GARMIN_TOKEN,
        STRAVA_WEBHOOK_TOKEN: STRAVA_TOKEN,
        WEBHOOK_TOKENS_REQUIRED: 'true',
        STRAVA_SUBSCRIPTION_ID: String(SUBSCRIPTION),
        OPS_OPERATOR_TOKENS: `ops:${OPERATOR},grafana:${GRAFANA}`,
      },
      worker: {
        STRAVA_API_URL: sim.url,
        GARMIN_API_HOSTS: sim.url,
        WORKER_METRICS_PORT: workerPort,
        INGEST_CLAIM_IDLE_MS: '1000',
        INGEST_MAX_DELIVERIES: '2',
      },
    },
  );
  services = stack.services;
  exporterUrl = stack.exporterUrl;
  workerMetricsUrl = `http://127.0.0.1:${workerPort}/metrics`;
  pool = new pg.Pool({ connectionString: dbUrl.reveal(), max: 2 });
  await seedDemo(pool, { users: 10, days: 2 });
}, 60_000);

afterAll(async () => {
  for (const s of services) await s.stop('SIGTERM');
  await pool?.end();
  await sim?.close();
  await new Promise((r) => inside?.close(r));
  await redis?.close();
  await dropDatabase(dbUrl);
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${exporterUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}
const garminUrl = `/api/webhooks/garmin?token=${GARMIN_TOKEN}`;
const stravaUrl = `/api/webhooks/strava?token=${STRAVA_TOKEN}`;

/** The worker's /metrics page, to compare ops_ingest_jobs_total before and after an attack. */
const outcomes = () => fetch(workerMetricsUrl).then((r) => r.text());

/** Waits until the worker has counted `n` more entries under `key` (e.g. `garmin:failed`) than `before`. */
async function counted(before: string, key: string, n: number): Promise<void> {
  const [provider, outcome] = key.split(':') as [string, string];
  const count = (text: string) => metricValue(text, 'ops_ingest_jobs_total', { provider, outcome });
  await waitFor(
    async () => (count(await outcomes()) - count(before) >= n ? true : undefined),
    `${n} more ${key}`,
    { timeoutMs: 20_000, intervalMs: 50 },
  );
}

async function totalMeters(): Promise<string> {
  return (await pool.query(`SELECT total_meters::text AS m FROM global_stats`)).rows[0].m as string;
}

it('a Garmin callback into the worker network, in every spelling: refused, nothing fetched, reason for operators only', async () => {
  const total = await totalMeters();
  const before = await outcomes();
  const pings = [
    `http://127.0.0.1:${insidePort}/json`,
    `http://localhost:${insidePort}/json`,
    `http://2130706433:${insidePort}/json`,
    `http://0x7f.0.0.1:${insidePort}/json`,
  ].map((callbackURL) => ({ userId: 'garmin-user-5', callbackURL }));
  // Without the URL token nothing is even read.
  expect((await post('/api/webhooks/garmin', { activities: pings })).status).toBe(401);
  // With it (an insider's knowledge): accepted for the linked user, then refused for good by the worker.
  expect((await post(garminUrl, { activities: pings })).status).toBe(200);
  await counted(before, 'garmin:failed', 4);
  expect(insideHits).toEqual([]);
  expect(metricValue(await outcomes(), 'ops_provider_calls_refused_total', { provider: 'garmin' })).toBe(4);
  expect(await totalMeters()).toBe(total);

  expect((await fetch(`${exporterUrl}/api/ops/jobs/failed`)).status).toBe(401);
  const listing = await fetch(`${exporterUrl}/api/ops/jobs/failed?source=ingest-dead-letter`, {
    headers: { authorization: `Bearer ${OPERATOR}` },
  });
  const { failed } = (await listing.json()) as { failed: { reason: string }[] };
  expect(failed).toHaveLength(4);
  for (const { reason } of failed) {
    expect(reason).toMatch(/^http:\/\/(127\.0\.0\.1|localhost):\d+ is not an allowed garmin API host$/);
  }
}, 40_000);

it('forged Strava events: no token, wrong subscription, future time, unconfirmed delete and deauthorisation', async () => {
  // Real activities first, as Strava announces them, so a forged delete has something to erase.
  const creates = generateDeliveries({
    world: sim.world,
    seed: 11,
    simulatorUrl: sim.url,
    subscriptionId: SUBSCRIPTION,
    idBase: idBaseFor(Date.now()),
    count: 60,
    startMs: Date.now(),
  })
    .filter((d) => d.provider === 'strava' && d.action === 'create')
    .map((d) => JSON.parse(d.body) as Record<string, number | string | object>)
    .filter((e) => sim.world.activity('strava', String(e.object_id)) !== undefined)
    .slice(0, 3);
  expect(creates.length).toBe(3);
  let before = await outcomes();
  for (const e of creates) expect((await post(stravaUrl, e)).status).toBe(200);
  await counted(before, 'strava:created', 3);
  const victim = creates[0]!;
  const total = await totalMeters();
  const now = Math.floor(Date.now() / 1000);
  const forgedDelete = { ...victim, aspect_type: 'delete', updates: {}, event_time: now };

  expect((await post('/api/webhooks/strava', forgedDelete)).status).toBe(401);
  const wrong = await post(stravaUrl, { ...forgedDelete, subscription_id: 1 });
  expect(wrong.status).toBe(403);
  expect(JSON.stringify(wrong.body)).not.toContain(String(SUBSCRIPTION));
  const future = await post(stravaUrl, { ...forgedDelete, event_time: 4_102_444_800 });
  expect(future.status).toBe(422);

  before = await outcomes();
  expect((await post(stravaUrl, forgedDelete)).status).toBe(200);
  const deauth = {
    object_type: 'athlete',
    object_id: victim.owner_id,
    aspect_type: 'update',
    updates: { authorized: 'false' },
    owner_id: victim.owner_id,
    subscription_id: SUBSCRIPTION,
    event_time: now,
  };
  expect((await post(stravaUrl, deauth)).status).toBe(200);
  await counted(before, 'strava:unconfirmed', 2);
  expect(await totalMeters()).toBe(total);
  const { rows } = await pool.query(
    `SELECT a.deleted_at, pa.deauthorized_at FROM activities a JOIN provider_accounts pa
        ON pa.user_id = a.user_id AND pa.provider = 'strava'
      WHERE a.provider = 'strava' AND a.external_id = $1`,
    [String(victim.object_id)],
  );
  expect(rows).toEqual([{ deleted_at: null, deauthorized_at: null }]);
}, 40_000);

it("one Garmin user's push naming another user's activity changes nothing", async () => {
  const { rows } = await pool.query<{ external_id: string; owner: string; m: string }>(
    `SELECT a.external_id, pa.external_user_id AS owner, a.distance_m::text AS m
       FROM activities a JOIN provider_accounts pa ON pa.user_id = a.user_id AND pa.provider = 'garmin'
      WHERE a.provider = 'garmin' AND a.deleted_at IS NULL AND a.distance_m > 0
      ORDER BY a.id LIMIT 1`,
  );
  const target = rows[0]!;
  const { rows: others } = await pool.query<{ id: string }>(
    `SELECT external_user_id AS id FROM provider_accounts WHERE provider = 'garmin' AND external_user_id <> $1 LIMIT 1`,
    [target.owner],
  );
  const attacker = others[0]!.id;
  const total = await totalMeters();
  const before = await outcomes();
  const push = {
    userId: attacker,
    summaryId: target.external_id,
    activityType: 'RUNNING',
    startTimeInSeconds: Math.floor(Date.now() / 1000) - 3_600,
    startTimeOffsetInSeconds: 0,
    durationInSeconds: 60,
    distanceInMeters: 0,
  };
  expect((await post(garminUrl, { activities: [push] })).status).toBe(200);
  await counted(before, 'garmin:foreign', 1);
  const after = await pool.query(
    `SELECT pa.external_user_id AS owner, a.distance_m::text AS m FROM activities a
       JOIN provider_accounts pa ON pa.user_id = a.user_id AND pa.provider = 'garmin'
      WHERE a.provider = 'garmin' AND a.external_id = $1`,
    [target.external_id],
  );
  expect(after.rows).toEqual([{ owner: target.owner, m: target.m }]);
  expect(await totalMeters()).toBe(total);
}, 30_000);

it('a linked user pushing +1,000 miles in one run: held and counted nowhere until an operator decides, then exactly', async () => {
  const { rows } = await pool.query<{ id: string; user_id: string }>(
    `SELECT external_user_id AS id, user_id FROM provider_accounts WHERE provider = 'garmin' ORDER BY user_id LIMIT 1`,
  );
  const linked = rows[0]!;
  const counts = async () =>
    (
      await pool.query(
        `SELECT (SELECT total_meters::text FROM global_stats) AS total,
                (SELECT coalesce(sum(activity_count), 0)::int FROM activity_hourly) AS cells,
                (SELECT last_activity_at FROM users WHERE id = $1) AS last`,
        [linked.user_id],
      )
    ).rows[0] as { total: string; cells: number; last: Date | null };
  const before = await counts();
  const metricsBefore = await outcomes();
  const push = (summaryId: string, miles: number) => ({
    userId: linked.id,
    summaryId,
    activityType: 'RUNNING',
    startTimeInSeconds: Math.floor(Date.now() / 1000) - 600,
    startTimeOffsetInSeconds: 0,
    durationInSeconds: 3_600,
    distanceInMeters: miles * 1609.344,
  });
  expect(
    (await post(garminUrl, { activities: [push('held-1000mi', 1000), push('held-2000mi', 2000)] })).status,
  ).toBe(200);
  await counted(metricsBefore, 'garmin:created', 2);
  expect(metricValue(await outcomes(), 'ops_ingest_quarantined_total', { provider: 'garmin' })).toBe(2);
  // Stored, and nowhere: not in the total, the heatmap's rollup, or the user's last activity (the quiet list).
  expect(await counts()).toEqual(before);

  const auth = { authorization: `Bearer ${OPERATOR}` };
  const queue = await fetch(`${exporterUrl}/api/ops/quarantine`, { headers: auth });
  const { activities } = (await queue.json()) as {
    activities: Array<{ id: number; externalId: string; reason: string }>;
  };
  const held = Object.fromEntries(activities.map((a) => [a.externalId, a]));
  expect(held['held-1000mi']?.reason).toBe('run: distance 1609.344 km over 350 km');
  expect((await fetch(`${exporterUrl}/api/ops/quarantine`)).status).toBe(401);

  const decide = (id: number, action: string) =>
    fetch(`${exporterUrl}/api/ops/quarantine/${id}/${action}`, { method: 'POST', headers: auth }).then((r) =>
      r.json(),
    );
  expect(await decide(held['held-2000mi']!.id, 'reject')).toMatchObject({ review: 'rejected', deltaM: 0 });
  expect((await counts()).total).toBe(before.total);
  expect(await decide(held['held-1000mi']!.id, 'approve')).toMatchObject({
    review: 'approved',
    deltaM: 1_609_344,
  });
  const after = await counts();
  // Exact to the millimetre: numeric(20, 3) as text, compared in whole millimetres.
  const mm = (m: string) => BigInt(m.replace('.', ''));
  expect(mm(after.total) - mm(before.total)).toBe(1_609_344_000n);
  expect(after.cells - before.cells).toBe(1);
  expect(after.last).not.toEqual(before.last);
  const drift = await pool.query(
    `SELECT (SELECT total_meters FROM global_stats) - (SELECT coalesce(sum(distance_m), 0) FROM activities
       WHERE deleted_at IS NULL AND review IN ('ok', 'approved')) AS drift`,
  );
  expect(Number(drift.rows[0].drift)).toBe(0);
}, 30_000);

it('X-Grafana-User names someone only from Grafana, and only as a login', async () => {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO incidents (message, level, source, fingerprint) VALUES ('attack', 'warn', 'backend', 'atk')
     RETURNING id`,
  );
  const ack = (token: string, user: string) =>
    post(
      `/api/ops/incidents/${rows[0]!.id}/acknowledge`,
      {},
      {
        authorization: `Bearer ${token}`,
        'x-grafana-user': user,
      },
    );
  expect((await ack(OPERATOR, 'ceo@example.com')).status).toBe(400);
  expect((await ack(GRAFANA, '<img src=x onerror=alert(1)>')).status).toBe(400);
  const { rows: still } = await pool.query(`SELECT acknowledged_by FROM incidents WHERE id = $1`, [
    rows[0]!.id,
  ]);
  expect(still).toEqual([{ acknowledged_by: null }]);
  const real = await ack(GRAFANA, 'grace');
  expect([real.status, real.body.acknowledgedBy]).toEqual([200, 'grace']);
});
