import {
  closeRedis,
  createRedis,
  createRedisKeys,
  DEDUP_TTL_SECONDS,
  INGEST_FIELD,
  type IngestEnvelope,
  type Redis,
} from '@ops-cockpit/core';
import { silentLogger, startPrivateRedis, waitFor, type PrivateRedis } from '@ops-cockpit/core/testing';
import {
  AppendTimeout,
  ReplicationShortfall,
  appendArgs,
  chunkDeliveries,
  createIngestAppender,
  MAX_ENVELOPES_PER_CALL,
  splitAnswer,
  type IngestAppender,
} from '../src/webhooks/ingest-append.js';

/**
 * The batched appender against a Redis of its own (its command counts are exact, and it can be paused without
 * touching anyone else's server): one script call per event-loop turn, each delivery answered from that call,
 * deduplication across the deliveries of one call, and a 503-worthy timeout when Redis does not answer.
 */

const prefix = 'ops_append_test';
const keys = createRedisKeys(prefix);
let server: PrivateRedis;
let redis: Redis;
let admin: Redis;
const appenders: IngestAppender[] = [];

beforeAll(async () => {
  server = await startPrivateRedis();
  redis = createRedis({ url: server.url, role: 'command', logger: silentLogger, name: 'append' });
  admin = createRedis({ url: server.url, role: 'command', logger: silentLogger, name: 'append-admin' });
  await waitFor(() => redis.status === 'ready' && admin.status === 'ready', 'redis ready');
});

afterEach(async () => {
  for (const a of appenders.splice(0)) a.close();
  await admin.flushall();
  await admin.config('RESETSTAT');
});

afterAll(async () => {
  await closeRedis(redis);
  await closeRedis(admin);
  await server?.destroy();
});

function appender(
  timeoutMs = 1_500,
  more: Partial<Parameters<typeof createIngestAppender>[0]> = {},
): IngestAppender {
  const a = createIngestAppender({
    redis,
    keys,
    maxlen: 1_000_000,
    dedupSeconds: DEDUP_TTL_SECONDS,
    timeoutMs,
    ...more,
  });
  appenders.push(a);
  return a;
}

const envelope = (n: number): IngestEnvelope => ({
  provider: 'strava',
  kind: 'strava_event',
  eventId: `activity:${n}:create:1`,
  receivedAt: '2026-11-26T12:00:00.000Z',
  body: {
    object_type: 'activity',
    object_id: n,
    aspect_type: 'create',
    updates: {},
    owner_id: 7,
    subscription_id: 1,
    event_time: 1,
  },
});

/** Script calls Redis ran (EVAL the first time on a connection, EVALSHA after). */
async function scriptCalls(): Promise<number> {
  const stats = await admin.info('commandstats');
  let calls = 0;
  for (const m of stats.matchAll(/^cmdstat_(eval|evalsha):calls=(\d+)/gm)) calls += Number(m[2]);
  return calls;
}

async function streamIds(): Promise<number[]> {
  const entries = await admin.xrange(keys.ingestStream, '-', '+');
  return entries.map(([, f]) => {
    expect(f[0]).toBe(INGEST_FIELD);
    return (JSON.parse(f[1]!) as { body: { object_id: number } }).body.object_id;
  });
}

describe('the pure parts', () => {
  const delivery = (n: number) => ({ markers: Array.from({ length: n }, (_, i) => `m${n}-${i}`) });

  it('groups deliveries in order into calls of at most max envelopes, never splitting one', () => {
    const [a, b, c, d] = [delivery(2), delivery(3), delivery(6), delivery(1)];
    expect(chunkDeliveries([a, b, c, d], 5)).toEqual([[a, b], [c], [d]]);
    expect(chunkDeliveries([a, b], 5)).toEqual([[a, b]]);
    expect(chunkDeliveries([], 5)).toEqual([]);
  });

  it('lays out keys and per-envelope copies and bodies as the script reads them', () => {
    const group = [
      { markers: ['k1', 'k2'], bodies: ['b1', 'b2'], copies: 1 as const },
      { markers: ['k3'], bodies: ['b3'], copies: 2 as const },
    ];
    expect(appendArgs(group, 'stream', 1000, 3600)).toEqual({
      numKeys: 4,
      args: ['stream', 'k1', 'k2', 'k3', 1000, 3600, INGEST_FIELD, 1, 'b1', 1, 'b2', 2, 'b3'],
    });
  });

  it('splits the flat answer back per delivery, and refuses an answer of the wrong length', () => {
    const group = [delivery(2), delivery(1), delivery(3)];
    expect(splitAnswer(group, [1, 0, 1, 0, 0, 1])).toEqual([[true, false], [true], [false, false, true]]);
    expect(() => splitAnswer(group, [1, 0])).toThrow(/2 results for 3 deliveries/);
  });
});

