import { polarExerciseSchema } from '@ops-cockpit/core';
import { fromGarmin } from './garmin.js';
import { fromPolar } from './polar.js';

const at = new Date('2026-11-20T12:00:00Z');

function exercise(overrides: Record<string, unknown> = {}) {
  return polarExerciseSchema.parse({
    id: '2AC312F',
    start_time: '2026-11-20T07:15:09',
    start_time_utc_offset: -300,
    duration: 'PT1H2M3S',
    distance: 10234.5,
    sport: 'RUNNING',
    ...overrides,
  });
}

describe('fromPolar', () => {
  it('maps distance, start instant, local time and duration', () => {
    expect(fromPolar(exercise(), 'user-1', at)).toEqual({
      provider: 'polar',
      externalId: '2AC312F',
      userId: 'user-1',
      type: 'RUNNING',
      distanceM: 10234.5,
      movingTimeS: 3723,
      // 07:15:09 at UTC-5 is 12:15:09 UTC, and stays 07:15 for the heatmap.
      startDate: new Date('2026-11-20T12:15:09Z'),
      startDateLocal: '2026-11-20T07:15:09',
      sourceUpdatedAt: at,
    });
  });

  it('maps time exactly as Garmin does for the same instant and offset', () => {
    for (const [start, offsetMin] of [
      ['2026-11-20T07:15:09', -300],
      ['2026-03-29T02:30:00', 120],
      ['2025-12-31T23:59:59', 330],
      ['2026-01-01T00:00:00', -600],
    ] as const) {
      const polar = fromPolar(exercise({ start_time: start, start_time_utc_offset: offsetMin }), 'u', at);
      const garmin = fromGarmin(
        {
          userId: 'g',
          summaryId: 's',
          activityType: 'RUNNING',
          startTimeInSeconds: polar.startDate.getTime() / 1000,
          startTimeOffsetInSeconds: offsetMin * 60,
          durationInSeconds: 3723,
          distanceInMeters: 10234.5,
        },
        'u',
        at,
      );
      expect(polar.startDateLocal).toBe(start);
      expect({ ...polar, externalId: 's' }).toEqual({ ...garmin, provider: 'polar' });
    }
  });

  it('counts a session without distance as 0 m and drops fractions of seconds', () => {
    const e = exercise({
      distance: undefined,
      duration: 'PT45M12.6S',
      start_time: '2026-11-20T07:15:09.800',
    });
    expect(fromPolar(e, 'u', at)).toMatchObject({
      distanceM: 0,
      movingTimeS: 2713,
      startDateLocal: '2026-11-20T07:15:09',
      startDate: new Date('2026-11-20T12:15:09Z'),
    });
  });
});
