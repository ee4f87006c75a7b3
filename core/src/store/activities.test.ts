import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { deleteActivity, upsertActivity, parseLocalTime, type ActivityInput } from './activities.js';
import { inTransaction } from '../platform/transaction.js';

let db: TestDatabase;
let userId: string;
let otherUser: string;

beforeAll(async () => {
  db = await createTestDatabase('act');
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (name) VALUES ('Ada'), ('Bo') RETURNING id`,
  );
  userId = rows[0]!.id;
  otherUser = rows[1]!.id;
});
afterAll(async () => {
  await db?.drop();
});

function run(externalId: string, over: Partial<ActivityInput> = {}): ActivityInput {
  return {
    provider: 'strava',
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

async function totals() {
  const { rows } = await db.pool.query(
    `SELECT total_meters::text AS meters, activity_count::int AS n,
            (SELECT coalesce(sum(distance_m), 0)::text FROM activities WHERE deleted_at IS NULL) AS live
       FROM global_stats`,
  );
  return rows[0] as { meters: string; n: number; live: string };
}

async function hourly(date: string, hour: number) {
  const { rows } = await db.pool.query(
    `SELECT activity_count AS n, distance_m::text AS m FROM activity_hourly WHERE local_date = $1 AND local_hour = $2`,
    [date, hour],
  );
  return rows[0] ?? { n: 0, m: '0' };
}

const write = (input: ActivityInput) => inTransaction(db.pool, (c) => upsertActivity(c, input));
const remove = (id: string, at: string) =>
  inTransaction(db.pool, (c) => deleteActivity(c, 'strava', id, new Date(at)));

describe('activity writes move the challenge total and the rollup by exactly the change', () => {
  it('create +d, duplicate 0, update new − old, move hour, delete −d', async () => {
    expect(await write(run('a1'))).toEqual({ outcome: 'created', deltaM: 5000 });
    expect(await totals()).toMatchObject({ meters: '5000.000', n: 1 });
    expect(await hourly('2026-06-02', 6)).toEqual({ n: 1, m: '5000.000' });

    expect(await write(run('a1'))).toEqual({ outcome: 'unchanged', deltaM: 0 });
    expect(await totals()).toMatchObject({ meters: '5000.000', n: 1 });

    const later = new Date('2026-06-02T15:00:00Z');
    expect(await write(run('a1', { distanceM: 5234.567, sourceUpdatedAt: later }))).toEqual({
      outcome: 'updated',
      deltaM: 234.567,
    });
    expect(await hourly('2026-06-02', 6)).toEqual({ n: 1, m: '5234.567' });

    const moved = run('a1', {
      startDateLocal: '2026-06-02T18:30:00',
      sourceUpdatedAt: new Date('2026-06-02T16:00Z'),
    });
    expect((await write(moved)).deltaM).toBeCloseTo(-234.567, 6);
    expect(await hourly('2026-06-02', 6)).toEqual({ n: 0, m: '0.000' });
    expect(await hourly('2026-06-02', 18)).toEqual({ n: 1, m: '5000.000' });

    expect(await remove('a1', '2026-06-02T17:00:00Z')).toEqual({ outcome: 'deleted', deltaM: -5000 });
    expect(await totals()).toMatchObject({ meters: '0.000', n: 0, live: '0' });
    expect(await hourly('2026-06-02', 18)).toEqual({ n: 0, m: '0.000' });
    expect(await remove('a1', '2026-06-02T17:00:00Z')).toEqual({ outcome: 'unchanged', deltaM: 0 });
  });

  it('ignores an event older than what is stored, and refuses to resurrect a later delete', async () => {
    await write(run('b1', { sourceUpdatedAt: new Date('2026-06-03T10:00:00Z') }));
    const old = run('b1', { distanceM: 9999, sourceUpdatedAt: new Date('2026-06-03T09:00:00Z') });
    expect(await write(old)).toEqual({ outcome: 'stale', deltaM: 0 });
    await remove('b1', '2026-06-03T11:00:00Z');
    expect(await write(run('b1', { sourceUpdatedAt: new Date('2026-06-03T10:30:00Z') }))).toEqual({
      outcome: 'stale',
      deltaM: 0,
    });
    expect(await remove('never-seen', '2026-06-03T11:00:00Z')).toEqual({ outcome: 'missing', deltaM: 0 });
    const t = await totals();
    expect(t.meters).toBe(Number(t.live).toFixed(3));
  });

  it('leaves a tombstone for a delete that overtakes its create, so the late create stays deleted', async () => {
    const before = await totals();
    const at = '2026-06-04T12:00:00Z';
    expect(
      await inTransaction(db.pool, (c) => deleteActivity(c, 'strava', 't1', new Date(at), userId)),
    ).toEqual({ outcome: 'missing', deltaM: 0 });
    const late = run('t1', { sourceUpdatedAt: new Date('2026-06-04T11:00:00Z') });
    expect(await write(late)).toEqual({ outcome: 'stale', deltaM: 0 });
    expect(await totals()).toEqual(before);
  });

  it('keeps users.last_activity_at on the latest live activity, through deletes and owner changes', async () => {
    await write(run('c1', { startDate: new Date('2026-06-05T10:00:00Z') }));
    await write(run('c2', { startDate: new Date('2026-06-07T10:00:00Z') }));
    const last = async (id: string) =>
      (await db.pool.query('SELECT last_activity_at FROM users WHERE id = $1', [id])).rows[0]
        .last_activity_at;
    expect(await last(userId)).toEqual(new Date('2026-06-07T10:00:00Z'));
    await remove('c2', '2026-06-08T00:00:00Z');
    expect(await last(userId)).toEqual(new Date('2026-06-05T10:00:00Z'));
    // Only once deleted does c1 pass to another owner.
    await remove('c1', '2026-06-08T01:00:00Z');
    expect(
      await write(
        run('c1', {
          userId: otherUser,
          startDate: new Date('2026-06-05T10:00:00Z'),
          sourceUpdatedAt: new Date(),
        }),
      ),
    ).toMatchObject({ outcome: 'created' });
    expect(await last(otherUser)).toEqual(new Date('2026-06-05T10:00:00Z'));
    expect(await last(userId)).toBeNull(); // a1, b1, c1 and c2 are deleted: nothing live is left
  });

  it("refuses another user's delivery for a live activity, and a delete naming another owner", async () => {
    expect((await write(run('f1', { distanceM: 17_942 }))).outcome).toBe('created');
    const before = await totals();
    const moved = run('f1', { userId: otherUser, distanceM: 0, sourceUpdatedAt: new Date() });
    expect(await write(moved)).toEqual({ outcome: 'foreign', deltaM: 0 });
    const erased = await inTransaction(db.pool, (c) =>
      deleteActivity(c, 'strava', 'f1', new Date(), otherUser),
    );
    expect(erased).toEqual({ outcome: 'foreign', deltaM: 0 });
    expect(await totals()).toEqual(before);
    const { rows } = await db.pool.query(
      `SELECT user_id, distance_m::text AS m, deleted_at FROM activities WHERE external_id = 'f1'`,
    );
    expect(rows).toEqual([{ user_id: userId, m: '17942.000', deleted_at: null }]);
  });

  it('stays exact under concurrent writers of the same and different activities', async () => {
    const inputs = Array.from({ length: 40 }, (_, i) =>
      run(`p${i % 10}`, {
        distanceM: 1000 + i * 10.001,
        sourceUpdatedAt: new Date(Date.UTC(2026, 5, 10, 0, i)),
      }),
    );
    await Promise.all(inputs.map((input) => write(input)));
    const t = await totals();
    expect(t.meters).toBe(Number(t.live).toFixed(3));
    const { rows } = await db.pool.query(
      `SELECT (SELECT sum(activity_count) FROM activity_hourly)::int AS rolled,
              (SELECT count(*) FROM activities WHERE deleted_at IS NULL)::int AS live`,
    );
    expect(rows[0].rolled).toBe(rows[0].live);
  });
});

describe('the rollup and the total at the edges of a change', () => {
  it('moves the total for a distance-only update, and the count for a 0 m activity', async () => {
    const before = await totals();
    await write(run('e1', { distanceM: 1000 }));
    const later = new Date('2026-06-02T15:00:00Z');
    await write(run('e1', { distanceM: 1500, sourceUpdatedAt: later })); // same hour: count stays, metres move
    const after = await totals();
    expect(after.n - before.n).toBe(1);
    expect(Number(after.meters) - Number(before.meters)).toBeCloseTo(1500, 6);
    await write(run('e0', { distanceM: 0, startDateLocal: '2026-04-01T05:00:00' })); // metres stay, count moves
    expect(await hourly('2026-04-01', 5)).toEqual({ n: 1, m: '0.000' });
    expect((await totals()).n - after.n).toBe(1);
    expect(Number((await totals()).meters)).toBeCloseTo(Number(after.meters), 6);
  });

  it('moves an activity to another date at the same hour, and to another hour on the same date', async () => {
    await write(run('e2', { startDateLocal: '2026-05-10T07:15:00' }));
    expect(await hourly('2026-05-10', 7)).toEqual({ n: 1, m: '5000.000' });
    await write(
      run('e2', { startDateLocal: '2026-05-11T07:15:00', sourceUpdatedAt: new Date('2026-06-02T15:00Z') }),
    );
    expect(await hourly('2026-05-10', 7)).toEqual({ n: 0, m: '0.000' });
    expect(await hourly('2026-05-11', 7)).toEqual({ n: 1, m: '5000.000' });
    await write(
      run('e2', { startDateLocal: '2026-05-11T09:15:00', sourceUpdatedAt: new Date('2026-06-02T16:00Z') }),
    );
    expect(await hourly('2026-05-11', 7)).toEqual({ n: 0, m: '0.000' });
    expect(await hourly('2026-05-11', 9)).toEqual({ n: 1, m: '5000.000' });
  });
});

describe('parseLocalTime', () => {
  it('reads date and hour, with or without fractions, and refuses anything else', () => {
    expect(parseLocalTime('2026-06-02T06:59:59')).toEqual({ date: '2026-06-02', hour: 6 });
    expect(parseLocalTime('2026-06-02T23:00:00.123456')).toEqual({ date: '2026-06-02', hour: 23 });
    for (const bad of [
      '2026-06-02 06:00',
      'x2026-06-02T06:00:00',
      '2026-06-02T06:00:00Z',
      '2026-06-02T06:00:00.',
      '2026-06-02T06:00:00.1x',
      '2026-06-02T06:00:00.ab',
    ]) {
      expect(() => parseLocalTime(bad)).toThrow('YYYY-MM-DDTHH:MM:SS');
    }
  });
});
