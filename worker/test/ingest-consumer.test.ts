import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import {
  INGEST_FIELD,
  INGEST_GROUP,
  createRedis,
  createRedisKeys,
  closeRedis,
  type IngestEnvelope,
  type StandaloneRedis,
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
import { ingestPending } from '../src/ingest/ingest-stream.js';
import {
  applyPrepared,
  createPreparer,
  processEnvelope,
  type IngestOutcome,
  type Prepared,
} from '../src/ingest/process.js';
import { createWorkerMetrics, type WorkerMetrics } from '../src/metrics.js';
import { ProviderError } from '../src/providers/errors.js';
import { createIngestAdapters } from '../src/ingest/registry.js';
import { callsTo } from './calls-support.js';

let db: TestDatabase;
let t: TestRedis;
let keys: RedisKeys;
let blocking: StandaloneRedis;
let registry: Registry;
let metrics: WorkerMetrics;
const consumers: IngestConsumer[] = [];
const connections: StandaloneRedis[] = [];
let userId: string;

beforeEach(async () => {
  db = await createTestDatabase('ingest');
  t = await createTestRedis('ingest');
  keys = createRedisKeys(t.prefix);
  blocking = createRedis({ url: t.url, role: 'blocking', logger: silentLogger, name: 'test-ingest' });
  registry = new Registry();
  metrics = createWorkerMetrics(registry, { jobCounts: async () => ({}), ingestPending: async () => 0 });
  userId = (await db.pool.query(`INSERT INTO users (name) VALUES ('Ada') RETURNING id`)).rows[0].id;
  await db.pool.query(
    `INSERT INTO provider_accounts (user_id, provider, external_user_id) VALUES ($1, 'garmin', 'g-ada')`,
    [userId],
  );
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.close()));
  await Promise.all(connections.splice(0).map((c) => closeRedis(c)));
  await closeRedis(blocking);
  await t.close();
  await db.drop();
});

// The Strava client is never reached in these tests (no Strava envelopes); a closed port proves it.
const adapters = createIngestAdapters({
  call: callsTo([], 500),
  settings: { STRAVA_API_URL: 'http://127.0.0.1:1' },
});

function start(
  process?: (e: IngestEnvelope) => Promise<IngestOutcome>,
  opts: { claimIdleMs?: number; maxDeliveries?: number; lingerMs?: number } = {},
): IngestConsumer {
  const connection = blocking.duplicate();
  connections.push(connection);
  const consumer = new IngestConsumer({
    redis: connection,
    commands: t.redis,
    keys,
    batchSize: 50,
    lingerMs: opts.lingerMs ?? 20,
    claimIdleMs: opts.claimIdleMs ?? 300,
    maxDeliveries: opts.maxDeliveries ?? 3,
    // A custom `process` settles each entry in the prepare step; the real path prepares then applies in batches.
    prepare: process
      ? (envelopes) =>
          envelopes.map((e) =>
            process(e).then(
              (outcome): Prepared => ({ outcome }),
              (err: unknown) => err as Error,
            ),
          )
      : createPreparer({ pool: db.pool, adapters }, { deadlineMs: 5_000 }),
    apply: (batch) => applyPrepared(db.pool, batch),
    logger: silentLogger,
    metrics,
  });
  consumer.start();
  consumers.push(consumer);
  return consumer;
}

/** The real prepare-and-apply of one entry, for tests whose `process` fails some calls first. */
const real = (e: IngestEnvelope) => processEnvelope({ pool: db.pool, adapters }, e);

function garmin(summaryId: string, distance: number, user = 'g-ada'): IngestEnvelope {
  return {
    provider: 'garmin',
    kind: 'garmin_activity',
    eventId: `activity:${summaryId}:${distance}`,
    receivedAt: new Date().toISOString(),
    body: {
      userId: user,
      summaryId,
      activityType: 'RUNNING',
      startTimeInSeconds: 1_780_000_000,
      startTimeOffsetInSeconds: -7 * 3600,
      durationInSeconds: 1800,
      distanceInMeters: distance,
    },
  };
}

function apple(id: string, distance: number, deleted = false, user = userId): IngestEnvelope {
  return {
    provider: 'apple_health',
    kind: 'apple_workout',
    eventId: `${id}:${distance}:${deleted}`,
    receivedAt: new Date().toISOString(),
    body: {
      id,
      userId: user,
      type: 'walking',
      start: '2026-06-01T19:05:00+02:00',
      end: '2026-06-01T19:50:00+02:00',
      timezone: 'Europe/Berlin',
      distanceMeters: distance,
      deleted,
    },
  };
}

