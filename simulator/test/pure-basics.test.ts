import {
  DEMO_NAMESPACE,
  URL_NAMESPACE,
  demoRoster,
  demoUser,
  demoUserId,
  isoWithOffset,
  localIso,
  mulberry32,
  offsetSecondsAt,
  stravaTimezone,
  uuidV5,
  wallClockAt,
  wallClockToUtcMs,
  weightedIndex,
} from '../src/index.js';

describe('mulberry32', () => {
  it('replays the same sequence for the same seed, another for another seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const seqA = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('picks weights in proportion and refuses an all-zero list', () => {
    const rng = mulberry32(7);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[weightedIndex(rng, [1, 0, 3])]!++;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / 30_000).toBeCloseTo(0.75, 1);
    expect(() => weightedIndex(rng, [0, 0])).toThrow(/positive sum/);
  });
});

describe('uuidV5', () => {
  it('matches the RFC 4122 reference value', () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'www.example.com')
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('derives the documented demo ids', () => {
    expect(DEMO_NAMESPACE).toBe(uuidV5('https://ops-cockpit.example.test/demo', URL_NAMESPACE));
    expect(demoUserId(1)).toBe(uuidV5('user-1', DEMO_NAMESPACE));
    // docs/demo.md lists these; Python's uuid.uuid5 gives the same values.
    expect(DEMO_NAMESPACE).toBe('f4f5d334-07dd-50dd-bd12-3acc8505179c');
    expect(demoUserId(1)).toBe('dc8ee58d-fbab-55f0-84b7-59ac297d1578');
    expect(demoUserId(50)).toBe('39b0157f-e67c-59a9-b673-03876441d6b0');
    expect(demoUserId(1)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('demo roster', () => {
  it('is the same every time, with unique ids and the documented numbering', () => {
    const roster = demoRoster();
    expect(roster).toHaveLength(50);
    expect(demoRoster()).toEqual(roster);
    expect(new Set(roster.map((u) => u.id)).size).toBe(50);
    expect(roster[0]).toMatchObject({
      stravaAthleteId: 1001,
      garminUserId: 'garmin-user-1',
      email: 'user1@example.test',
      phone: '+15550000001',
    });
    expect(demoUser(50).stravaAthleteId).toBe(1050);
  });

  it('has quiet users inactive for 2 to 30 days, most beyond the 10-day cut', () => {
    const quiet = demoRoster().filter((u) => u.inactiveDays > 0);
    expect(quiet).toHaveLength(12);
    expect(Math.min(...quiet.map((u) => u.inactiveDays))).toBe(2);
    expect(Math.max(...quiet.map((u) => u.inactiveDays))).toBe(30);
    expect(quiet.filter((u) => u.inactiveDays > 10).length).toBeGreaterThanOrEqual(6);
  });
});

describe('time zones', () => {
  const winter = Date.UTC(2026, 10, 20, 15, 30, 0);
  const summer = Date.UTC(2026, 6, 1, 15, 30, 0);

  it('knows offsets across daylight saving time', () => {
    expect(offsetSecondsAt('America/Los_Angeles', winter)).toBe(-8 * 3600);
    expect(offsetSecondsAt('America/Los_Angeles', summer)).toBe(-7 * 3600);
    expect(offsetSecondsAt('Europe/Berlin', winter)).toBe(3600);
  });

  it('turns wall-clock time into the instant and back', () => {
    const utc = wallClockToUtcMs('America/New_York', {
      year: 2026,
      month: 3,
      day: 10,
      hour: 6,
      minute: 45,
      second: 0,
    });
    expect(new Date(utc).toISOString()).toBe('2026-03-10T10:45:00.000Z');
    expect(wallClockAt('America/New_York', utc)).toEqual({
      year: 2026,
      month: 3,
      day: 10,
      hour: 6,
      minute: 45,
      second: 0,
    });
  });

  it('writes provider formats', () => {
    expect(localIso(winter, -8 * 3600)).toBe('2026-11-20T07:30:00');
    expect(isoWithOffset(winter, -8 * 3600)).toBe('2026-11-20T07:30:00-08:00');
    expect(isoWithOffset(winter, 5.5 * 3600)).toBe('2026-11-20T21:00:00+05:30');
    expect(stravaTimezone('America/Los_Angeles', winter)).toBe('(GMT-08:00) America/Los_Angeles');
  });
});
