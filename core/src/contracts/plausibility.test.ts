import { loadEnv, workerEnvSchema } from '../platform/config.js';
import {
  ACTIVITY_CATEGORIES,
  DEFAULT_PLAUSIBILITY_LIMITS,
  activityCategory,
  implausibility,
  parsePlausibilityLimits,
} from './plausibility.js';

describe('activity categories', () => {
  it.each([
    ['Run', 'run'],
    ['TrailRun', 'run'],
    ['VirtualRun', 'run'],
    ['RUNNING', 'run'],
    ['TREADMILL_RUNNING', 'run'],
    ['running', 'run'],
    ['Ride', 'ride'],
    ['EBikeRide', 'ride'],
    ['CYCLING', 'ride'],
    ['ROAD_BIKING', 'ride'],
    ['cycling', 'ride'],
    ['Swim', 'swim'],
    ['LAP_SWIMMING', 'swim'],
    ['Walk', 'walk'],
    ['HIKING', 'walk'],
    ['AlpineSki', 'other'],
    ['ROWING', 'other'],
  ])('%s is %s', (type, category) => {
    expect(activityCategory(type)).toBe(category);
  });
});

describe('implausibility, at each limit and just past it', () => {
  const L = DEFAULT_PLAUSIBILITY_LIMITS;
  it.each(ACTIVITY_CATEGORIES.map((c) => [c] as const))('%s', (category) => {
    const type = { run: 'Run', ride: 'Ride', swim: 'Swim', walk: 'Walk', other: 'Rowing' }[category];
    const limit = L[category];
    // Distance at the limit: plausible; a millimetre more is not.
    expect(implausibility(L, { type, distanceM: limit.maxDistanceM, movingTimeS: null })).toBeUndefined();
    expect(implausibility(L, { type, distanceM: limit.maxDistanceM + 0.001, movingTimeS: null })).toMatch(
      new RegExp(`^${category}: distance .* over ${limit.maxDistanceM / 1000} km$`),
    );
    // Moving time at the limit: plausible; a second more is not.
    expect(implausibility(L, { type, distanceM: 0, movingTimeS: limit.maxDurationS })).toBeUndefined();
    expect(implausibility(L, { type, distanceM: 0, movingTimeS: limit.maxDurationS + 1 })).toMatch(
      new RegExp(`^${category}: moving time .* over ${limit.maxDurationS / 3600} h$`),
    );
    // Average speed at the limit: plausible; faster is not.
    expect(
      implausibility(L, { type, distanceM: limit.maxSpeedMps * 1000, movingTimeS: 1000 }),
    ).toBeUndefined();
    expect(implausibility(L, { type, distanceM: limit.maxSpeedMps * 1000 + 1, movingTimeS: 1000 })).toMatch(
      new RegExp(`^${category}: average speed .* over ${limit.maxSpeedMps} m/s$`),
    );
  });

  it('does not judge speed without a moving time', () => {
    expect(implausibility(L, { type: 'Run', distanceM: 42_195, movingTimeS: null })).toBeUndefined();
    expect(implausibility(L, { type: 'Run', distanceM: 42_195, movingTimeS: 0 })).toBeUndefined();
  });

  it("catches the red team's +1,000 miles in one Garmin push", () => {
    expect(implausibility(L, { type: 'RUNNING', distanceM: 1_609_344, movingTimeS: 3600 })).toBe(
      'run: distance 1609.344 km over 350 km',
    );
  });
});

describe('PLAUSIBILITY_LIMITS', () => {
  it('overrides some limits and keeps the rest', () => {
    const limits = parsePlausibilityLimits('{"run":{"maxSpeedMps":7},"swim":{"maxDistanceM":50000}}');
    expect(limits.run).toEqual({ ...DEFAULT_PLAUSIBILITY_LIMITS.run, maxSpeedMps: 7 });
    expect(limits.swim.maxDistanceM).toBe(50_000);
    expect(limits.ride).toEqual(DEFAULT_PLAUSIBILITY_LIMITS.ride);
    expect(parsePlausibilityLimits('')).toBe(DEFAULT_PLAUSIBILITY_LIMITS);
  });

  it('names what is wrong, as the worker says it at start', () => {
    const problems = (value: string) => {
      try {
        loadEnv(workerEnvSchema, { PLAUSIBILITY_LIMITS: value });
        return [];
      } catch (err) {
        return (err as { problems: string[] }).problems;
      }
    };
    expect(problems('{"run":{"maxSpeedMps":0}}')).toEqual([
      expect.stringMatching(/^PLAUSIBILITY_LIMITS: run\.maxSpeedMps: /),
    ]);
    expect(problems('{"rnu":{}}')).toEqual([expect.stringMatching(/^PLAUSIBILITY_LIMITS: .*rnu/)]);
    expect(problems('{"run":{"maxSpeed":7}}')).toEqual([
      expect.stringMatching(/^PLAUSIBILITY_LIMITS: .*maxSpeed/),
    ]);
    expect(problems('{run')).toEqual([expect.stringMatching(/^PLAUSIBILITY_LIMITS: not JSON/)]);
    expect(problems('{"run":{"maxSpeedMps":7}}')).toEqual([]);
  });
});