describe('against Redis', () => {
  it('sends every delivery of one turn in one script call and answers each with its own results', async () => {
    const a = appender();
    const results = await Promise.all([
      a.append([envelope(1), envelope(2)]),
      a.append([envelope(3)]),
      // The same event as the first delivery's second envelope: a duplicate within the same call.
      a.append([envelope(2), envelope(4)]),
    ]);
    expect(results).toEqual([[true, true], [true], [false, true]]);
    expect(await scriptCalls()).toBe(1);
    expect(await streamIds()).toEqual([1, 2, 3, 4]);
    // Each marker carries the dedup TTL.
    const ttl = await admin.ttl(keys.seenEvent('strava', envelope(3).eventId));
    expect(ttl).toBeGreaterThan(DEDUP_TTL_SECONDS - 60);
  });

  it('appends a duplicate-flagged delivery twice, and only that one', async () => {
    const a = appender();
    const results = await Promise.all([
      a.append([envelope(10)], { duplicate: true }),
      a.append([envelope(11)]),
    ]);
    expect(results).toEqual([[true], [true]]);
    expect(await streamIds()).toEqual([10, 10, 11]);
  });

  it('splits a turn with more than MAX_ENVELOPES_PER_CALL envelopes into several calls', async () => {
    const a = appender();
    const deliveries = Array.from({ length: 3 }, (_, d) =>
      Array.from({ length: 200 }, (_, i) => envelope(1_000 + d * 200 + i)),
    );
    expect(deliveries.flat().length).toBeGreaterThan(MAX_ENVELOPES_PER_CALL);
    const results = await Promise.all(deliveries.map((d) => a.append(d)));
    expect(results.map((r) => r.every(Boolean) && r.length)).toEqual([200, 200, 200]);
    expect(await scriptCalls()).toBe(2);
    expect(await admin.xlen(keys.ingestStream)).toBe(600);
  });

  it('rejects with AppendTimeout when Redis does not answer in time; the late append stays deduplicated', async () => {
    const a = appender(300);
    // A paused Redis holds every write (the script) but keeps the connection: the "slow Redis" case.
    await admin.call('CLIENT', 'PAUSE', '1500', 'WRITE');
    const started = Date.now();
    const outcome = await a.append([envelope(20)]).catch((err: unknown) => err);
    const waited = Date.now() - started;
    expect(outcome).toBeInstanceOf(AppendTimeout);
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(1_000); // the deadline plus at most one sweep, not the pause
    await admin.call('CLIENT', 'UNPAUSE');
    // Redis ran the held call after all: the provider's retry is then a duplicate, and the event is on once.
    await waitFor(async () => (await admin.xlen(keys.ingestStream)) === 1, 'late append');
    expect(await a.append([envelope(20)])).toEqual([false]);
    expect(await streamIds()).toEqual([20]);
  });

  it('rejects every delivery of a call with the Redis error when the call fails', async () => {
    const a = appender();
    await admin.set(keys.ingestStream, 'not a stream');
    const outcomes = await Promise.all([
      a.append([envelope(30)]).catch((err: Error) => err.message),
      a.append([envelope(31)]).catch((err: Error) => err.message),
    ]);
    expect(outcomes).toEqual([expect.stringMatching(/WRONGTYPE/), expect.stringMatching(/WRONGTYPE/)]);
    // Nothing half-written: no marker without its entry.
    expect(await admin.exists(keys.seenEvent('strava', envelope(30).eventId))).toBe(0);
  });

  it('keeps a marker for INGEST_DEDUP_SECONDS: a redelivery within it is a duplicate, one after it is appended', async () => {
    const a = appender(1_500, { dedupSeconds: 60 });
    expect(await a.append([envelope(40)])).toEqual([true]);
    const ttl = await admin.ttl(keys.seenEvent('strava', envelope(40).eventId));
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await a.append([envelope(40)])).toEqual([false]);
    // The window has passed (as if: the marker expires exactly when its TTL runs out).
    await admin.pexpire(keys.seenEvent('strava', envelope(40).eventId), 1);
    await waitFor(
      async () => (await admin.exists(keys.seenEvent('strava', envelope(40).eventId))) === 0,
      'expiry',
    );
    expect(await a.append([envelope(40)])).toEqual([true]);
    expect(await streamIds()).toEqual([40, 40]);
  });

  it('refuses a dedup window that is not a positive whole number of seconds', () => {
    expect(() => appender(1_500, { dedupSeconds: 0 })).toThrow(
      'dedupSeconds must be a positive integer, got 0',
    );
    expect(() => appender(1_500, { dedupSeconds: 1.5 })).toThrow('got 1.5');
  });
});

