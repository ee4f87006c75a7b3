import http from 'node:http';
import { createRedisKeys, inTransaction, upsertActivity, type RedisKeys } from '@ops-cockpit/core';
import { epochBucket, epochMinute } from '../src/read-models/throughput.js';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { startApp, type RunningApp } from './harness.js';
import { localTimeInZone } from '../../worker/src/ingest/local-time.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let db: TestDatabase;
let t: TestRedis;
let keys: RedisKeys;
let app: RunningApp;
let userId: string;

beforeAll(async () => {
  db = await createTestDatabase('opsread');
  t = await createTestRedis('opsread');
  keys = createRedisKeys(t.prefix);
  app = await startApp({
    pool: db.pool,
    redis: t.redis,
    prefix: t.prefix,
    goalMiles: 100,
    throughputPushSeconds: 1,
  });
  userId = (await db.pool.query(`INSERT INTO users (name) VALUES ('Ada') RETURNING id`)).rows[0].id;
});
afterAll(async () => {
  await app?.close();
  await t?.close();
  await db?.drop();
});

const get = async (path: string) => {
  const res = await fetch(`${app.url}${path}`);
  return { status: res.status, body: (await res.json()) as Json };
};

/** Local wall-clock `days` ago at `hour`, formatted as the activities table keeps it. */
function localDaysAgo(days: number, hour: number): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - days);
  return `${d.toISOString().slice(0, 10)}T${String(hour).padStart(2, '0')}:15:00`;
}

describe('GET /api/ops/challenge', () => {
  it('reads global_stats against the goal', async () => {
    await inTransaction(db.pool, (c) =>
      upsertActivity(c, {
        provider: 'garmin',
        externalId: 'ch1',
        userId,
        type: 'Run',
        distanceM: 16093.44, // 10 miles
        movingTimeS: 3600,
        startDate: new Date(),
        startDateLocal: localDaysAgo(0, 7),
        sourceUpdatedAt: new Date(),
      }),
    );
    const { status, body } = await get('/api/ops/challenge');
    expect(status).toBe(200);
    expect(body).toEqual({ totalMiles: 10, totalMeters: 16093.44, goalMiles: 100, percent: 10 });
  });
});

