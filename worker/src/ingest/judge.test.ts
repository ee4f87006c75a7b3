// The one place every provider's activity writes are judged: impossible ones carry why, the rest pass untouched.
import { DEFAULT_PLAUSIBILITY_LIMITS, parsePlausibilityLimits, type ActivityInput } from '@ops-cockpit/core';
import { heldProviders, judged } from './process.js';

const run = (externalId: string, distanceM: number, movingTimeS: number | null): ActivityInput => ({
  provider: 'strava',
  externalId,
  userId: 'u',
  type: 'Run',
  distanceM,
  movingTimeS,
  startDate: new Date('2026-06-02T13:00:00Z'),
  startDateLocal: '2026-06-02T06:00:00',
  sourceUpdatedAt: new Date('2026-06-02T14:00:00Z'),
});

it('marks only the impossible upserts, leaving deletes and settled entries as they are', () => {
  const remove = { kind: 'delete', provider: 'garmin', externalId: 'x', at: new Date() } as const;
  const prepared = judged(
    {
      writes: [
        { kind: 'upsert', input: run('ok', 10_000, 3_000) },
        { kind: 'upsert', input: run('fast', 10_000, 600) },
        remove,
      ],
    },
    DEFAULT_PLAUSIBILITY_LIMITS,
  );
  expect(prepared).toEqual({
    writes: [
      { kind: 'upsert', input: run('ok', 10_000, 3_000) },
      {
        kind: 'upsert',
        input: { ...run('fast', 10_000, 600), implausible: 'run: average speed 16.67 m/s over 12.5 m/s' },
      },
      remove,
    ],
  });
  expect(judged({ outcome: 'skipped' }, DEFAULT_PLAUSIBILITY_LIMITS)).toEqual({ outcome: 'skipped' });
  // Tighter limits from PLAUSIBILITY_LIMITS hold what the defaults let through.
  const strict = parsePlausibilityLimits('{"run":{"maxSpeedMps":3}}');
  expect(judged({ writes: [{ kind: 'upsert', input: run('ok', 10_000, 3_000) }] }, strict)).toEqual({
    writes: [
      {
        kind: 'upsert',
        input: { ...run('ok', 10_000, 3_000), implausible: 'run: average speed 3.33 m/s over 3 m/s' },
      },
    ],
  });
});

it('counts a held activity once it was written, not when the entry failed or changed nothing', () => {
  const fast = { kind: 'upsert', input: { ...run('fast', 10_000, 600), implausible: 'why' } } as const;
  const batch = [{ writes: [fast] }, { writes: [fast] }, { writes: [fast] }, { outcome: 'skipped' as const }];
  expect(
    heldProviders(batch, [
      { outcome: 'created' },
      { outcome: 'unchanged' },
      { error: new Error('rolled back') },
      { outcome: 'skipped' },
    ]),
  ).toEqual(['strava']);
});
