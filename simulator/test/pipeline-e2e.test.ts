import { dropDatabase, Secret, type Provider } from '@ops-cockpit/core';
import {
  createTestRedis,
  databaseUrlFor,
  freePort,
  spawnService,
  uniqueName,
  waitFor,
  type ServiceProcess,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import pg from 'pg';
import { generateDeliveries, idBaseFor, seedDemo, type Delivery } from '../src/index.js';
import { pendingEntries, post, postAll, startSimulator, type RunningSimulator } from './helpers.js';

/**
 * The whole ingestion path for real: the built exporter and worker as processes, the simulator's fake Strava API
 * and Garmin callbacks in this process (so the test shares its world with the event generator), real Postgres
 * and Redis. 1,000 mixed deliveries, 20 % re-posted, one update sent before its create.
 */

const APPLE_SECRET = 'whsec_' + Buffer.from('e2e-apple-secret-0123456789').toString('base64');
const dbUrl: Secret = databaseUrlFor(uniqueName('e2e'));
let pool: pg.Pool;
let redis: TestRedis;
let sim: RunningSimulator;
let exporter: ServiceProcess;
let worker: ServiceProcess;
let exporterUrl: string;
let workerMetricsPort: number;

beforeAll(async () => {
  redis = await createTestRedis('e2e');
  sim = await startSimulator();
  const common = {
    DATABASE_URL: dbUrl.reveal(),
    REDIS_PREFIX: redis.prefix,
    LOG_LEVEL: 'warn',
  };
  const port = await freePort();
  exporter = spawnService('exporter', {
    ...common,
    LOG_LEVEL: 'info',
    PORT: String(port),
    APPLE_HEALTH_WEBHOOK_SECRET: APPLE_SECRET,
  });
  exporterUrl = String((await exporter.waitForLog('exporter listening')).url);
  pool = new pg.Pool({ connectionString: dbUrl.reveal(), max: 4 });
  // Linked accounts (and their refresh tokens) must exist before deliveries arrive; a small history too.
  await seedDemo(pool, { users: 10, days: 3 });
  worker = spawnService('worker', {
    ...common,
    LOG_LEVEL: 'info',
    WORKER_METRICS_PORT: String((workerMetricsPort = await freePort())),
    STRAVA_API_URL: sim.url,
    PROVIDER_TIMEOUT_MS: '3000',
    INGEST_CLAIM_IDLE_MS: '1000',
    INGEST_MAX_DELIVERIES: '3',
  });
  await worker.waitForLog('worker running');
}, 60_000);

afterAll(async () => {
  await Promise.all([exporter?.stop(), worker?.stop()]);
  await pool?.end();
  await sim?.close();
  await redis?.close();
  await dropDatabase(dbUrl);
});

/** Index of a Strava update whose activity's create comes earlier in the list, and that create's index. */
function updateAfterCreate(deliveries: Delivery[]): { update: number; create: number } {
  const created = new Map<number, number>();
  for (const [i, d] of deliveries.entries()) {
    if (d.provider !== 'strava') continue;
    const e = JSON.parse(d.body) as { object_type: string; object_id: number; aspect_type: string };
    if (e.object_type !== 'activity') continue;
    if (e.aspect_type === 'create') created.set(e.object_id, i);
    if (e.aspect_type === 'update' && created.has(e.object_id))
      return { update: i, create: created.get(e.object_id)! };
  }
  throw new Error('the generated traffic has no Strava update of an activity it created');
}

const pending = () => pendingEntries(redis.redis, redis.prefix);

it('applies 1,000 mixed deliveries exactly once: total, rollup and heatmap agree with the activities', async () => {
  const deliveries = generateDeliveries({
    world: sim.world,
    seed: 4242,
    simulatorUrl: sim.url,
    subscriptionId: 0,
    appleSecret: APPLE_SECRET,
    idBase: idBaseFor(Date.now()),
    count: 1_000,
    startMs: Date.now(),
    intervalMs: 10,
  });
  const byProvider = (p: Provider) => deliveries.filter((d) => d.provider === p).length;
  expect(byProvider('strava')).toBeGreaterThan(100);
  expect(byProvider('garmin')).toBeGreaterThan(100);
  expect(byProvider('apple_health')).toBeGreaterThan(100);
  const actions = new Set(deliveries.map((d) => `${d.provider}:${d.action}`));
  expect(actions).toEqual(expect.objectContaining({}));
  expect([...actions]).toEqual(expect.arrayContaining(['strava:create', 'strava:update', 'strava:delete']));

  // One update goes out before its create; then everything, then 20 % of it again.
  const { update, create } = updateAfterCreate(deliveries);
  const first = await post(exporterUrl, deliveries[update]!);
  expect(first.status).toBe(200);
  await waitFor(async () => (await pending()) === 0, 'update processed');
  const rest = deliveries.filter((_, i) => i !== update);
  const reposts = deliveries.filter((_, i) => i % 5 === 0 && i !== update && i !== create);
  const answers = [...(await postAll(exporterUrl, rest)), ...(await postAll(exporterUrl, reposts))];
  expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  expect(answers.length).toBe(999 + reposts.length);

  await waitFor(async () => (await pending()) === 0, 'every entry acknowledged', {
    timeoutMs: 120_000,
  });

  const { rows } = await pool.query(`
    SELECT (SELECT total_meters FROM global_stats)::numeric AS stored,
           (SELECT coalesce(sum(distance_m), 0) FROM activities WHERE deleted_at IS NULL)::numeric AS live,
           (SELECT total_miles FROM global_stats)::float AS miles,
           (SELECT count(*) FROM activities WHERE deleted_at IS NULL)::int AS n,
           (SELECT count(*) FROM activities WHERE deleted_at IS NOT NULL)::int AS deleted`);
  const totals = rows[0];
  expect(totals.stored).toBe(totals.live);
  expect(Math.abs(totals.miles - Number(totals.live) / 1609.344)).toBeLessThan(0.001);
  expect(totals.deleted).toBeGreaterThan(0);

  // Every (local date, hour) of the rollup equals a direct aggregation of live activities.
  const mismatch = await pool.query(`
    WITH direct AS (
      SELECT start_date_local::date AS d, extract(hour FROM start_date_local)::int AS h, count(*)::int AS n,
             sum(distance_m) AS m
        FROM activities WHERE deleted_at IS NULL GROUP BY 1, 2)
    SELECT * FROM direct FULL JOIN activity_hourly r ON r.local_date = direct.d AND r.local_hour = direct.h
     WHERE coalesce(direct.n, 0) <> coalesce(r.activity_count, 0) OR coalesce(direct.m, 0) <> coalesce(r.distance_m, 0)`);
  expect(mismatch.rows).toEqual([]);

  // The API agrees with SQL over the last 7 local days.
  await redis.redis.del(`${redis.prefix}:cache:heatmap`);
  const heatmap = (await (await fetch(`${exporterUrl}/api/ops/heatmap`)).json()) as { matrix: number[][] };
  const direct = await pool.query(`
    SELECT extract(dow FROM start_date_local)::int AS d, extract(hour FROM start_date_local)::int AS h, count(*)::int AS n
      FROM activities WHERE deleted_at IS NULL AND start_date_local::date > current_date - 7 GROUP BY 1, 2`);
  const expected: number[][] = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  for (const r of direct.rows) expected[r.d]![r.h] = r.n;
  expect(heatmap.matrix).toEqual(expected);
  expect(expected.flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(100);

  const challenge = (await (await fetch(`${exporterUrl}/api/ops/challenge`)).json()) as {
    totalMiles: number;
  };
  expect(Math.abs(challenge.totalMiles - Number(totals.live) / 1609.344)).toBeLessThan(0.001);

  // Re-posts were acknowledged as duplicates, never appended twice.
  const metrics = await (await fetch(`${exporterUrl}/metrics`)).text();
  const duplicates = [...metrics.matchAll(/^ops_webhook_duplicates_total\{provider="\w+"\} (\d+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
  expect(duplicates).toBeGreaterThanOrEqual(reposts.length);

  // The worker really went through the providers: Strava activities fetched (tokens refreshed), Garmin and
  // Apple written, nothing retried forever.
  const workerMetrics = await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text();
  const outcome = (provider: string, name: string) =>
    Number(
      new RegExp(`^ops_ingest_jobs_total\\{provider="${provider}",outcome="${name}"\\} (\\d+)$`, 'm').exec(
        workerMetrics,
      )?.[1] ?? 0,
    );
  expect(outcome('strava', 'created')).toBeGreaterThan(50);
  expect(outcome('garmin', 'created')).toBeGreaterThan(50);
  expect(outcome('apple_health', 'created')).toBeGreaterThan(50);
  // Deletes either removed a stored activity or, arriving before their create was fetched, left a tombstone.
  expect(outcome('strava', 'deleted') + outcome('strava', 'missing')).toBeGreaterThan(0);
  expect(outcome('strava', 'failed')).toBe(0);
  const refreshed = await pool.query(
    `SELECT count(*)::int AS n FROM provider_accounts WHERE provider = 'strava' AND token_expires_at > now()`,
  );
  expect(refreshed.rows[0].n).toBeGreaterThan(0);
  // The early update created the activity; its create, arriving later with an older event time, was stale.
  const early = JSON.parse(deliveries[update]!.body) as { object_id: number };
  const row = await pool.query(
    `SELECT deleted_at FROM activities WHERE provider = 'strava' AND external_id = $1`,
    [String(early.object_id)],
  );
  expect(row.rows).toHaveLength(1);
}, 180_000);