describe('INGEST_MIN_REPLICAS (append, then WAIT)', () => {
  /** Runs `body` with a replica of the test's server, in sync; destroys it after (thawed if frozen). */
  async function withReplica(body: (replica: PrivateRedis, client: Redis) => Promise<void>): Promise<void> {
    const replica = await startPrivateRedis({
      extraArgs: ['--replicaof', '127.0.0.1', String(server.port), '--appendonly', 'no'],
    });
    const client = createRedis({ url: replica.url, role: 'command', logger: silentLogger, name: 'replica' });
    try {
      await waitFor(
        async () => /master_link_status:up/.test(await client.info('replication')),
        'replica in sync',
      );
      await body(replica, client);
    } finally {
      await closeRedis(client);
      await replica.destroy();
    }
  }

  it('without a replica: the append happens, WAIT times out, the delivery is refused', async () => {
    const a = appender(1_500, { minReplicas: 1, replicaTimeoutMs: 100 });
    const started = Date.now();
    const outcome = await a.append([envelope(50)]).catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(ReplicationShortfall);
    expect((outcome as Error).message).toBe('appended, but 0 of 1 replicas confirmed within 100 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    // The master holds it: the provider's retry is a duplicate, refused again while no replica has it.
    expect(await streamIds()).toEqual([50]);
    expect(await a.append([envelope(50)]).catch((err: unknown) => err)).toBeInstanceOf(ReplicationShortfall);
  });

  it('with a replica: answered once the replica holds the entry and its marker', async () => {
    await withReplica(async (_replica, replicaClient) => {
      const a = appender(1_500, { minReplicas: 1, replicaTimeoutMs: 1_000 });
      const results = await Promise.all([a.append([envelope(60), envelope(61)]), a.append([envelope(62)])]);
      expect(results).toEqual([[true, true], [true]]);
      // Answered after WAIT: the replica already has both the entries and the markers, no polling needed.
      expect(await replicaClient.xlen(keys.ingestStream)).toBe(3);
      expect(await replicaClient.exists(keys.seenEvent('strava', envelope(62).eventId))).toBe(1);
    });
  });

  it('rewrites the marker of a duplicate, keeping its expiry: a write that a WAIT after the call must cover', async () => {
    const a = appender();
    const marker = keys.seenEvent('strava', envelope(80).eventId);
    expect(await a.append([envelope(80)])).toEqual([true]);
    const ttl = await admin.ttl(marker);
    const sets = async () =>
      Number((await admin.info('commandstats')).match(/^cmdstat_set:calls=(\d+)/m)?.[1] ?? 0);
    const before = await sets();
    expect(await a.append([envelope(80)])).toEqual([false]);
    // Since Redis 7.2 WAIT counts only the writes of its own connection; without this one, a retry through
    // another exporter would pass WAIT while the first copy (written elsewhere) was on no replica.
    expect((await sets()) - before).toBe(1);
    expect(await admin.ttl(marker)).toBeLessThanOrEqual(ttl);
    expect(await admin.ttl(marker)).toBeGreaterThan(ttl - 5);
  });

  it('acknowledges a duplicate only once a replica holds the first copy, whichever connection wrote it', async () => {
    await withReplica(async (replica, replicaClient) => {
      // Two exporters: the first and the second copy of event 70 arrive through different connections.
      const first = appender(1_500, { minReplicas: 1, replicaTimeoutMs: 200 });
      const retry = appender(1_500, { minReplicas: 1, replicaTimeoutMs: 200 });
      expect(await retry.append([envelope(69)])).toEqual([true]); // its connection's last write, replicated
      replica.freeze(); // the replica falls behind: still connected, acknowledging nothing more
      expect(await first.append([envelope(70)]).catch((err: unknown) => err)).toBeInstanceOf(
        ReplicationShortfall,
      );
      // The provider retries through the other exporter: the marker is there, but no replica has event 70, so a
      // 200 now would acknowledge what a failover could still lose.
      expect(await retry.append([envelope(70)]).catch((err: unknown) => err)).toBeInstanceOf(
        ReplicationShortfall,
      );
      replica.thaw();
      expect(await retry.append([envelope(70)])).toEqual([false]);
      expect(await replicaClient.xlen(keys.ingestStream)).toBe(2);
    });
  });
});
