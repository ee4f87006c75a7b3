import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Registry } from 'prom-client';
import {
  INGEST_FIELD,
  closeRedis,
  createRedis,
  createRedisKeys,
  type IngestEnvelope,
  type Provider,
  type Redis,
  type RedisKeys,
} from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  silentLogger,
  waitFor,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { IngestConsumer } from '../src/ingest/consumer.js';
import { applyPrepared, createPreparer } from '../src/ingest/process.js';
import { createIngestAdapters } from '../src/ingest/registry.js';
import { createWorkerMetrics } from '../src/metrics.js';
import { limitPerProvider, type ProviderCall } from '../src/providers/calls.js';
import { callsTo } from './calls-support.js';

// One hostile or dead provider endpoint must hold back only its own entry: a Garmin callback that accepts the
// connection and never answers used to stall every entry read with or after it until its timeout.
let db: TestDatabase;
let t: TestRedis;
let keys: RedisKeys;
let connection: Redis;
let consumer: IngestConsumer | undefined;
let hanging: http.Server;
const sockets = new Set<Socket>();
let registry: Registry;

const DEADLINE_MS = 2_000;

beforeAll(async () => {
  db = await createTestDatabase('isolate');
  t = await createTestRedis('isolate');
  keys = createRedisKeys(t.prefix);
  connection = createRedis({ url: t.url, role: 'blocking', logger: silentLogger, name: 'test-isolate' });
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (name) VALUES ('Iso') RETURNING id`,
  );
  await db.pool.query(
    `INSERT INTO provider_accounts (user_id, provider, external_user_id) VALUES ($1, 'garmin', 'g-iso')`,
    [rows[0]!.id],
  );
  // Takes the request and says nothing, ever.
  hanging = http.createServer(() => undefined);
  hanging.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await consumer?.close();
  for (const s of sockets) s.destroy();
  await new Promise((r) => hanging.close(r));
  await closeRedis(connection);
  await t?.close();
  await db?.drop();
});

function push(summaryId: string): IngestEnvelope {
  return {
    provider: 'garmin',
    kind: 'garmin_activity',
    eventId: `activity:${summaryId}`,
    receivedAt: new Date().toISOString(),
    body: {
      userId: 'g-iso',
      summaryId,
      activityType: 'RUNNING',
      startTimeInSeconds: Math.floor(Date.now() / 1000) - 3_600,
      startTimeOffsetInSeconds: 0,
      durationInSeconds: 600,
      distanceInMeters: 1_000,
    },
  };
}

const append = (e: IngestEnvelope) => t.redis.xadd(keys.ingestStream, '*', INGEST_FIELD, JSON.stringify(e));

/** Appends `n` pushes 25 ms apart; resolves with each one's delay from append to its transaction (ms). */
async function delaysOf(prefix: string, n: number): Promise<number[]> {
  const appended = new Map<string, number>();
  for (let i = 0; i < n; i += 1) {
    appended.set(`${prefix}-${i}`, Date.now());
    await append(push(`${prefix}-${i}`));
    await new Promise((r) => setTimeout(r, 25));
  }
  const rows = await waitFor(
    async () => {
      const { rows } = await db.pool.query<{ external_id: string; at: Date }>(
        `SELECT external_id, created_at AS at FROM activities WHERE external_id LIKE $1`,
        [`${prefix}-%`],
      );
      return rows.length === n ? rows : undefined;
    },
    `${n} pushes committed`,
    { timeoutMs: 10_000, intervalMs: 20 },
  );
  return rows.map((r) => Math.max(0, r.at.getTime() - appended.get(r.external_id)!));
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.99) - 1]!;

it('a never-answering callback holds back only its own entry, which is set aside after its deadline', async () => {
  registry = new Registry();
  const metrics = createWorkerMetrics(registry, {
    jobCounts: async () => ({}),
    ingestPending: async () => 0,
    ingestInFlight: () => consumer?.inFlight ?? 0,
  });
  const adapters = createIngestAdapters({
    call: limitPerProvider(
      callsTo([`http://127.0.0.1:${(hanging.address() as AddressInfo).port}`], 30_000),
      4,
    ),
    settings: { STRAVA_API_URL: 'http://127.0.0.1:1' },
  });
  consumer = new IngestConsumer({
    redis: connection,
    commands: t.redis,
    keys,
    batchSize: 50,
    lingerMs: 20,
    claimIdleMs: 60_000, // no retry comes due during the test: the set-aside entry stays pending
    maxDeliveries: 5,
    prepare: createPreparer({ pool: db.pool, adapters }, { deadlineMs: DEADLINE_MS }),
    apply: (batch) => applyPrepared(db.pool, batch),
    logger: silentLogger,
    metrics,
  });
  consumer.start();

  const calm = await delaysOf('calm', 20);
  const { port } = hanging.address() as AddressInfo;
  const pingAt = Date.now();
  await append({
    provider: 'garmin',
    kind: 'garmin_ping',
    eventId: 'ping:hang',
    receivedAt: new Date().toISOString(),
    body: { userId: 'g-iso', callbackURL: `http://127.0.0.1:${port}/never` },
  });
  await waitFor(async () => sockets.size > 0 || undefined, 'the callback connected', { intervalMs: 5 });
  const hostile = await delaysOf('hostile', 20);
  const committedAt = Date.now();
  process.stdout.write(
    `isolation: p99 delay append→commit ${p99(calm)} ms calm, ${p99(hostile)} ms beside a hanging callback ` +
      `(max ${Math.max(...hostile)} ms; deadline ${DEADLINE_MS} ms)\n`,
  );
  // All 20 committed while the ping still waited: none of them waited for it.
  expect(committedAt - pingAt).toBeLessThan(DEADLINE_MS);
  // Acknowledged just after their commit; the ping alone stays in flight.
  await waitFor(async () => (consumer!.inFlight === 1 ? true : undefined), 'the pushes acknowledged', {
    intervalMs: 5,
  });
  expect(Date.now() - pingAt).toBeLessThan(DEADLINE_MS);
  const gauge = await registry.getSingleMetric('ops_ingest_in_flight')!.get();
  expect(gauge.values[0]?.value).toBe(1);
  expect(Math.max(...hostile)).toBeLessThan(DEADLINE_MS / 2);

  // At its deadline the ping is set aside for retry: pending, neither applied nor dead-lettered.
  await waitFor(async () => (consumer!.inFlight === 0 ? true : undefined), 'the ping set aside', {
    timeoutMs: DEADLINE_MS * 3,
  });
  expect(Date.now() - pingAt).toBeGreaterThanOrEqual(DEADLINE_MS);
  const jobs = (await registry.getSingleMetric('ops_ingest_jobs_total')!.get()).values;
  expect(jobs.find((v) => v.labels.outcome === 'retried')?.value).toBe(1);
  expect(jobs.find((v) => v.labels.outcome === 'failed')).toBeUndefined();
  expect(await t.redis.xlen(keys.ingestDeadLetter)).toBe(0);
  const retry = JSON.parse((await t.redis.hvals(keys.ingestRetry))[0]!) as { failures: number };
  expect(retry.failures).toBe(1);
  expect(Number((await db.pool.query(`SELECT count(*) FROM activities`)).rows[0].count)).toBe(40);
}, 30_000);

it('a provider whose calls hang holds its own call slots only', async () => {
  const held: (() => void)[] = [];
  const call: ProviderCall = (provider: Provider) =>
    provider === 'garmin' ? new Promise((r) => held.push(() => r('late'))) : Promise.resolve('now');
  const limited = limitPerProvider(call, 2);
  const garmin = [1, 2, 3].map(() => limited('garmin', 'http://127.0.0.1/x'));
  expect(await limited('polar', 'http://127.0.0.1/y')).toBe('now');
  await new Promise((r) => setImmediate(r));
  expect(held).toHaveLength(2); // the third Garmin call waits for a slot
  held.splice(0).forEach((release) => release());
  await new Promise((r) => setImmediate(r));
  held.splice(0).forEach((release) => release());
  expect(await Promise.all(garmin)).toEqual(['late', 'late', 'late']);
});
