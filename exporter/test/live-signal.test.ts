import { createRedisKeys, PROVIDERS } from '@ops-cockpit/core';
import { createTestRedis, silentLogger, type TestRedis } from '@ops-cockpit/core/testing';
import type { Pool } from 'pg';
import { createOpsData } from '../src/ops-data.js';
import { FLUSH_WATERMARK_STALE_MS } from '../src/read-models/throughput.js';
import { createLiveCounters, type LiveCounters } from '../src/webhooks/live-counters.js';

// The stream reads a 5-second bucket only once every exporter process has flushed what it counted in it.
// Clocks are moved by hand and the timers never fire (flushMs 1 h), so each flush happens where the test says.
const B = Math.floor(Date.UTC(2026, 6, 2, 12, 30, 0) / 5_000);
const start = (b: number) => b * 5_000;

let redis: TestRedis;
let clock: number;
const counters: LiveCounters[] = [];

function processCounting(processId: string): LiveCounters {
  const c = createLiveCounters({
    redis: redis.redis,
    keys: createRedisKeys(redis.prefix),
    logger: silentLogger,
    flushMs: 3_600_000,
    now: () => clock,
    processId,
  });
  counters.push(c);
  return c;
}

const ops = () =>
  createOpsData({
    pool: undefined as unknown as Pool, // eventsPerSecond reads Redis only
    redis: redis.redis,
    keys: createRedisKeys(redis.prefix),
    goalMiles: 100,
    now: () => clock,
  });

beforeEach(async () => {
  redis = await createTestRedis('livesig');
});

afterEach(async () => {
  for (const c of counters.splice(0)) await c.close();
  await redis.close();
});

describe('live signal: a pushed bucket is complete', () => {
  it('holds back a bucket that ended until the process flushed past its end, then reads it whole', async () => {
    const a = processCounting('a');
    clock = start(B) + 1_000;
    await a.flush(); // watermark inside bucket B
    a.add('strava', 3, start(B) + 1_500);
    a.add('garmin', 2, start(B + 1) - 1); // the bucket's last millisecond
    clock = start(B + 1) + 500; // B has ended, its last counts are still in memory

    let sample = await ops().eventsPerSecond();
    expect(sample.at).toBe(new Date(start(B)).toISOString()); // B-1, not a partial B

    await a.flush(); // watermark past the end of B
    sample = await ops().eventsPerSecond();
    expect(sample).toEqual({
      at: new Date(start(B + 1)).toISOString(),
      eventsPerSecond: 1,
      byProvider: { ...Object.fromEntries(PROVIDERS.map((p) => [p, 0])), strava: 0.6, garmin: 0.4 },
    });
  });

  it('waits for the slowest live process, ignores one gone silent, and forgets one that closed', async () => {
    const a = processCounting('a');
    const b = processCounting('b');
    clock = start(B) + 4_000;
    await b.flush(); // b: inside B
    clock = start(B + 1) + 800;
    await a.flush(); // a: past B
    expect((await ops().eventsPerSecond()).at).toBe(new Date(start(B)).toISOString());

    // b has not flushed for longer than the stale limit: taken for gone.
    clock = start(B) + 4_000 + FLUSH_WATERMARK_STALE_MS + 1;
    await a.flush();
    const ended = Math.floor(clock / 5_000);
    expect((await ops().eventsPerSecond()).at).toBe(new Date(start(ended)).toISOString());

    // A process that closes removes its watermark at once.
    clock = start(ended) + 100;
    await a.flush();
    const c = processCounting('c');
    clock = start(ended) + 200;
    await c.flush();
    clock = start(ended + 1) + 300;
    expect((await ops().eventsPerSecond()).at).toBe(new Date(start(ended)).toISOString());
    await a.close();
    await c.close();
    expect((await ops().eventsPerSecond()).at).toBe(new Date(start(ended + 1)).toISOString());
  });
});
