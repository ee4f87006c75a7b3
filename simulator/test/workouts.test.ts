import {
  DISTANCE_KM,
  SPORTS,
  demoUser,
  isWeekend,
  mulberry32,
  planActivity,
  revisedWorkout,
  sampleStart,
  sampleWorkout,
  wallClockAt,
  workoutName,
} from '../src/index.js';

describe('workouts', () => {
  it('keeps every sport within its distance range, at a plausible pace', () => {
    const rng = mulberry32(1);
    for (let i = 0; i < 5_000; i++) {
      const w = sampleWorkout(rng, i % 2 === 0);
      const { min, max } = DISTANCE_KM[w.sport];
      expect(w.distanceM).toBeGreaterThanOrEqual(min * 1000);
      expect(w.distanceM).toBeLessThanOrEqual(max * 1000);
      expect(w.elapsedTimeS).toBeGreaterThanOrEqual(w.movingTimeS);
      const kmh = w.distanceM / 1000 / (w.movingTimeS / 3600);
      expect(kmh).toBeGreaterThan(w.sport === 'ride' ? 20 : 4);
      expect(kmh).toBeLessThan(w.sport === 'ride' ? 33 : 14);
    }
  });

  it('goes longer at the weekend', () => {
    const mean = (weekend: boolean) => {
      const rng = mulberry32(2);
      const runs = Array.from({ length: 4_000 }, () => sampleWorkout(rng, weekend)).filter(
        (w) => w.sport === 'run',
      );
      return runs.reduce((s, w) => s + w.distanceM, 0) / runs.length;
    };
    expect(mean(true)).toBeGreaterThan(mean(false) * 1.3);
  });

  it('revises within 5 % and the sport range', () => {
    const rng = mulberry32(3);
    for (let i = 0; i < 1_000; i++) {
      const w = sampleWorkout(rng, false);
      const r = revisedWorkout(rng, w);
      expect(r.sport).toBe(w.sport);
      expect(Math.abs(r.distanceM - w.distanceM) / w.distanceM).toBeLessThanOrEqual(0.0501);
      expect(r.distanceM).toBeGreaterThanOrEqual(DISTANCE_KM[w.sport].min * 1000);
    }
  });

  it('names activities like Strava', () => {
    expect(workoutName('run', 7)).toBe('Morning Run');
    expect(workoutName('ride', 12)).toBe('Lunch Ride');
    expect(workoutName('walk', 19)).toBe('Evening Walk');
    expect(SPORTS).toEqual(['run', 'ride', 'walk']);
  });
});

describe('weekday/hour rhythm', () => {
  const now = Date.UTC(2026, 10, 26, 12, 0, 0);
  const user = demoUser(1); // America/Los_Angeles

  it('starts in local mornings and evenings on weekdays, late mornings at weekends, never after the limit', () => {
    const rng = mulberry32(9);
    const weekday = new Array<number>(24).fill(0);
    const weekend = new Array<number>(24).fill(0);
    for (let i = 0; i < 8_000; i++) {
      const s = sampleStart(rng, { timeZone: user.timezone, endMs: now, days: 14, latestMs: now });
      expect(s.startMs).toBeLessThanOrEqual(now);
      expect(wallClockAt(user.timezone, s.startMs).hour).toBe(s.localHour);
      (isWeekend(s.weekday) ? weekend : weekday)[s.localHour]!++;
    }
    const share = (hours: number[], from: number, to: number) =>
      hours.slice(from, to).reduce((a, b) => a + b, 0) / hours.reduce((a, b) => a + b, 0);
    expect(share(weekday, 6, 9) + share(weekday, 17, 20)).toBeGreaterThan(0.5);
    expect(share(weekday, 0, 4)).toBe(0);
    expect(share(weekend, 8, 12)).toBeGreaterThan(share(weekday, 8, 12) * 2);
  });

  it('plans finished activities inside the window', () => {
    const rng = mulberry32(10);
    for (let i = 0; i < 500; i++) {
      const a = planActivity(rng, {
        provider: 'strava',
        externalId: String(i),
        user,
        window: { endMs: now, days: 7, latestMs: now - 60_000 },
      });
      expect(a.startMs + a.elapsedTimeS * 1000).toBeLessThanOrEqual(now - 60_000);
      expect(a.startMs).toBeGreaterThan(now - 9 * 86_400_000);
    }
  });
});
