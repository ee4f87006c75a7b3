import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { inTransaction } from '../platform/transaction.js';
import { deleteActivity, recomputeChallenge, upsertActivity, type ActivityInput } from './activities.js';
import { applyActivityBatch } from './activity-batch.js';
import { countQuarantined, listQuarantined, reviewActivity } from './quarantine.js';

let db: TestDatabase;
let userId: string;

beforeAll(async () => {
  db = await createTestDatabase('quar');
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (name) VALUES ('Ada') RETURNING id`,
  );
  userId = rows[0]!.id;
});
afterAll(async () => {
  await db?.drop();
});

const FORGED = 'run: distance 1609.344 km over 350 km';

function run(externalId: string, over: Partial<ActivityInput> = {}): ActivityInput {
  return {
    provider: 'garmin',
    externalId,
    userId,
    type: 'RUNNING',
    distanceM: 5000,
    movingTimeS: 1500,
    startDate: new Date('2026-06-02T13:00:00Z'),
    startDateLocal: '2026-06-02T06:00:00',
    sourceUpdatedAt: new Date('2026-06-02T14:00:00Z'),
    ...over,
  };
}

/** Everything a quarantined activity must not move, read exactly (numeric as text). */
async function counted() {
  const { rows } = await db.pool.query(
    `SELECT (SELECT total_meters::text FROM global_stats) AS meters,
            (SELECT activity_count::int FROM global_stats) AS n,
            (SELECT coalesce(sum(activity_count), 0)::int FROM activity_hourly) AS hourly_n,
            (SELECT coalesce(sum(distance_m), 0)::numeric(20, 3)::text FROM activity_hourly) AS hourly_m,
            (SELECT last_activity_at FROM users WHERE id = $1) AS last_activity_at`,
    [userId],
  );
  return rows[0] as {
    meters: string;
    n: number;
    hourly_n: number;
    hourly_m: string;
    last_activity_at: Date | null;
  };
}

const write = (input: ActivityInput) => inTransaction(db.pool, (c) => upsertActivity(c, input));
const idOf = async (externalId: string) =>
  Number((await db.pool.query('SELECT id FROM activities WHERE external_id = $1', [externalId])).rows[0].id);

describe('a quarantined activity is stored and counted nowhere until an operator decides', () => {
  it('holds, lists, approves with exact totals, and audits', async () => {
    const before = await counted();
    const forged = run('forged-1', { distanceM: 1_609_344, implausible: FORGED });
    expect(await write(forged)).toEqual({ outcome: 'created', deltaM: 0 });
    expect(await counted()).toEqual(before);
    expect(await countQuarantined(db.pool)).toBe(1);
    const queue = await listQuarantined(db.pool, 10);
    expect(queue.total).toBe(1);
    expect(queue.activities).toEqual([
      expect.objectContaining({
        provider: 'garmin',
        externalId: 'forged-1',
        userName: 'Ada',
        category: 'run',
        distanceM: 1_609_344,
        reason: FORGED,
      }),
    ]);
    // The same delivery again changes nothing.
    expect(await write(forged)).toEqual({ outcome: 'unchanged', deltaM: 0 });

    const id = await idOf('forged-1');
    expect(await reviewActivity(db.pool, id, 'approve', 'ada')).toEqual({
      outcome: 'reviewed',
      id,
      review: 'approved',
      deltaM: 1_609_344,
      reviewedBy: 'ada',
    });
    const after = await counted();
    expect(Number(after.meters) - Number(before.meters)).toBe(1_609_344);
    expect(after.n - before.n).toBe(1);
    expect(after.hourly_n - before.hourly_n).toBe(1);
    expect(Number(after.hourly_m) - Number(before.hourly_m)).toBe(1_609_344);
    expect(after.last_activity_at).toEqual(new Date('2026-06-02T13:00:00Z'));
    expect(await recomputeChallenge(db.pool)).toBe(0);
    expect(await countQuarantined(db.pool)).toBe(0);
    // Decided once: a second decision is refused and changes nothing.
    expect(await reviewActivity(db.pool, id, 'reject', 'bo')).toEqual({
      outcome: 'not_quarantined',
      review: 'approved',
    });
    const { rows } = await db.pool.query(
      'SELECT action, actor, quarantine_reason, delta_m::text FROM activity_reviews WHERE activity_id = $1',
      [id],
    );
    expect(rows).toEqual([
      { action: 'approve', actor: 'ada', quarantine_reason: FORGED, delta_m: '1609344.000' },
    ]);

    // The provider sends the approved activity again unchanged: it stays approved and counted.
    expect(await write({ ...forged, sourceUpdatedAt: new Date('2026-06-02T15:00:00Z') })).toEqual({
      outcome: 'unchanged',
      deltaM: 0,
    });
    // A different, still impossible distance is a new question: held again, taken out of the totals.
    expect(
      await write({ ...forged, distanceM: 2_000_000, sourceUpdatedAt: new Date('2026-06-02T16:00:00Z') }),
    ).toEqual({ outcome: 'updated', deltaM: -1_609_344 });
    expect(await counted()).toEqual({ ...before, last_activity_at: null });
    expect(await recomputeChallenge(db.pool)).toBe(0);
  });

  it('rejects for good, and a plausible correction from the provider counts on its own', async () => {
    const before = await counted();
    const glitch = run('glitch-1', {
      distanceM: 5000,
      movingTimeS: 60,
      implausible: 'run: average speed 83.33 m/s over 12.5 m/s',
    });
    await write(glitch);
    const id = await idOf('glitch-1');
    expect(await reviewActivity(db.pool, id, 'reject', 'ada')).toMatchObject({
      review: 'rejected',
      deltaM: 0,
    });
    expect(await counted()).toEqual(before);
    expect((await listQuarantined(db.pool, 10)).activities.map((a) => a.externalId)).not.toContain(
      'glitch-1',
    );
    // The provider corrects the moving time: plausible, counted, nothing for an operator to do.
    const fixed = {
      ...glitch,
      movingTimeS: 1500,
      implausible: undefined,
      sourceUpdatedAt: new Date('2026-06-02T15:00:00Z'),
    };
    expect(await write(fixed)).toEqual({ outcome: 'updated', deltaM: 5000 });
    expect(Number((await counted()).meters) - Number(before.meters)).toBe(5000);
    expect(await recomputeChallenge(db.pool)).toBe(0);
  });

  it('a deleted quarantined activity moves nothing and can no longer be decided', async () => {
    const before = await counted();
    await write(run('gone-1', { distanceM: 999_999, implausible: FORGED }));
    const id = await idOf('gone-1');
    expect(
      await inTransaction(db.pool, (c) =>
        deleteActivity(c, 'garmin', 'gone-1', new Date('2026-06-03T00:00:00Z')),
      ),
    ).toEqual({ outcome: 'deleted', deltaM: 0 });
    expect(await counted()).toEqual(before);
    expect(await reviewActivity(db.pool, id, 'approve', 'ada')).toEqual({
      outcome: 'not_quarantined',
      review: 'deleted',
    });
    expect(await reviewActivity(db.pool, 987_654_321, 'approve', 'ada')).toEqual({ outcome: 'not_found' });
  });

  it('the batch path holds the same activities the single path holds', async () => {
    const before = await counted();
    const results = await inTransaction(db.pool, (c) =>
      applyActivityBatch(c, [
        [{ kind: 'upsert', input: run('bulk-ok', { distanceM: 4000 }) }],
        [{ kind: 'upsert', input: run('bulk-held', { distanceM: 800_000, implausible: FORGED }) }],
      ]),
    );
    expect(results).toEqual([
      { results: [{ outcome: 'created', deltaM: 4000 }] },
      { results: [{ outcome: 'created', deltaM: 0 }] },
    ]);
    expect(Number((await counted()).meters) - Number(before.meters)).toBe(4000);
    const { rows } = await db.pool.query(
      `SELECT external_id, review, quarantine_reason FROM activities WHERE external_id LIKE 'bulk-%' ORDER BY 1`,
    );
    expect(rows).toEqual([
      { external_id: 'bulk-held', review: 'quarantined', quarantine_reason: FORGED },
      { external_id: 'bulk-ok', review: 'ok', quarantine_reason: null },
    ]);
    expect(await recomputeChallenge(db.pool)).toBe(0);
  });
});
