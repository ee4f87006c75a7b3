import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { upsertActivity, type ActivityInput } from '../store/activities.js';
import { inTransaction } from '../platform/transaction.js';
import {
  COLUMN_LIMITS,
  dbText,
  distanceMeters,
  durationSeconds,
  epochSeconds,
  eventEpochSeconds,
  eventIsoInstant,
  inTimeWindow,
  isoInstant,
  providerId,
} from './column-limits.js';

// The limits are one source for the edge schemas; this checks each against the migrated tables through the real
// write path: the value at the limit is stored, the value just past it is refused by Postgres itself.
let db: TestDatabase;
let userId: string;

beforeAll(async () => {
  db = await createTestDatabase('limits');
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (name) VALUES ('Lim') RETURNING id`,
  );
  userId = rows[0]!.id;
});
afterAll(async () => {
  await db?.drop();
});

// Four UTF-8 bytes each: the widest text a limit in characters can mean.
const wide = (n: number) => '𝟘'.repeat(n);

function activity(over: Partial<ActivityInput>): ActivityInput {
  return {
    provider: 'garmin',
    externalId: `lim-${Math.random().toString(36).slice(2)}`,
    userId,
    type: 'Run',
    distanceM: 1000,
    movingTimeS: 600,
    startDate: new Date('2026-06-02T13:00:00Z'),
    startDateLocal: '2026-06-02T15:00:00',
    sourceUpdatedAt: new Date('2026-06-02T14:00:00Z'),
    ...over,
  };
}

const write = (input: ActivityInput) => inTransaction(db.pool, (c) => upsertActivity(c, input));

describe('the limits hold in Postgres', () => {
  it('stores every value at its limit', async () => {
    const now = Date.now();
    const atLimit: Partial<ActivityInput>[] = [
      { externalId: wide(COLUMN_LIMITS.idLength) },
      { type: wide(COLUMN_LIMITS.typeLength) },
      { distanceM: COLUMN_LIMITS.distanceMMax },
      { movingTimeS: COLUMN_LIMITS.durationSMax },
      { startDate: new Date(COLUMN_LIMITS.earliestEpochS * 1000), startDateLocal: '2000-01-01T00:00:00' },
      { startDate: new Date(now + COLUMN_LIMITS.futureSkewS * 1000) },
    ];
    for (const over of atLimit) expect((await write(activity(over))).outcome).toBe('created');
    const { rows } = await db.pool.query<{ max: string }>(
      `SELECT max(distance_m)::text AS max FROM activities`,
    );
    expect(rows[0]!.max).toBe('999999999.999');
    const account = await db.pool.query(
      `INSERT INTO provider_accounts (user_id, provider, external_user_id) VALUES ($1, 'garmin', $2)`,
      [userId, wide(COLUMN_LIMITS.idLength)],
    );
    expect(account.rowCount).toBe(1);
  });

  it('refuses every value just past its limit', async () => {
    const pastLimit: [Partial<ActivityInput>, RegExp][] = [
      [{ externalId: wide(COLUMN_LIMITS.idLength + 1) }, /activities_external_id_length/],
      [{ type: wide(COLUMN_LIMITS.typeLength + 1) }, /activities_type_length/],
      [{ distanceM: COLUMN_LIMITS.distanceMMax + 0.001 }, /numeric field overflow/],
      [{ movingTimeS: COLUMN_LIMITS.durationSMax + 1 }, /out of range for type integer/],
      [{ startDate: new Date((COLUMN_LIMITS.earliestEpochS - 1) * 1000) }, /activities_start_date_window/],
      [{ externalId: 'nul\u0000id' }, /invalid byte sequence|0x00/],
    ];
    for (const [over, error] of pastLimit) await expect(write(activity(over))).rejects.toThrow(error);
    await expect(
      db.pool.query(
        `INSERT INTO provider_accounts (user_id, provider, external_user_id) VALUES ($1, 'strava', $2)`,
        [userId, wide(COLUMN_LIMITS.idLength + 1)],
      ),
    ).rejects.toThrow(/provider_accounts_external_user_id_length/);
  });

  it('makes one id of two that differ only in a lone surrogate (why dbText refuses them)', async () => {
    const { rows } = await db.pool.query<{ same: boolean }>(`SELECT $1::text = $2::text AS same`, [
      'id-\ud800',
      'id-\udc00',
    ]);
    expect(rows[0]!.same).toBe(true);
  });
});

describe('the schemas built from the limits', () => {
  const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) =>
    schema.safeParse(v).success;

  it('accept at the limit and refuse past it', () => {
    expect(ok(providerId, wide(COLUMN_LIMITS.idLength))).toBe(true);
    expect(ok(providerId, wide(COLUMN_LIMITS.idLength + 1))).toBe(false);
    expect(ok(providerId, '')).toBe(false);
    expect(ok(dbText(10), 'a\u0000b')).toBe(false);
    expect(ok(dbText(10), 'a\u0001b')).toBe(true); // Postgres stores other control characters
    expect(ok(dbText(10), 'a\ud800')).toBe(false); // stored as U+FFFD: 'a\ud800' and 'a\udc00' would collide
    expect(ok(dbText(10), 'a\ud83c\udfc3')).toBe(true); // a surrogate pair is one character
    expect(ok(distanceMeters, COLUMN_LIMITS.distanceMMax)).toBe(true);
    expect(ok(distanceMeters, 999_999_999.9994)).toBe(false); // would round to 1e9, past numeric(12, 3)
    expect(ok(distanceMeters, 1e308)).toBe(false);
    expect(ok(distanceMeters, -0.001)).toBe(false);
    expect(ok(durationSeconds, COLUMN_LIMITS.durationSMax)).toBe(true);
    expect(ok(durationSeconds, COLUMN_LIMITS.durationSMax + 1)).toBe(false);
    expect(ok(durationSeconds, 1.5)).toBe(false);
    expect(ok(epochSeconds, COLUMN_LIMITS.earliestEpochS)).toBe(true);
    expect(ok(epochSeconds, COLUMN_LIMITS.earliestEpochS - 1)).toBe(false);
    expect(ok(epochSeconds, 1e15)).toBe(false);
    expect(ok(epochSeconds, Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(ok(isoInstant, '2000-01-01T00:00:00Z')).toBe(true);
    expect(ok(isoInstant, '1999-12-31T23:59:59Z')).toBe(false);
    expect(ok(isoInstant, '9999-01-01T00:00:00+02:00')).toBe(false);
  });

  it('read the future edge of the time window against the clock', () => {
    const now = Date.parse('2026-12-04T00:00:00Z');
    expect(inTimeWindow(now / 1000 + COLUMN_LIMITS.futureSkewS, now)).toBe(true);
    expect(inTimeWindow(now / 1000 + COLUMN_LIMITS.futureSkewS + 1, now)).toBe(false);
    expect(inTimeWindow(now / 1000 + 300, now, COLUMN_LIMITS.eventSkewS)).toBe(true);
    expect(inTimeWindow(now / 1000 + 301, now, COLUMN_LIMITS.eventSkewS)).toBe(false);
  });

  it('hold event times to 5 minutes ahead, activity times to a day', () => {
    const nowS = Math.floor(Date.now() / 1000);
    expect(ok(eventEpochSeconds, nowS + 60)).toBe(true);
    expect(ok(eventEpochSeconds, nowS + 3_600)).toBe(false); // fine for an activity's start, not for an event
    expect(ok(epochSeconds, nowS + 3_600)).toBe(true);
    expect(ok(eventIsoInstant, new Date((nowS + 3_600) * 1000).toISOString())).toBe(false);
    expect(ok(eventIsoInstant, new Date((nowS - 3_600) * 1000).toISOString())).toBe(true);
  });
});
