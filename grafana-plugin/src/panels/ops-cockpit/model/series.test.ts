import { createDataFrame, FieldType } from '@grafana/data';

import { instantFrame } from '../testing/frames';
import { findValue, isSeries, lastNumber, numericSeries, toNumber } from './series';

const GOAL = { metric: 'ops_challenge_goal_meters', refIds: ['goal'] };

describe('toNumber', () => {
  test.each([
    [3, 3],
    ['4', 4],
    [' 5.5 ', 5.5],
    ['', undefined],
    ['abc', undefined],
    [NaN, undefined],
    [Infinity, undefined],
    [null, undefined],
    [undefined, undefined],
  ])('%p → %p', (input, expected) => expect(toNumber(input)).toBe(expected));
});

describe('lastNumber', () => {
  const field = (values: unknown[]) =>
    createDataFrame({ fields: [{ name: 'Value', type: FieldType.number, values }] }).fields[0];

  test('the newest finite value, skipping trailing gaps', () => {
    expect(lastNumber(field([1, 2, null, NaN]))).toBe(2);
  });

  test('undefined when the field holds no number', () => {
    expect(lastNumber(field([null, null]))).toBeUndefined();
    expect(lastNumber(field([]))).toBeUndefined();
  });
});

describe('isSeries', () => {
  const only = (frame: ReturnType<typeof instantFrame>) => numericSeries([frame])[0];

  test('a bare metric query: the __name__ label', () => {
    expect(isSeries(only(instantFrame('ops_challenge_goal_meters', 1)), GOAL)).toBe(true);
    expect(isSeries(only(instantFrame('ops_challenge_distance_meters', 1)), GOAL)).toBe(false);
  });

  test('an aggregated query: its legend (displayNameFromDS) or its refId', () => {
    const byLegend = instantFrame('x', 1, {}, { aggregated: true, legend: 'ops_challenge_goal_meters' });
    const byRefId = instantFrame('x', 1, {}, { aggregated: true, refId: 'goal' });
    const neither = instantFrame('x', 1, {}, { aggregated: true, refId: 'B' });
    expect(isSeries(only(byLegend), GOAL)).toBe(true);
    expect(isSeries(only(byRefId), GOAL)).toBe(true);
    expect(isSeries(only(neither), GOAL)).toBe(false);
  });

  test('a frame named after the metric, and a table with a __name__ column', () => {
    const named = createDataFrame({
      name: 'ops_challenge_goal_meters',
      fields: [{ name: 'Value', type: FieldType.number, values: [5] }],
    });
    const table = createDataFrame({
      fields: [
        { name: '__name__', type: FieldType.string, values: ['ops_challenge_goal_meters'] },
        { name: 'Value #A', type: FieldType.number, values: [5] },
      ],
    });
    expect(isSeries(only(named), GOAL)).toBe(true);
    expect(isSeries(only(table), GOAL)).toBe(true);
  });
});

test('findValue takes the first matching series that carries a number', () => {
  const series = numericSeries([
    instantFrame('ops_challenge_goal_meters', null),
    instantFrame('ops_challenge_distance_meters', 7),
    instantFrame('ops_challenge_goal_meters', 1000),
  ]);
  expect(findValue(series, GOAL)).toBe(1000);
  expect(findValue(series, { metric: 'ops_calm_score', refIds: ['score'] })).toBeUndefined();
});
