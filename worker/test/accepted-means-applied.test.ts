import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { INGEST_GROUP, createRedisKeys, type RedisKeys } from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  spawnExporterAndWorker,
  waitFor,
  type ServiceProcess,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import {
  boundaryEpochSeconds,
  boundaryNumber,
  boundaryText,
  runs,
} from '../../exporter/test/properties-support.js';
import {
  appleWorkout,
  garminSummary,
  postJson,
  signedHeaders,
} from '../../exporter/test/webhooks-support.js';

// "A 2xx means the event will be applied": deliveries built from values at the database's and the domain's
// limits go through the real exporter and worker. Whatever is accepted must be applied (acknowledged, its row
// written, nothing dead-lettered); whatever is refused is a 4xx that queued nothing; nothing gets a 5xx.
const APPLE_SECRET = 'apple-health-shared-secret-0123';
let db: TestDatabase;
let redis: TestRedis;
let keys: RedisKeys;
let appleUser: string;
const services: ServiceProcess[] = [];
let exporterUrl: string;

beforeAll(async () => {
  db = await createTestDatabase('applied');
  redis = await createTestRedis('applied');
  keys = createRedisKeys(redis.prefix);
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (name) VALUES ('Garmin'), ('Apple') RETURNING id`,
  );
  appleUser = rows[1]!.id;
  await db.pool.query(
    `INSERT INTO provider_accounts (user_id, provider, external_user_id) VALUES ($1, 'garmin', 'g-edge')`,
    [rows[0]!.id],
  );
  const stack = await spawnExporterAndWorker(
    { DATABASE_URL: db.url.reveal(), REDIS_PREFIX: redis.prefix },
    { exporter: { APPLE_HEALTH_WEBHOOK_SECRET: APPLE_SECRET } },
  );
  services.push(...stack.services);
  exporterUrl = stack.exporterUrl;
}, 60_000);

afterAll(async () => {
  for (const s of services) await s.stop('SIGTERM');
  await redis?.close();
  await db?.drop();
});

/** XINFO's flat [name, value, …] answer as a map. */
const fieldsOf = (flat: unknown[]) => {
  const f = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(String(flat[i]), flat[i + 1]);
  return f;
};

/**
 * True once the worker has read every accepted entry and acknowledged it: the group delivered up to the
 * stream's last id and holds nothing pending. (Not XINFO's `lag`, which Redis may report as unknown.)
 */
async function allAcknowledged(): Promise<boolean> {
  const stream = fieldsOf((await redis.redis.xinfo('STREAM', keys.ingestStream)) as unknown[]);
  const groups = (await redis.redis.xinfo('GROUPS', keys.ingestStream)) as unknown[][];
  const group = groups.map(fieldsOf).find((g) => g.get('name') === INGEST_GROUP);
  return (
    group !== undefined &&
    Number(group.get('pending')) === 0 &&
    group.get('last-delivered-id') === stream.get('last-generated-id')
  );
}

/** Posts one delivery and checks the promise of its answer; resolves with the status. */
async function deliver(
  path: string,
  body: string,
  headers: Record<string, string>,
  [provider, externalId]: [string, string],
) {
  const queued = await redis.redis.xlen(keys.ingestStream);
  const res = await postJson(`${exporterUrl}${path}`, body, headers);
  await res.arrayBuffer();
  if (res.status >= 500) throw new Error(`${res.status} for ${body.slice(0, 300)}`);
  if (res.status >= 400) {
    expect(await redis.redis.xlen(keys.ingestStream)).toBe(queued);
    return res.status;
  }
  await waitFor(async () => ((await allAcknowledged()) ? true : undefined), 'the entry acknowledged', {
    timeoutMs: 10_000,
    intervalMs: 10,
  });
  expect(await redis.redis.xlen(keys.ingestDeadLetter)).toBe(0);
  const { rows } = await db.pool.query(`SELECT 1 FROM activities WHERE provider = $1 AND external_id = $2`, [
    provider,
    externalId,
  ]);
  if (rows.length !== 1) throw new Error(`accepted (${res.status}) but not applied: ${body.slice(0, 300)}`);
  return res.status;
}

/** One field at a time gets a boundary value; the rest stay valid, so each run tests that field's limit. */
function oneFieldAtTheEdge<T extends Record<string, unknown>>(
  fields: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Partial<T>> {
  return fc
    .constantFrom(...Object.keys(fields))
    .chain((name) => fields[name]!.map((value) => ({ [name]: value }) as Partial<T>));
}

it('Garmin pushes and Apple workouts at the limits: 2xx implies applied, else a 4xx, never a 5xx', async () => {
  const nowS = Math.floor(Date.now() / 1000);
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const garmin = oneFieldAtTheEdge({
    summaryId: boundaryText,
    activityType: boundaryText,
    startTimeInSeconds: boundaryEpochSeconds(nowS),
    durationInSeconds: boundaryNumber,
    distanceInMeters: boundaryNumber,
    startTimeOffsetInSeconds: boundaryNumber,
  });
  const iso = (s: number) => (Math.abs(s) < 8e12 ? new Date(s * 1000).toISOString() : String(s));
  const apple = oneFieldAtTheEdge({
    id: boundaryText,
    type: boundaryText,
    timezone: boundaryText,
    distanceMeters: boundaryNumber,
    start: boundaryEpochSeconds(nowS).map(iso),
    end: boundaryEpochSeconds(nowS).map(iso),
  });
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        garmin.map((g) => ['garmin', g] as const),
        apple.map((a) => ['apple', a] as const),
      ),
      async ([provider, edge]) => {
        n += 1;
        if (provider === 'garmin') {
          const summary = garminSummary('g-edge', {
            summaryId: `edge-${n}`,
            startTimeInSeconds: nowS - 7_200,
            ...edge,
          });
          const body = JSON.stringify({ activities: [summary] });
          count(await deliver('/api/webhooks/garmin', body, {}, ['garmin', String(summary.summaryId)]));
        } else {
          const start = new Date((nowS - 7_200) * 1000).toISOString();
          const end = new Date((nowS - 3_600) * 1000).toISOString();
          const workout = appleWorkout({
            id: `edge-${randomUUID()}`,
            userId: appleUser,
            start,
            end,
            ...edge,
          });
          const body = JSON.stringify({ workouts: [workout] });
          count(
            await deliver('/api/webhooks/apple-health', body, signedHeaders(APPLE_SECRET, body), [
              'apple_health',
              String(workout.id),
            ]),
          );
        }
      },
    ),
    runs(300),
  );
  process.stdout.write(`accepted-means-applied: statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
  // Both sides of the limits were reached.
  expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
  expect(statuses.get(422) ?? 0).toBeGreaterThan(0);
}, 120_000);
