import { instantFrame, progressSeries } from '../testing/frames';
import { formatMiles, formatPercent, METERS_PER_MILE, NEAR_FINISH, toProgressModel } from './progress';

describe('toProgressModel', () => {
  test('distance against the goal series', () => {
    expect(toProgressModel(progressSeries(421_337, 1_000_000), 100)).toEqual({
      distance: expect.closeTo(421_337, 6),
      goal: 1_000_000,
      goalSource: 'series',
      ratio: expect.closeTo(0.421337, 12),
      filled: expect.closeTo(0.421337, 12),
      nearFinish: false,
    });
  });

  test('reads metres and speaks miles: one mile is 1,609.344 m', () => {
    expect(
      toProgressModel([instantFrame('ops_challenge_distance_meters', 1609.344 * 25)], 100),
    ).toMatchObject({ distance: 25, goal: 100, ratio: 0.25 });
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
    const [m30, m60] = [30 * METERS_PER_MILE, 60 * METERS_PER_MILE];
    const byRefId = [
      instantFrame('', m30, {}, { refId: 'distance', aggregated: true }),
      instantFrame('', m60, {}, { refId: 'goal', aggregated: true }),
    ];
    const byLegend = [
      instantFrame('', m30, {}, { refId: 'A', aggregated: true, legend: 'ops_challenge_distance_meters' }),
      instantFrame('', m60, {}, { refId: 'B', aggregated: true, legend: 'ops_challenge_goal_meters' }),
    ];
    expect(toProgressModel(byRefId, 100)).toMatchObject({ distance: 30, goal: 60, ratio: 0.5 });
    expect(toProgressModel(byLegend, 100)).toMatchObject({ distance: 30, goal: 60, ratio: 0.5 });
  });

  test('undefined without a distance value', () => {
    expect(toProgressModel([], 100)).toBeUndefined();
    expect(toProgressModel([instantFrame('ops_challenge_goal_meters', 100)], 100)).toBeUndefined();
    expect(toProgressModel([instantFrame('ops_challenge_distance_meters', null)], 100)).toBeUndefined();
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
