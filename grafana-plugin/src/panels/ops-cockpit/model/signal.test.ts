import { createDataFrame, FieldType } from '@grafana/data';

import { AT, signalFrames } from '../testing/frames';
import { SCENARIOS } from '../testing/scenarios';
import { DEFAULT_OPTIONS } from '../types';
import { findSpikes, isFlatline, signalSeries, toSignalModel } from './signal';

const range = { from: AT - 600_000, to: AT };
const model = (scenario: string) => {
  const { series, options } = SCENARIOS[scenario];
  return toSignalModel(signalSeries(series), { ...DEFAULT_OPTIONS, ...options }, range)!;
};

describe('signalSeries', () => {
  test('one series per provider label, times and values without nulls', () => {
    const frame = createDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [1000, 2000, 3000] },
        { name: 'Value', type: FieldType.number, values: [1, null, 3], labels: { provider: 'polar' } },
      ],
    });
    expect(signalSeries([frame])).toEqual([{ provider: 'polar', times: [1000, 3000], values: [1, 3] }]);
  });

  test('a frame without a time field is no signal; a provider given twice keeps its first series', () => {
    const noTime = createDataFrame({ fields: [{ name: 'Value', type: FieldType.number, values: [1] }] });
    expect(signalSeries([noTime])).toEqual([]);
    const twice = signalFrames({ strava: [1, 2] }).concat(signalFrames({ strava: [5, 6] }));
    expect(signalSeries(twice).map((s) => s.values)).toEqual([[1, 2]]);
  });
});

describe('findSpikes', () => {
  test('a sample above factor × the median of the samples before it', () => {
    expect(findSpikes([2, 2, 2, 2, 7, 2], 3)).toEqual([4]);
    expect(findSpikes([2, 2, 2, 2, 6, 2], 3)).toEqual([]);
  });
  test('no baseline yet (fewer than 3 samples) or a zero median: no spike', () => {
    expect(findSpikes([1, 50], 3)).toEqual([]);
    expect(findSpikes([0, 0, 0, 0, 9], 3)).toEqual([]);
  });
  test('the median is of the last 12 samples only', () => {
    // The step up from 1 to 10 is a spike until the tens are most of the window; then 10 is the baseline.
    const values = [...Array(20).fill(1), ...Array(12).fill(10)];
    expect(findSpikes([...values, 31], 3)).toEqual([20, 21, 22, 23, 24, 25, 32]);
    expect(findSpikes([...values, 29], 3)).toEqual([20, 21, 22, 23, 24, 25]);
  });
});

describe('isFlatline', () => {
  const series = (values: number[]) => ({ provider: 'x', times: values.map((_, i) => i * 5000), values });
  test('zero for the whole of the last N seconds', () => {
    expect(isFlatline(series([3, 0, 0, 0, 0]), 15)).toBe(true);
    expect(isFlatline(series([3, 0, 0, 1, 0]), 15)).toBe(false);
  });
  test('not before the series has lasted N seconds', () => {
    expect(isFlatline(series([0, 0, 0]), 15)).toBe(false);
    expect(isFlatline(series([0, 0, 0, 0]), 15)).toBe(true);
  });
});

describe('toSignalModel', () => {
  test('normal traffic: three traces in name order, no flatline, no spike', () => {
    const m = model('signal');
    expect(m.traces.map((t) => [t.provider, t.label, t.flatline, t.spikes])).toEqual([
      ['apple_health', 'Apple health', false, []],
      ['garmin', 'Garmin', false, []],
      ['strava', 'Strava', false, []],
    ]);
    expect(m.max).toBeGreaterThan(Math.max(...m.traces.flatMap((t) => t.values)));
    expect([m.from, m.to]).toEqual([range.from, range.to]);
  });

  test('Garmin silent for 3 minutes is a flatline; the others are not', () => {
    expect(model('signal-flatline').traces.map((t) => [t.provider, t.flatline, t.last])).toEqual([
      ['apple_health', false, expect.any(Number)],
      ['garmin', true, 0],
      ['strava', false, expect.any(Number)],
    ]);
  });

  test("Strava's two bursts are spikes", () => {
    expect(model('signal-spike').traces.find((t) => t.provider === 'strava')!.spikes).toEqual([80, 104]);
  });

  test('the flatline time and the spike factor are options', () => {
    const { series } = SCENARIOS['signal-flatline'];
    const long = toSignalModel(signalSeries(series), { ...DEFAULT_OPTIONS, flatlineSeconds: 300 }, range)!;
    expect(long.traces.some((t) => t.flatline)).toBe(false);
    const spikes = SCENARIOS['signal-spike'].series;
    const high = toSignalModel(signalSeries(spikes), { ...DEFAULT_OPTIONS, spikeFactor: 8 }, range)!;
    expect(high.traces.flatMap((t) => t.spikes)).toEqual([]);
  });

  test('undefined when no series has a sample; all zero still draws, with an axis of 1', () => {
    expect(toSignalModel([], DEFAULT_OPTIONS, range)).toBeUndefined();
    expect(toSignalModel([{ provider: 'x', times: [], values: [] }], DEFAULT_OPTIONS, range)).toBeUndefined();
    expect(toSignalModel([{ provider: 'x', times: [1], values: [0] }], DEFAULT_OPTIONS, range)?.max).toBe(1);
  });
});
