import {
  DEFAULT_INTERVAL_MS,
  parseSample,
  pushInterval,
  pushSample,
  reconnectDelay,
  streamStatus,
  toSeries,
  WINDOW_MS,
  type ThroughputSample,
} from './live-signal';

const T0 = Date.parse('2026-11-26T12:00:00Z');
const sample = (i: number, byProvider: Record<string, number> = { strava: i }): ThroughputSample => ({
  at: T0 + i * 5000,
  byProvider,
});

describe('parseSample', () => {
  test("the exporter's event data: time and events/s per provider, whatever providers it names", () => {
    const data = JSON.stringify({
      at: '2026-11-26T12:00:05.000Z',
      eventsPerSecond: 1.4,
      byProvider: { strava: 1, garmin: 0.4, apple_health: 0, polar: 0 },
    });
    expect(parseSample(data)).toEqual({
      at: T0 + 5000,
      byProvider: { strava: 1, garmin: 0.4, apple_health: 0, polar: 0 },
    });
  });

  test.each([
    'not json',
    'null',
    '{}',
    '{"at":"yesterday","byProvider":{}}',
    '{"at":"2026-11-26T12:00:00Z"}',
  ])('not a sample: %s', (data) => expect(parseSample(data)).toBeUndefined());

  test('rates that are not finite non-negative numbers are left out', () => {
    const data = JSON.stringify({ at: '2026-11-26T12:00:00Z', byProvider: { a: -1, b: 'x', c: null, d: 2 } });
    expect(parseSample(data)?.byProvider).toEqual({ d: 2 });
  });
});

describe('pushSample', () => {
  test('appends, drops repeats and older samples, forgets what left the window', () => {
    let samples = [sample(0), sample(1)];
    samples = pushSample(samples, sample(2));
    expect(samples.map((s) => s.at)).toEqual([T0, T0 + 5000, T0 + 10_000]);
    expect(pushSample(samples, sample(2))).toBe(samples);
    expect(pushSample(samples, sample(1))).toBe(samples);
    const late = sample(WINDOW_MS / 5000 + 1);
    expect(pushSample(samples, late).map((s) => s.at)).toEqual([T0 + 10_000, late.at]);
  });
});

describe('toSeries', () => {
  test('one series per provider any sample names; a provider added later starts then', () => {
    const series = toSeries([
      sample(0, { strava: 1, garmin: 2 }),
      sample(1, { strava: 3, garmin: 0, polar: 5 }),
    ]);
    expect(series).toEqual([
      { provider: 'strava', times: [T0, T0 + 5000], values: [1, 3] },
      { provider: 'garmin', times: [T0, T0 + 5000], values: [2, 0] },
      { provider: 'polar', times: [T0 + 5000], values: [5] },
    ]);
  });
});

describe('pushInterval', () => {
  test('the median gap between samples, the default before two', () => {
    expect(pushInterval([])).toBe(DEFAULT_INTERVAL_MS);
    expect(pushInterval([sample(0)])).toBe(DEFAULT_INTERVAL_MS);
    const oneSecond = [0, 1000, 2000, 3500, 4500].map((ms) => ({ at: T0 + ms, byProvider: {} }));
    expect(pushInterval(oneSecond)).toBe(1000);
  });
});

describe('streamStatus', () => {
  const since = T0;
  test('connecting until the first sample, live while samples come, stale after 3 intervals without', () => {
    expect(streamStatus({ open: false, since }, T0 + 100, 5000)).toBe('reconnecting');
    expect(streamStatus({ open: true, since }, T0 + 100, 5000)).toBe('connecting');
    expect(streamStatus({ open: true, since, lastSampleAt: T0 + 5000 }, T0 + 20_000, 5000)).toBe('live');
    expect(streamStatus({ open: true, since, lastSampleAt: T0 + 5000 }, T0 + 20_001, 5000)).toBe('stale');
    expect(streamStatus({ open: true, since }, T0 + 15_001, 5000)).toBe('stale');
  });
  test('a shut source is reconnecting until it is stale', () => {
    expect(streamStatus({ open: false, since, lastSampleAt: T0 }, T0 + 6000, 5000)).toBe('reconnecting');
    expect(streamStatus({ open: false, since, lastSampleAt: T0 }, T0 + 16_000, 5000)).toBe('stale');
  });
});

test('reconnectDelay doubles from 1 s up to 30 s', () => {
  expect([0, 1, 2, 3, 4, 5, 10].map(reconnectDelay)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
});
