import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { deleteActivity, upsertActivity, type ActivityInput, type StoredActivity } from './activities.js';
import {
  applyActivityBatch,
  bulkEligible,
  planBulk,
  type ActivityWrite,
  type EntryResult,
} from './activity-batch.js';
import type { Pool } from '../platform/pool.js';
import { inTransaction } from '../platform/transaction.js';

function run(externalId: string, userId: string, over: Partial<ActivityInput> = {}): ActivityInput {
  return {
    provider: 'garmin',
    externalId,
    userId,
    type: 'Run',
    distanceM: 5000,
    movingTimeS: 1500,
    startDate: new Date('2026-06-02T13:00:00Z'),
    startDateLocal: '2026-06-02T06:00:00',
    sourceUpdatedAt: new Date('2026-06-02T14:00:00Z'),
    ...over,
  };
}
const up = (input: ActivityInput): ActivityWrite => ({ kind: 'upsert', input });
const del = (externalId: string, at: string, ownerUserId?: string): ActivityWrite => ({
  kind: 'delete',
  provider: 'garmin',
  externalId,
  at: new Date(at),
  ...(ownerUserId ? { ownerUserId } : {}),
});
const outcomes = (r: EntryResult | undefined) =>
  r && 'results' in r ? r.results.map((x) => x.outcome) : `error: ${r?.error.message}`;

describe('which entries share the bulk upsert (pure)', () => {
  it('keeps deletes, and every entry touching their activities, on the per-entry path', () => {
    const u = 'u';
    expect(
      bulkEligible([
        [up(run('a', u))],
        [up(run('b', u)), up(run('c', u))],
        [del('c', '2026-06-03T00:00:00Z')],
        [up(run('d', u))],
        [up(run('a', u))],
      ]),
    ).toEqual([true, false, false, true, true]);
    // Transitively: e touches b (slow through the delete of c) and f.
    expect(
      bulkEligible([
        [del('c', '2026-06-03T00:00:00Z')],
        [up(run('c', u)), up(run('b', u))],
        [up(run('b', u)), up(run('f', u))],
        [up(run('f', u))],
        [up(run('g', u))],
      ]),
    ).toEqual([false, false, false, false, true]);
  });
});

describe('the bulk plan (pure)', () => {
  const stored = (over: Partial<StoredActivity> = {}): StoredActivity => ({
    id: 7,
    user_id: 'u1',
    distance_m: '5000.000',
    local_date: '2026-06-02',
    local_hour: 6,
    source_updated_at: new Date('2026-06-02T14:00:00Z'),
    deleted_at: null,
    moving_time_s: 1800,
    review: 'ok',
    ...over,
  });

  it('applies each activity’s events in order, ignores stale ones, and writes each activity once', () => {
    const later = new Date('2026-06-02T15:00:00Z');
    const earlier = new Date('2026-06-02T12:00:00Z');
    const plan = planBulk(
      new Map([
        [0, [up(run('new', 'u1'))]],
        [1, [up(run('new', 'u1', { distanceM: 6000, sourceUpdatedAt: later }))]],
        [2, [up(run('old', 'u1', { sourceUpdatedAt: earlier }))]],
        [3, [up(run('old', 'u1', { type: 'Walk', sourceUpdatedAt: later }))]],
        [4, [up(run('new', 'u1', { sourceUpdatedAt: earlier }))]],
      ]),
      new Map([['garmin:old', stored()]]),
    );
    expect([0, 1, 2, 3, 4].map((i) => outcomes(plan.results.get(i)))).toEqual([
      ['created'],
      ['updated'],
      ['stale'],
      ['unchanged'],
      ['stale'],
    ]);
    // The last state of each activity, once each.
    expect(plan.upserts.map(({ input: i }) => [i.externalId, i.distanceM, i.type])).toEqual([
      ['new', 6000, 'Run'],
      ['old', 5000, 'Walk'],
    ]);
  });

  it('fails an entry with an input no write could take, alone and whole', () => {
    const plan = planBulk(
      new Map([
        [0, [up(run('x', 'u1')), up(run('y', 'u1', { startDateLocal: 'yesterday' }))]],
        [1, [up(run('x', 'u1'))]],
      ]),
      new Map(),
    );
    expect(outcomes(plan.results.get(0))).toMatch(/error: local time must be/);
    // Entry 0's write of x did not happen: entry 1 creates it.
    expect(outcomes(plan.results.get(1))).toEqual(['created']);
    expect(plan.upserts.map(({ input: i }) => i.externalId)).toEqual(['x']);
  });
});

