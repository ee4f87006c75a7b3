// Strava's request budget end to end: the fake Strava enforces 20 reads per (compressed) window and 100 a day,
// two worker processes share the budget while their probes run every second, and a burst of 300 Strava events
// must all land in Postgres exactly once without one 429, as fast as the budget allows.
import { dropDatabase, type Secret } from '@ops-cockpit/core';
import {
  createTestRedis,
  databaseUrlFor,
  freePort,
  spawnService,
  spawnExporterAndWorker,
  uniqueName,
  waitFor,
  type ServiceProcess,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import pg from 'pg';
import {
  DEFAULT_EVENT_MIX,
  StravaRateLimits,
  generateDeliveries,
  idBaseFor,
  seedDemo,
} from '../src/index.js';
import { metricValue } from './fault-figures.js';
import { startSimulator, type RunningSimulator } from './helpers.js';

const WINDOW_S = 2;
const DAY_S = 12;
const READS = { '15m': 20, day: 100 };
const EVENTS = 300;
const RESERVE_PERCENT = 10;

const dbUrl: Secret = databaseUrlFor(uniqueName('budget'));
let pool: pg.Pool;
let redis: TestRedis;
let sim: RunningSimulator;
let services: ServiceProcess[] = [];
let exporterUrl: string;
let workerMetrics: string;
const limits = new StravaRateLimits(
  { overall: { '15m': 40, day: 200 }, read: READS },
  { shortSeconds: WINDOW_S, daySeconds: DAY_S },
  Date.now,
);

beforeAll(async () => {
  redis = await createTestRedis('budget');
  sim = await startSimulator({ stravaLimits: limits });
  const workerPort = await freePort();
  const common = { DATABASE_URL: dbUrl.reveal(), REDIS_PREFIX: redis.prefix };
  const workerEnv = {
    STRAVA_API_URL: sim.url,
    STRAVA_RATE_LIMITS: '40,200',
    STRAVA_READ_RATE_LIMITS: `${READS['15m']},${READS.day}`,
    PROVIDER_BUDGET_WINDOW_SECONDS: String(WINDOW_S),
    PROVIDER_BUDGET_DAY_SECONDS: String(DAY_S),
    PROVIDER_BUDGET_RESERVE_PERCENT: String(RESERVE_PERCENT),
    STRAVA_PROBE_TOKEN: sim.world.issueToken(1001, Date.now()).accessToken,
    PROBE_INTERVAL_SECONDS: '1',
    INGEST_CLAIM_IDLE_MS: '200',
  };
  const stack = await spawnExporterAndWorker(common, {
    worker: { ...workerEnv, WORKER_METRICS_PORT: String(workerPort) },
  });
  services = stack.services;
  // A second worker process draws on the same budget: together they must never exceed it.
  const second = spawnService('worker', {
    ...common,
    ...workerEnv,
    WORKER_METRICS_PORT: String(await freePort()),
  });
  services.push(second);
  await second.waitForLog('worker running', 30_000);
  exporterUrl = stack.exporterUrl;
  workerMetrics = `http://127.0.0.1:${workerPort}/metrics`;
  pool = new pg.Pool({ connectionString: dbUrl.reveal(), max: 2 });
  await seedDemo(pool, { users: 10, days: 1 });
}, 60_000);

afterAll(async () => {
  for (const s of services) await s.stop('SIGTERM');
  await pool?.end();
  await sim?.close();
  await redis?.close();
  await dropDatabase(dbUrl);
});

/** The workers' probes read Strava once a second between them (one probe per interval: a lock), from the budget. */
const PROBES_PER_WINDOW = WINDOW_S;
const PROBES_PER_DAY = DAY_S;

/**
 * When `n` ingestion reads that all wait from `startMs` are done at best: each natural window gives ingestion its
 * share (what the reserve and the probes leave), each day likewise, from the windows as they fall (the first ones
 * partly gone already).
 */
export function idealFinishMs(startMs: number, n: number): number {
  const probes = { '15m': PROBES_PER_WINDOW, day: PROBES_PER_DAY };
  const share = (w: '15m' | 'day') =>
    Math.min(Math.floor((READS[w] * (100 - RESERVE_PERCENT)) / 100), READS[w] - probes[w]);
  const windowMs = WINDOW_S * 1000;
  let left = n;
  let window = Math.floor(startMs / windowMs) * windowMs;
  let dayUsed = 0;
  let day = Math.floor(window / (DAY_S * 1000));
  for (;;) {
    const thisDay = Math.floor(window / (DAY_S * 1000));
    if (thisDay !== day) [day, dayUsed] = [thisDay, 0];
    const take = Math.min(left, share('15m'), share('day') - dayUsed);
    left -= take;
    dayUsed += take;
    if (left === 0) return Math.max(startMs, window);
    window += windowMs;
  }
}

it('a burst of 300 Strava events, two workers, probes running: no 429, every activity once, near the ideal time', async () => {
  const deliveries = generateDeliveries({
    world: sim.world,
    seed: 17,
    simulatorUrl: sim.url,
    subscriptionId: 0,
    appleSecret: 'unused-apple-secret-0123456789',
    idBase: idBaseFor(Date.now()),
    count: EVENTS,
    startMs: Date.now(),
    intervalMs: 1,
    mix: {
      providers: { strava: 1, garmin: 0, apple_health: 0, polar: 0 },
      actions: { ...DEFAULT_EVENT_MIX.actions, strava: { create: 1, update: 0, delete: 0, duplicate: 0 } },
    },
  });
  const ids = deliveries.map((d) => String(JSON.parse(d.body).object_id));
  expect(new Set(ids).size).toBe(EVENTS);
  const started = Date.now();
  for (const d of deliveries) {
    const res = await fetch(`${exporterUrl}${d.path}`, { method: 'POST', headers: d.headers, body: d.body });
    expect(res.status).toBe(200);
  }
  const count = async () =>
    Number(
      (
        await pool.query(
          `SELECT count(*) AS n FROM activities WHERE provider = 'strava' AND external_id = ANY($1)`,
          [ids],
        )
      ).rows[0].n,
    );
  let waitingSeen = 0;
  await waitFor(
    async () => {
      const text = await fetch(workerMetrics).then((r) => r.text());
      waitingSeen = Math.max(
        waitingSeen,
        metricValue(text, 'ops_ingest_budget_waiting', { provider: 'strava' }),
      );
      return (await count()) === EVENTS;
    },
    `all ${EVENTS} activities written`,
    { timeoutMs: 120_000, intervalMs: 200 },
  );
  const elapsed = Date.now() - started;
  const ideal = idealFinishMs(started, EVENTS) - started;
  const rows = await pool.query(
    `SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS distinct FROM activities
      WHERE provider = 'strava' AND external_id = ANY($1)`,
    [ids],
  );
  const text = await fetch(workerMetrics).then((r) => r.text());
  const figures = {
    elapsedMs: elapsed,
    idealMs: ideal,
    ratio: Number((elapsed / ideal).toFixed(2)),
    refused429: limits.refused,
    waits: metricValue(text, 'ops_provider_budget_waits_total', { provider: 'strava' }),
    waitingPeak: waitingSeen,
    budgetSkippedProbes: metricValue(text, 'ops_provider_probe_skips_total', {
      provider: 'strava',
      cause: 'budget',
    }),
    deadLettered: metricValue(text, 'ops_ingest_jobs_total', { provider: 'strava', outcome: 'failed' }),
  };
  console.log(`strava budget burst: ${JSON.stringify(figures)}`);
  expect(rows.rows[0]).toEqual({ n: EVENTS, distinct: EVENTS });
  expect(limits.refused).toBe(0);
  expect(figures.deadLettered).toBe(0);
  expect(figures.waits).toBeGreaterThan(0);
  expect(elapsed).toBeLessThanOrEqual(1.2 * ideal);
}, 150_000);

it('under steady traffic the probe is skipped (passive health): it spends at most 5 % of a day’s reads', async () => {
  // Start at a fresh (compressed) day, so the burst before has left the budget alone.
  const dayMs = DAY_S * 1000;
  await new Promise((r) => setTimeout(r, dayMs - (Date.now() % dayMs) + 50));
  const from = new Date();
  const deliveries = generateDeliveries({
    world: sim.world,
    seed: 18,
    simulatorUrl: sim.url,
    subscriptionId: 0,
    appleSecret: 'unused-apple-secret-0123456789',
    idBase: idBaseFor(Date.now()) + 50_000,
    count: 2 * DAY_S,
    startMs: Date.now(),
    intervalMs: 500,
    mix: {
      providers: { strava: 1, garmin: 0, apple_health: 0, polar: 0 },
      actions: { ...DEFAULT_EVENT_MIX.actions, strava: { create: 1, update: 0, delete: 0, duplicate: 0 } },
    },
  });
  // Two events a second for one whole day, as steady traffic arrives.
  for (const d of deliveries) {
    const res = await fetch(`${exporterUrl}${d.path}`, { method: 'POST', headers: d.headers, body: d.body });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
  }
  const { rows } = await pool.query(
    `SELECT source, count(*)::int AS n FROM provider_health_logs
      WHERE provider = 'strava' AND "timestamp" >= $1 GROUP BY source ORDER BY source`,
    [from],
  );
  const bySource = Object.fromEntries(rows.map((r) => [r.source, r.n]));
  const probes = bySource.probe ?? 0;
  console.log(
    `steady traffic for one ${DAY_S} s day: ${JSON.stringify(bySource)} health rows; probes spent ${probes} of ${READS.day} reads (${((100 * probes) / READS.day).toFixed(1)} %)`,
  );
  expect(bySource.traffic).toBeGreaterThan(0);
  expect(probes / READS.day).toBeLessThanOrEqual(0.05);
}, 60_000);
