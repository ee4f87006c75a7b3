import { averageProviderLatency, calmScore, CALM_FACTORS } from './calm-score.js';

const up = (provider: 'strava' | 'garmin' | 'apple_health', avgLatencyMs: number | null) => ({
  provider,
  avgLatencyMs,
  up: true,
});

const penalties = (inputs: Parameters<typeof calmScore>[0]) =>
  Object.fromEntries(calmScore(inputs).factors.map((f) => [f.name, f.penalty]));

describe('calmScore', () => {
  it('is 100 and calm with nothing wrong, listing every factor with penalty 0', () => {
    const result = calmScore({ openIncidents: 0, providers: [up('strava', 120), up('garmin', 300)] });
    expect(result).toEqual({
      calmScore: 100,
      stressed: false,
      factors: [
        { name: 'open_incidents', penalty: 0, detail: '0 open incidents' },
        {
          name: 'provider_latency',
          penalty: 0,
          detail: 'average provider latency 210 ms over the last hour (limit 500 ms)',
        },
        { name: 'provider_down', penalty: 0, detail: 'all providers up' },
      ],
    });
    expect(result.factors.map((f) => f.name)).toEqual([...CALM_FACTORS]);
  });

  it('takes 10 per open incident', () => {
    expect(calmScore({ openIncidents: 1, providers: [] }).calmScore).toBe(90);
    expect(calmScore({ openIncidents: 3, providers: [] }).factors[0]).toEqual({
      name: 'open_incidents',
      penalty: 30,
      detail: '3 open incidents',
    });
  });

  it('takes 20 only when the average latency is above 500 ms, not at 500', () => {
    expect(penalties({ openIncidents: 0, providers: [up('strava', 500)] }).provider_latency).toBe(0);
    expect(penalties({ openIncidents: 0, providers: [up('strava', 500.5)] }).provider_latency).toBe(20);
    // Mean of the providers' averages: (900 + 200) / 2 = 550.
    expect(penalties({ openIncidents: 0, providers: [up('strava', 900), up('garmin', 200)] })).toEqual({
      open_incidents: 0,
      provider_latency: 20,
      provider_down: 0,
    });
  });

  it('takes 50 once however many providers are down, naming them', () => {
    const result = calmScore({
      openIncidents: 0,
      providers: [
        { provider: 'strava', avgLatencyMs: null, up: false },
        { provider: 'garmin', avgLatencyMs: null, up: false },
        up('apple_health', 100),
      ],
    });
    expect(result.calmScore).toBe(50);
    expect(result.stressed).toBe(false);
    expect(result.factors[2]).toEqual({ name: 'provider_down', penalty: 50, detail: 'down: strava, garmin' });
  });

  it('is stressed below 50 and clamped at 0', () => {
    const down = { provider: 'strava' as const, avgLatencyMs: 800, up: false };
    expect(calmScore({ openIncidents: 1, providers: [down] })).toMatchObject({
      calmScore: 20,
      stressed: true,
    });
    expect(calmScore({ openIncidents: 12, providers: [down] }).calmScore).toBe(0);
    expect(calmScore({ openIncidents: 12, providers: [down] }).factors[0]?.penalty).toBe(120);
  });

  it('ignores a negative or fractional incident count rather than raising the score', () => {
    expect(calmScore({ openIncidents: -3, providers: [] }).calmScore).toBe(100);
    expect(calmScore({ openIncidents: 1.7, providers: [] }).calmScore).toBe(90);
  });
});

describe('averageProviderLatency', () => {
  it('leaves out providers without samples, and is null with none', () => {
    expect(averageProviderLatency([up('strava', 100), up('garmin', null), up('apple_health', 300)])).toBe(
      200,
    );
    expect(averageProviderLatency([up('strava', null)])).toBeNull();
    expect(averageProviderLatency([])).toBeNull();
  });

  it('says one incident in the singular, and when there is no latency sample', () => {
    const result = calmScore({ openIncidents: 1, providers: [up('strava', null)] });
    expect(result.factors.map((f) => f.detail).slice(0, 2)).toEqual([
      '1 open incident',
      'no provider latency samples in the last hour',
    ]);
  });
});