describe('against Postgres: the batch leaves exactly what one write at a time leaves', () => {
  let batched: TestDatabase;
  let single: TestDatabase;
  let users: string[];

  beforeAll(async () => {
    batched = await createTestDatabase('actb');
    single = await createTestDatabase('acts');
    users = [];
    for (const name of ['Ada', 'Bo', 'Cy']) {
      // Same ids in both databases, so the final states compare directly.
      const id = (
        await batched.pool.query<{ id: string }>(`INSERT INTO users (name) VALUES ($1) RETURNING id`, [name])
      ).rows[0]!.id;
      await single.pool.query(`INSERT INTO users (id, name) VALUES ($1, $2)`, [id, name]);
      users.push(id);
    }
  });
  afterAll(async () => {
    await batched?.drop();
    await single?.drop();
  });

  async function snapshot(pool: Pool) {
    const activities = await pool.query(
      `SELECT provider, external_id, user_id, type, distance_m::text, moving_time_s, start_date, start_date_local,
              source_updated_at, deleted_at IS NOT NULL AS deleted
         FROM activities ORDER BY provider, external_id`,
    );
    const stats = await pool.query(`SELECT total_meters::text, activity_count::text FROM global_stats`);
    const hourly = await pool.query(
      `SELECT local_date::text, local_hour, activity_count, distance_m::text FROM activity_hourly
        WHERE activity_count <> 0 OR distance_m <> 0 ORDER BY 1, 2`,
    );
    const last = await pool.query(`SELECT id, last_activity_at FROM users ORDER BY id`);
    return { activities: activities.rows, stats: stats.rows, hourly: hourly.rows, last: last.rows };
  }

  /** A deterministic stream of creates, updates (owner, distance, hour, type), stale replays and deletes. */
  function events(count: number): ActivityWrite[][] {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    const entries: ActivityWrite[][] = [];
    for (let e = 0; e < count; e++) {
      const writes: ActivityWrite[] = [];
      for (let w = 0, n = 1 + (rnd(5) === 0 ? 1 : 0); w < n; w++) {
        const id = `act-${rnd(12)}`;
        const minute = 10 + rnd(40);
        const at = `2026-06-02T${String(14 + rnd(6)).padStart(2, '0')}:${minute}:00Z`;
        if (rnd(6) === 0) {
          writes.push(del(id, at, rnd(2) ? users[rnd(3)] : undefined));
        } else {
          writes.push(
            up(
              run(id, users[rnd(3)]!, {
                distanceM: [5000, 5000.25, 7300.5][rnd(3)]!,
                type: ['Run', 'Walk'][rnd(2)]!,
                startDateLocal: `2026-06-0${1 + rnd(3)}T0${rnd(10)}:15:00`,
                sourceUpdatedAt: new Date(at),
              }),
            ),
          );
        }
      }
      entries.push(writes);
    }
    return entries;
  }

  it('matches one-at-a-time writes over a mixed stream, in batches of every size', async () => {
    const stream = events(400);
    const sizes = [1, 7, 50, 13, 100, 3];
    const batchResults: EntryResult[] = [];
    for (let at = 0, k = 0; at < stream.length; k++) {
      const size = sizes[k % sizes.length]!;
      batchResults.push(
        ...(await inTransaction(batched.pool, (c) => applyActivityBatch(c, stream.slice(at, at + size)))),
      );
      at += size;
    }
    const singleResults: string[][] = [];
    for (const writes of stream) {
      singleResults.push(
        await inTransaction(single.pool, async (c) => {
          const out: string[] = [];
          for (const w of writes) {
            const r =
              w.kind === 'upsert'
                ? await upsertActivity(c, w.input)
                : await deleteActivity(c, w.provider, w.externalId, w.at, w.ownerUserId);
            out.push(r.outcome);
          }
          return out;
        }),
      );
    }
    expect(batchResults.map(outcomes)).toEqual(singleResults);
    // The stream exercises every path.
    expect(new Set(singleResults.flat())).toEqual(
      new Set(['created', 'updated', 'unchanged', 'stale', 'deleted', 'missing', 'foreign']),
    );
    const [a, b] = [await snapshot(batched.pool), await snapshot(single.pool)];
    expect(a.activities.length).toBeGreaterThan(8);
    expect(a).toEqual(b);
  });

  it('falls back to one savepoint per entry when the bulk statement fails, so only the bad entry fails', async () => {
    const ghost = '00000000-0000-4000-8000-000000000000'; // no such user: the foreign key refuses it
    const before = await snapshot(batched.pool);
    const results = await inTransaction(batched.pool, (c) =>
      applyActivityBatch(c, [
        [up(run('fb-1', users[0]!))],
        [up(run('fb-2', ghost))],
        [up(run('fb-3', users[1]!, { distanceM: 1234.5 }))],
      ]),
    );
    expect(results.map(outcomes)).toEqual([
      ['created'],
      expect.stringMatching(/error: .*foreign key/),
      ['created'],
    ]);
    const after = await snapshot(batched.pool);
    expect(Number(after.stats[0].total_meters) - Number(before.stats[0].total_meters)).toBeCloseTo(6234.5, 3);
    expect(after.activities.map((r) => r.external_id)).toEqual(expect.arrayContaining(['fb-1', 'fb-3']));
    expect(after.activities.map((r) => r.external_id)).not.toContain('fb-2');
  });

  it('takes every lock in one order, so concurrent batches over the same activities never deadlock', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `dl-${i}`);
    const batch = (order: string[], distance: number) =>
      inTransaction(batched.pool, (c) =>
        applyActivityBatch(
          c,
          order.map((id) => [up(run(id, users[0]!, { distanceM: distance, sourceUpdatedAt: new Date() }))]),
        ),
      );
    const results = await Promise.all([
      batch(ids, 1000),
      batch([...ids].reverse(), 2000),
      batch(
        ids.filter((_, i) => i % 2),
        3000,
      ),
      batch(
        [...ids].reverse().filter((_, i) => i % 3),
        4000,
      ),
    ]);
    expect(results.flat().every((r) => 'results' in r)).toBe(true);
    const { rows } = await batched.pool.query(
      `SELECT (SELECT total_meters FROM global_stats)::text AS total,
              (SELECT coalesce(sum(distance_m), 0) FROM activities WHERE deleted_at IS NULL)::text AS live,
              (SELECT activity_count FROM global_stats)::text AS n,
              (SELECT count(*) FROM activities WHERE deleted_at IS NULL)::text AS live_n`,
    );
    expect(rows[0].total).toBe(rows[0].live);
    expect(rows[0].n).toBe(rows[0].live_n);
  });
});
