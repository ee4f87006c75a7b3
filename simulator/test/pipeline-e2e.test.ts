import { createRedisKeys, dropDatabase, Secret, type Provider } from '@ops-cockpit/core';
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
import {
  generateDeliveries,
  idBaseFor,
  polarPing,
  seedDemo,
  type Delivery,
  type World,
} from '../src/index.js';
import { pendingEntries, post, postAll, startSimulator, type RunningSimulator } from './helpers.js';

/**
 * The whole ingestion path for real: the built exporter and worker as processes, the simulator's fake Strava API,
 * Garmin callbacks and Polar AccessLink in this process (so the test shares its world with the event generator),
 * real Postgres and Redis. 1,000 mixed deliveries of all four providers, 20 % re-posted, one update sent before
 * its create, Polar's creation PING; every activity the traffic touched ends exactly as the providers hold it.
 */

const APPLE_SECRET = 'whsec_' + Buffer.from('e2e-apple-secret-0123456789').toString('base64');
const POLAR_SECRET = 'e2e-polar-signature-secret-key';
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
    POLAR_WEBHOOK_SECRET: POLAR_SECRET,
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
    GARMIN_API_HOSTS: sim.url,
    POLAR_API_URL: sim.url,
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

// The deliveries' bodies, read loosely: each provider's shape is checked by its own tests.
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Per provider, the ids of the activities one delivery created, changed or deleted (Garmin pings: their callback's). */
const TOUCHED: Record<Provider, (body: Body, world: World) => unknown[]> = {
  strava: (b) => (b.object_type === 'activity' ? [b.object_id] : []),
  garmin: (b, world) =>
    b.activities.flatMap((entry: Body) => {
      const callback = /\/garmin\/callback\/(.+)$/.exec(entry.callbackURL ?? '')?.[1];
      if (!callback) return [entry.summaryId];
      return (world.garminCallback(callback) ?? []).map((summary) => summary.summaryId);
    }),
  apple_health: (b) => b.workouts.map((w: Body) => w.id),
  polar: (b) => (b.event === 'EXERCISE' ? [b.entity_id] : []),
};

function touchedIds(deliveries: readonly Delivery[], world: World): Map<Provider, Set<string>> {
  const ids = new Map<Provider, Set<string>>();
  for (const d of deliveries) {
    const set = ids.get(d.provider) ?? new Set<string>();
    for (const id of TOUCHED[d.provider](JSON.parse(d.body) as Body, world)) set.add(String(id));
    ids.set(d.provider, set);
  }
  return ids;
}

it('applies 1,000 mixed deliveries exactly once: total, rollup and heatmap agree with the activities', async () => {
  const deliveries = generateDeliveries({
    world: sim.world,
    seed: 4242,
    simulatorUrl: sim.url,
    subscriptionId: 0,
    appleSecret: APPLE_SECRET,
    polarSecret: POLAR_SECRET,
    idBase: idBaseFor(Date.now()),
    count: 1_000,
    startMs: Date.now(),
    intervalMs: 10,
  });
  const byProvider = (p: Provider) => deliveries.filter((d) => d.provider === p).length;
  expect(byProvider('strava')).toBeGreaterThan(100);
  expect(byProvider('garmin')).toBeGreaterThan(100);
  expect(byProvider('apple_health')).toBeGreaterThan(100);
  expect(byProvider('polar')).toBeGreaterThan(100);
  const actions = new Set(deliveries.map((d) => `${d.provider}:${d.action}`));
  expect(actions).toEqual(expect.objectContaining({}));
  expect([...actions]).toEqual(expect.arrayContaining(['strava:create', 'strava:update', 'strava:delete']));

  const { rows: seeded } = await pool.query(
    'SELECT total_meters::numeric AS m, activity_count::int AS n FROM global_stats',
  );
  // Polar's creation PING, unsigned (the key comes after it): 200, and nothing reaches the stream.
  const ping = await post(exporterUrl, polarPing(Date.now()));
  expect(ping).toMatchObject({ status: 200, body: { accepted: 0, duplicates: 0 } });

  // One update goes out before its create; then everything, then 20 % of it again. The first pass goes one at a
  // time: Garmin and Apple Health changes carry no provider time, so two changes of one activity in flight at
  // once could land in either order, as they would from the real providers. Re-posts change nothing: in parallel.
  const { update, create } = updateAfterCreate(deliveries);
  const first = await post(exporterUrl, deliveries[update]!);
  expect(first.status).toBe(200);
  await waitFor(async () => (await pending()) === 0, 'update processed');
  const rest = deliveries.filter((_, i) => i !== update);
  const reposts = deliveries.filter((_, i) => i % 5 === 0 && i !== update && i !== create);
  const answers = [...(await postAll(exporterUrl, rest, 1)), ...(await postAll(exporterUrl, reposts))];
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

  // Exactly as the providers hold it: per provider, every activity the traffic touched is live in Postgres with
  // the provider's distance if and only if the provider still has it, and the total grew by exactly their sum.
  let trafficMeters = 0;
  let trafficCount = 0;
  for (const [provider, ids] of touchedIds(deliveries, sim.world)) {
    const { rows: stored } = await pool.query<{ id: string; m: number; live: boolean }>(
      `SELECT external_id AS id, distance_m::float AS m, deleted_at IS NULL AS live
         FROM activities WHERE provider = $1 AND external_id = ANY($2::text[])`,
      [provider, [...ids]],
    );
    const live = new Map(stored.filter((r) => r.live).map((r) => [r.id, r.m]));
    const expected = new Map(
      [...ids].flatMap((id) => {
        const a = sim.world.activity(provider, id);
        return a ? [[id, a.distanceM] as const] : [];
      }),
    );
    expect([...live.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, m] of expected) expect(live.get(id)).toBeCloseTo(m, 6);
    expect(expected.size).toBeGreaterThan(provider === 'polar' ? 80 : 50);
    trafficMeters += [...expected.values()].reduce((a, b) => a + b, 0);
    trafficCount += expected.size;
  }
  expect(Number(totals.stored)).toBeCloseTo(Number(seeded[0].m) + trafficMeters, 3);
  expect(totals.n).toBe(seeded[0].n + trafficCount);

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
  await redis.redis.del(createRedisKeys(redis.prefix).heatmapCache);
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
  // Apple written, Polar exercises fetched with the users' tokens, nothing retried forever.
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
  expect(outcome('polar', 'created')).toBeGreaterThan(80);
  expect(outcome('polar', 'failed') + outcome('polar', 'skipped')).toBe(0);
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
