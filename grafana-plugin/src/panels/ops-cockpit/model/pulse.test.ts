import { AT, instantFrame, pulseSeries } from '../testing/frames';
import { SCENARIOS } from '../testing/scenarios';
import { DEFAULT_OPTIONS } from '../types';
import { formatAgo, formatMs, formatPercent, toPulseModel } from './pulse';

const model = (scenario: string) => toPulseModel(SCENARIOS[scenario].series, DEFAULT_OPTIONS)!;
const ok = { up: 1, success: 1, p95: 0.1, ttfb: 0.05 };

describe('toPulseModel', () => {
  test('a tile per provider the frames name, in name order, with its readings in % and ms', () => {
    const tiles = model('pulse');
    expect(tiles.map((t) => t.provider)).toEqual(['apple_health', 'garmin', 'strava']);
    expect(tiles[1]).toEqual({
      provider: 'garmin',
      label: 'Garmin',
      state: 'up',
      level: 'ok',
      successPercent: 99.5,
      p95Ms: 241,
      ttfbMs: 88,
      lastFailure: { reason: 'timeout', at: AT / 1000 - 2400 },
    });
  });

  test('providers come from the data: a fourth one (Polar) gets its tile without being named anywhere', () => {
    expect(model('pulse-down').map((t) => [t.provider, t.label, t.state, t.level])).toEqual([
      ['apple_health', 'Apple health', 'down', 'critical'],
      ['garmin', 'Garmin', 'degraded', 'warn'],
      ['polar', 'Polar', 'up', 'ok'],
      ['strava', 'Strava', 'up', 'ok'],
    ]);
  });

  test('the last failure is the reason seen most recently', () => {
    expect(model('pulse-down')[0].lastFailure).toEqual({ reason: 'http_4xx', at: AT / 1000 - 180 });
  });

  test('thresholds decide degraded and the bar colour', () => {
    const at = (success: number, p95: number, t = DEFAULT_OPTIONS) =>
      toPulseModel(pulseSeries({ x: { ...ok, success, p95 } }), t)![0];
    expect(at(0.99, 0.5)).toMatchObject({ state: 'up', level: 'ok' });
    expect(at(0.99, 0.501)).toMatchObject({ state: 'degraded', level: 'ok' });
    expect(at(0.9899, 0.1)).toMatchObject({ state: 'degraded', level: 'warn' });
    expect(at(0.95, 0.1)).toMatchObject({ level: 'warn' });
    expect(at(0.9499, 0.1)).toMatchObject({ level: 'critical' });
    const lenient = {
      ...DEFAULT_OPTIONS,
      pulseWarnPercent: 90,
      pulseCriticalPercent: 50,
      pulseLatencyMs: 2000,
    };
    expect(at(0.9, 1.5, lenient)).toMatchObject({ state: 'up', level: 'ok' });
    expect(at(0.6, 1.5, lenient)).toMatchObject({ state: 'degraded', level: 'warn' });
  });

  test('a provider without the up series is unknown; missing readings stay undefined', () => {
    const [tile] = toPulseModel(
      [instantFrame('', 0.5, { provider: 'polar' }, { refId: 'success', aggregated: true })],
      DEFAULT_OPTIONS,
    )!;
    expect(tile).toMatchObject({ state: 'unknown', level: 'critical', successPercent: 50 });
    expect(tile.p95Ms).toBeUndefined();
    expect(tile.lastFailure).toBeUndefined();
  });

  test('ttfb reads only the ttfb phase of ops_provider_probe_duration_seconds', () => {
    const frames = ['dns', 'ttfb', 'total'].map((phase, i) =>
      instantFrame(
        'ops_provider_probe_duration_seconds',
        i + 1,
        { provider: 'strava', phase },
        { refId: 'X' },
      ),
    );
    expect(toPulseModel(frames, DEFAULT_OPTIONS)![0].ttfbMs).toBe(2000);
  });

  test('undefined without any series labelled provider', () => {
    expect(toPulseModel([], DEFAULT_OPTIONS)).toBeUndefined();
    expect(toPulseModel([instantFrame('ops_calm_score', 1)], DEFAULT_OPTIONS)).toBeUndefined();
  });
});

describe('formatting', () => {
  test.each([
    [99.2, '99.2 %'],
    [99.99, '99.9 %'],
    [100, '100 %'],
    [0, '0 %'],
  ])('formatPercent(%p) = %p (never rounded up to a perfect score)', (p, text) =>
    expect(formatPercent(p)).toBe(text),
  );
  test('formatMs', () => {
    expect([formatMs(undefined), formatMs(182.4), formatMs(1940)]).toEqual(['–', '182 ms', '1.9 s']);
  });
  test('formatAgo', () => {
    const now = 1_000_000_000;
    expect([40, 720, 3 * 3600 + 10, 2 * 86400].map((ago) => formatAgo(now / 1000 - ago, now))).toEqual([
      '40 s ago',
      '12 min ago',
      '3 h ago',
      '2 d ago',
    ]);
  });
});