describe('GET /api/ops/heatmap', () => {
  it('equals a direct SQL aggregation of live activities over the last 7 local days, cached', async () => {
    await t.redis.del(keys.heatmapCache);
    const spots = [
      [0, 7],
      [1, 18],
      [1, 18],
      [3, 6],
      [6, 23],
      [6, 0],
      [8, 12],
      [30, 9],
    ] as const;
    let n = 0;
    for (const [days, hour] of spots) {
      await inTransaction(db.pool, (c) =>
        upsertActivity(c, {
          provider: 'strava',
          externalId: `hm${n++}`,
          userId,
          type: 'Run',
          distanceM: 3000,
          movingTimeS: 900,
          startDate: new Date(),
          startDateLocal: localDaysAgo(days, hour),
          sourceUpdatedAt: new Date(),
        }),
      );
    }
    const { body } = await get('/api/ops/heatmap');
    expect(body.days).toBe(7);
    expect(body.matrix).toHaveLength(7);
    const direct = await db.pool.query(
      `SELECT extract(dow FROM start_date_local)::int AS d, extract(hour FROM start_date_local)::int AS h,
              count(*)::int AS n
         FROM activities
        WHERE deleted_at IS NULL AND start_date_local::date > current_date - 7
        GROUP BY 1, 2`,
    );
    const expected: number[][] = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
    for (const r of direct.rows) expected[r.d]![r.h] = r.n;
    expect(body.matrix).toEqual(expected);
    expect(body.matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(7); // 8 and 30 days ago are out

    // A write the worker did not announce (no version bump) is not visible until the cache expires (≤ 60 s) ...
    await inTransaction(db.pool, (c) =>
      upsertActivity(c, {
        provider: 'strava',
        externalId: 'hm-late',
        userId,
        type: 'Run',
        distanceM: 1,
        movingTimeS: 1,
        startDate: new Date(),
        startDateLocal: localDaysAgo(0, 7),
        sourceUpdatedAt: new Date(),
      }),
    );
    expect((await get('/api/ops/heatmap')).body.matrix).toEqual(expected);
    const ttl = await t.redis.ttl(keys.heatmapCache);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    // ... and is once the rollup version moves, as the worker moves it after a batch.
    await t.redis.incr(keys.heatmapVersion);
    const fresh = (await get('/api/ops/heatmap')).body.matrix
      .flat()
      .reduce((a: number, b: number) => a + b, 0);
    expect(fresh).toBe(8);

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    // The goal of 100 miles, in the base unit Prometheus wants.
    expect(metrics).toMatch(/^ops_challenge_goal_meters 160934.4$/m);
    expect(metrics).toMatch(/^ops_challenge_distance_meters \d+(\.\d+)?$/m);
    expect(metrics.match(/^ops_activity_heatmap_activities\{/gm)).toHaveLength(168);
  });
});

describe('heatmap window and rollup at their edges', () => {
  /** The instant whose wall clock in `zone` is `wall` (`YYYY-MM-DDTHH:MM:SS`), found by correcting the offset. */
  function instantAt(wall: string, zone: string): Date {
    let guess = Date.parse(`${wall}Z`);
    for (let i = 0; i < 3; i += 1) {
      const seen = Date.parse(`${localTimeInZone(new Date(guess), zone)}Z`);
      guess += Date.parse(`${wall}Z`) - seen;
    }
    return new Date(guess);
  }

  async function ingest(externalId: string, start: Date, zone: string) {
    const local = localTimeInZone(start, zone)!;
    await inTransaction(db.pool, (c) =>
      upsertActivity(c, {
        provider: 'apple_health',
        externalId,
        userId,
        type: 'Run',
        distanceM: 1000,
        movingTimeS: 600,
        startDate: start,
        startDateLocal: local,
        sourceUpdatedAt: new Date(),
      }),
    );
    return local;
  }

  it('counts the first and the last local day of the 7, not the day before, in several time zones', async () => {
    const { rows } = await db.pool.query<{ today: string }>(`SELECT current_date::text AS today`);
    const day = (back: number) => {
      const d = new Date(`${rows[0]!.today}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() - back);
      return d.toISOString().slice(0, 10);
    };
    const zones = ['Pacific/Auckland', 'America/Los_Angeles', 'Europe/Berlin', 'Asia/Kolkata'];
    const heatmap = async () => {
      await t.redis.del(keys.heatmapCache);
      return (await get('/api/ops/heatmap')).body.matrix as number[][];
    };
    const before = await heatmap();
    let n = 0;
    for (const zone of zones) {
      // In: the first day's first minutes and the last day's last; out: the last minutes of the day before
      // (the same weekday as the last day, so an 8-day window shows as 8 instead of 4 in that cell).
      for (const wall of [`${day(6)}T00:05:00`, `${day(0)}T23:55:00`, `${day(7)}T23:55:00`]) {
        expect(await ingest(`edge-${n++}`, instantAt(wall, zone), zone)).toBe(wall);
      }
    }
    const after = await heatmap();
    const weekday = (back: number) => new Date(`${day(back)}T00:00:00Z`).getUTCDay();
    const delta = (d: number, h: number) => after[d]![h]! - before[d]![h]!;
    expect({ first: delta(weekday(6), 0), last: delta(weekday(0), 23) }).toEqual({ first: 4, last: 4 });
    expect(after.flat().reduce((a, b) => a + b, 0) - before.flat().reduce((a, b) => a + b, 0)).toBe(8);
  });

  it('folds activities around a DST change into the hours their clocks showed', async () => {
    // Berlin springs forward at 01:00 UTC on 29 March 2026 (02:00 → 03:00); Los Angeles falls back at 09:00 UTC
    // on 1 November 2026 (02:00 → 01:00, so 01:30 happens twice).
    const cases = [
      ['dst-berlin-before', '2026-03-29T00:30:00Z', 'Europe/Berlin', '2026-03-29', 1],
      ['dst-berlin-after', '2026-03-29T01:30:00Z', 'Europe/Berlin', '2026-03-29', 3],
      ['dst-la-first', '2026-11-01T08:30:00Z', 'America/Los_Angeles', '2026-11-01', 1],
      ['dst-la-second', '2026-11-01T09:30:00Z', 'America/Los_Angeles', '2026-11-01', 1],
    ] as const;
    for (const [id, instant, zone] of cases) await ingest(id, new Date(instant), zone);
    const { rows } = await db.pool.query<{ local_date: string; local_hour: number; n: number }>(
      `SELECT local_date::text, local_hour, sum(activity_count)::int AS n FROM activity_hourly
        WHERE local_date IN ('2026-03-29', '2026-11-01') GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    expect(rows).toEqual([
      { local_date: '2026-03-29', local_hour: 1, n: 1 },
      { local_date: '2026-03-29', local_hour: 3, n: 1 },
      { local_date: '2026-11-01', local_hour: 1, n: 2 },
    ]);
  });
});

describe('GET /api/ops/throughput', () => {
  it('returns per-minute buckets oldest first, missing minutes as 0, from Redis', async () => {
    const now = Date.now();
    const minute = epochMinute(now);
    await t.redis.hset(keys.webhookMinute(minute), { strava: '3', garmin: '2', evil: '99' });
    await t.redis.hset(keys.webhookMinute(minute - 2), { apple_health: '4' });
    const { status, body } = await get('/api/ops/throughput?minutes=3');
    expect(status).toBe(200);
    expect(body.buckets.map((b: Json) => b.count)).toEqual([4, 0, 5]);
    expect(body.buckets[2].byProvider).toEqual({ strava: 3, garmin: 2, apple_health: 0, polar: 0 });
    expect(body.buckets[2].minute).toBe(new Date(minute * 60_000).toISOString());
    expect((await get('/api/ops/throughput')).body.buckets).toHaveLength(60);
  });

  it.each(['0', '121', 'abc', '1.5'])('minutes=%s → 400 naming the parameter', async (v) => {
    const { status, body } = await get(`/api/ops/throughput?minutes=${v}`);
    expect(status).toBe(400);
    expect(body.errors).toEqual([{ field: 'minutes', message: expect.stringContaining('1-120') }]);
  });
});

describe('GET /api/ops/throughput/stream', () => {
  it('pushes events per second read from Redis as SSE', async () => {
    // The pushed bucket is the newest one every exporter flushed past: one of the last few.
    const bucket = epochBucket(Date.now());
    for (let b = bucket - 3; b <= bucket + 1; b += 1) {
      await t.redis.hset(keys.webhookBucket(b), { strava: '10', garmin: '5' });
    }
    const events = await new Promise<Json[]>((resolve, reject) => {
      const got: Json[] = [];
      const req = http.get(`${app.url}/api/ops/throughput/stream`, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        let buf = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          buf += d;
          const frames = buf.split('\n\n');
          buf = frames.pop() ?? '';
          for (const f of frames) {
            const data = /^event: throughput\ndata: (.*)$/m.exec(f);
            if (data) got.push(JSON.parse(data[1]!));
            if (got.length === 2) {
              req.destroy();
              resolve(got);
            }
          }
        });
      });
      req.on('error', (err) => (got.length === 2 ? undefined : reject(err)));
    });
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(['at', 'byProvider', 'eventsPerSecond']);
    }
    expect(events[0].eventsPerSecond).toBe(3);
    expect(events[0].byProvider).toEqual({ strava: 2, garmin: 1, apple_health: 0, polar: 0 });
  });
});
