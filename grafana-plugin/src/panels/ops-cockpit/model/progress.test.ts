import { instantFrame, progressSeries } from '../testing/frames';
import { formatMiles, formatPercent, NEAR_FINISH, toProgressModel } from './progress';

describe('toProgressModel', () => {
  test('distance against the goal series', () => {
    expect(toProgressModel(progressSeries(421_337, 1_000_000), 100)).toEqual({
      distance: 421_337,
      goal: 1_000_000,
      goalSource: 'series',
      ratio: 0.421337,
      filled: 0.421337,
      nearFinish: false,
    });
  });

  test('no goal series: the goalMiles option; a goal of 0 or less is skipped', () => {
    expect(toProgressModel(progressSeries(42), 200)).toMatchObject({
      goal: 200,
      goalSource: 'option',
      ratio: 0.21,
    });
    expect(toProgressModel(progressSeries(42, 0), 200)).toMatchObject({ goal: 200, goalSource: 'option' });
  });

  test.each([undefined, 0, -5, NaN])('goalMiles %p and no goal series: the default 100', (goalMiles) => {
    expect(toProgressModel(progressSeries(42), goalMiles)).toMatchObject({
      goal: 100,
      goalSource: 'default',
    });
  });

  test(`the flame bounces from ${NEAR_FINISH * 100} % on; past the goal the ring stays full`, () => {
    expect(toProgressModel(progressSeries(899.9, 1000), 100)!.nearFinish).toBe(false);
    expect(toProgressModel(progressSeries(900, 1000), 100)!.nearFinish).toBe(true);
    expect(toProgressModel(progressSeries(1040, 1000), 100)).toMatchObject({
      ratio: 1.04,
      filled: 1,
      nearFinish: true,
    });
  });

  test('a negative distance (a bad recompute) draws an empty ring', () => {
    expect(toProgressModel(progressSeries(-5, 1000), 100)).toMatchObject({ ratio: 0, filled: 0 });
  });

  test('aggregated queries are named by refId distance and goal, or by legend', () => {
    const byRefId = [
      instantFrame('', 30, {}, { refId: 'distance', aggregated: true }),
      instantFrame('', 60, {}, { refId: 'goal', aggregated: true }),
    ];
    const byLegend = [
      instantFrame('', 30, {}, { refId: 'A', aggregated: true, legend: 'ops_challenge_distance_miles' }),
      instantFrame('', 60, {}, { refId: 'B', aggregated: true, legend: 'ops_challenge_goal_miles' }),
    ];
    expect(toProgressModel(byRefId, 100)).toMatchObject({ distance: 30, goal: 60, ratio: 0.5 });
    expect(toProgressModel(byLegend, 100)).toMatchObject({ distance: 30, goal: 60, ratio: 0.5 });
  });

  test('undefined without a distance value', () => {
    expect(toProgressModel([], 100)).toBeUndefined();
    expect(toProgressModel([instantFrame('ops_challenge_goal_miles', 100)], 100)).toBeUndefined();
    expect(toProgressModel([instantFrame('ops_challenge_distance_miles', null)], 100)).toBeUndefined();
  });
});

describe('formatPercent', () => {
  test.each([
    [0.421337, '42%'],
    [0.05, '5.0%'],
    [0, '0.0%'],
    [0.9996, '99.9%'],
    [1, '100%'],
    [1.04, '104%'],
  ])('%p → %p', (ratio, text) => expect(formatPercent(ratio)).toBe(text));
});

describe('formatMiles', () => {
  test.each([
    [421_337.4, '421,337 mi'],
    [42, '42 mi'],
    [42.26, '42.3 mi'],
    [1_000_000, '1,000,000 mi'],
  ])('%p → %p', (miles, text) => expect(formatMiles(miles)).toBe(text));
});