async function append(...envelopes: IngestEnvelope[]): Promise<string[]> {
  const ids: string[] = [];
  for (const e of envelopes)
    ids.push((await t.redis.xadd(keys.ingestStream, '*', INGEST_FIELD, JSON.stringify(e)))!);
  return ids;
}

const pending = () => ingestPending(t.redis, keys.ingestStream);
const outcomes = async () => (await registry.getSingleMetric('ops_ingest_jobs_total')!.get()).values;
const total = async () =>
  Number((await db.pool.query('SELECT total_meters FROM global_stats')).rows[0].total_meters);

describe('ingest consumer', () => {
  it('tops a short read up after INGEST_BATCH_LINGER_MS and applies it as one batch', async () => {
    start(undefined, { lingerMs: 1_000 });
    await append(garmin('s1', 1000));
    await new Promise((r) => setTimeout(r, 100));
    // Read by now (or read together with the next two): either way the three are one batch.
    await append(garmin('s2', 2000), garmin('s3', 3000));
    await waitFor(async () => (await pending()) === 0, 'all entries acknowledged');
    expect(await total()).toBe(6000);
    const batches = (await registry.getSingleMetric('ops_ingest_batch_entries')!.get()).values as {
      metricName?: string;
      value: number;
    }[];
    expect(batches.find((v) => v.metricName === 'ops_ingest_batch_entries_count')?.value).toBe(1);
    expect(batches.find((v) => v.metricName === 'ops_ingest_batch_entries_sum')?.value).toBe(3);
  });

  it('applies Garmin and Apple entries, acknowledges them after commit, and skips unknown users', async () => {
    start();
    await append(
      garmin('s1', 5000),
      garmin('s1', 5500), // an update of the same summary
      garmin('s2', 1000, 'g-stranger'),
      apple('w1', 3000),
      apple('w2', 800, false, randomUUID()),
    );
    await waitFor(async () => (await pending()) === 0, 'all entries acknowledged');
    expect(await total()).toBe(8500);
    const { rows } = await db.pool.query(
      `SELECT provider, external_id, distance_m::float AS d, to_char(start_date_local, 'YYYY-MM-DD"T"HH24:MI') AS local
         FROM activities ORDER BY provider, external_id`,
    );
    expect(rows).toEqual([
      { provider: 'apple_health', external_id: 'w1', d: 3000, local: '2026-06-01T19:05' },
      {
        provider: 'garmin',
        external_id: 's1',
        d: 5500,
        local: new Date((1_780_000_000 - 7 * 3600) * 1000).toISOString().slice(0, 16),
      },
    ]);
    const values = await outcomes();
    const count = (provider: string, outcome: string) =>
      values.find((v) => v.labels.provider === provider && v.labels.outcome === outcome)?.value ?? 0;
    expect(count('garmin', 'created') + count('garmin', 'updated')).toBe(2);
    expect(count('garmin', 'skipped')).toBe(1);
    expect(count('apple_health', 'skipped')).toBe(1);

    await append(apple('w1', 3000, true));
    await waitFor(async () => (await total()) === 5500, 'apple delete applied');
  });

  it('retries a transient failure with backoff and applies the entry exactly once', async () => {
    let calls = 0;
    start(async (e) => {
      calls += 1;
      if (calls === 1) throw new ProviderError('server', 'HTTP 503');
      return real(e);
    });
    await append(garmin('r1', 4200));
    await waitFor(async () => (await pending()) === 0, 'retried entry acknowledged', { timeoutMs: 10_000 });
    expect(calls).toBe(2);
    expect(await total()).toBe(4200);
    expect(await t.redis.hlen(keys.ingestRetry)).toBe(0);
  });

  it('dead-letters a permanent failure with its reason, without retrying', async () => {
    let calls = 0;
    start(async () => {
      calls += 1;
      throw new ProviderError('not_found', 'GET /api/v3/activities/9: HTTP 404');
    });
    const [id] = await append(garmin('d1', 100));
    await waitFor(async () => (await t.redis.xlen(keys.ingestDeadLetter)) === 1, 'dead letter');
    const [entry] = (await t.redis.xrange(keys.ingestDeadLetter, '-', '+')) as [string, string[]][];
    const fields = entry![1];
    expect(fields).toEqual(
      expect.arrayContaining(['reason', 'GET /api/v3/activities/9: HTTP 404', 'source_id', id]),
    );
    expect(await pending()).toBe(0);
    expect(calls).toBe(1);
  });

  it('gives up after the most deliveries and keeps the entry in the dead-letter stream', async () => {
    let calls = 0;
    start(
      async () => {
        calls += 1;
        throw new Error('connection terminated');
      },
      { maxDeliveries: 3, claimIdleMs: 100 },
    );
    await append(garmin('x1', 100));
    await waitFor(async () => (await t.redis.xlen(keys.ingestDeadLetter)) === 1, 'dead letter', {
      timeoutMs: 10_000,
    });
    expect(calls).toBe(3);
    expect(await pending()).toBe(0);
  });

  it('waits out a database outage however long it lasts, without dead-lettering, then applies once', async () => {
    let calls = 0;
    // Six failures as node-postgres reports a stopped server, twice the most deliveries.
    start(
      async (e) => {
        calls += 1;
        if (calls <= 6)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        return real(e);
      },
      { maxDeliveries: 3, claimIdleMs: 100 },
    );
    await append(garmin('o1', 2500));
    await waitFor(async () => (await pending()) === 0, 'applied after the outage', { timeoutMs: 15_000 });
    expect(calls).toBe(7);
    expect(await t.redis.xlen(keys.ingestDeadLetter)).toBe(0);
    expect(await total()).toBe(2500);
    const retried = (await outcomes()).find((v) => v.labels.outcome === 'retried')?.value;
    expect(retried).toBe(6);
  });

  it('takes over the entries of a consumer that died before acknowledging', async () => {
    await append(garmin('k1', 700), garmin('k2', 300));
    await t.redis.xgroup('CREATE', keys.ingestStream, INGEST_GROUP, '0', 'MKSTREAM');
    // A consumer reads both and dies: they stay pending under its name.
    await t.redis.xreadgroup(
      'GROUP',
      INGEST_GROUP,
      'dead-consumer',
      'COUNT',
      10,
      'STREAMS',
      keys.ingestStream,
      '>',
    );
    expect(await pending()).toBe(2);
    start(undefined, { claimIdleMs: 300 });
    await waitFor(async () => (await pending()) === 0, 'claimed and applied');
    expect(await total()).toBe(1000);
  });

  it('keeps a slow batch its own: no other consumer takes it over while it is being applied', async () => {
    const calls = new Map<string, number>();
    const slow = async (e: IngestEnvelope): Promise<IngestOutcome> => {
      const id = e.eventId;
      calls.set(id, (calls.get(id) ?? 0) + 1);
      // Four times claimIdleMs: without the heartbeat the second consumer would claim it after 300 ms.
      await new Promise((r) => setTimeout(r, 1_200));
      return 'ignored';
    };
    start(slow, { claimIdleMs: 300 });
    await append(garmin('slow-batch', 1));
    await waitFor(async () => calls.size === 1, 'first consumer started it');
    start(slow, { claimIdleMs: 300 });
    await waitFor(async () => (await pending()) === 0, 'applied', { timeoutMs: 10_000 });
    expect([...calls.values()]).toEqual([1]);
  });

  it('dead-letters an entry it cannot parse instead of looping on it', async () => {
    start();
    await t.redis.xadd(keys.ingestStream, '*', INGEST_FIELD, '{not json');
    await append(garmin('ok', 10));
    await waitFor(async () => (await pending()) === 0, 'both handled');
    expect(await t.redis.xlen(keys.ingestDeadLetter)).toBe(1);
    expect(await total()).toBe(10);
  });

  it('applies an entry whose retry state is garbled, and the entries read with it', async () => {
    const [garbled] = await append(garmin('g1', 40), garmin('g2', 2));
    // Left by a corrupted write or an older version: once it stopped every read that carried this entry.
    await t.redis.hset(keys.ingestRetry, garbled!, '{"failures":');
    start();
    await waitFor(async () => (await pending()) === 0, 'both applied');
    expect(await total()).toBe(42);
    expect(await t.redis.hlen(keys.ingestRetry)).toBe(0);
  });

  it('creates its group again when Redis lost it, and goes on applying', async () => {
    start();
    await append(garmin('before', 100));
    await waitFor(async () => (await pending()) === 0 && (await total()) === 100, 'first applied');
    // What a Redis restarted without its data looks like to the consumer: no stream, no group (NOGROUP).
    await t.redis.del(keys.ingestStream);
    await new Promise((r) => setTimeout(r, 200));
    await append(garmin('after', 50));
    await waitFor(async () => (await total()) === 150, 'applied after the group came back', {
      timeoutMs: 10_000,
    });
  });

  it('finishes the entry in progress on close', async () => {
    let finished = false;
    const c = start(async () => {
      await new Promise((r) => setTimeout(r, 300));
      finished = true;
      return 'ignored';
    });
    await append(garmin('slow', 1));
    await waitFor(
      async () => (await t.redis.xinfo('GROUPS', keys.ingestStream)) !== null && (await pending()) === 1,
      'read',
    );
    await new Promise((r) => setTimeout(r, 50));
    await c.close();
    expect(finished).toBe(true);
    expect(await pending()).toBe(0);
  });
});
