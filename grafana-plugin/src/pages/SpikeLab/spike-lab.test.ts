import type { ChaosFault } from '../../api/ops-client';
import {
  activeFaults,
  defaultForm,
  describeFault,
  faultInput,
  formFromFault,
  formatCountdown,
  remainingSeconds,
} from './spike-lab';

const NOW = Date.parse('2026-11-26T12:00:00Z');

function fault(extra: Partial<ChaosFault> = {}): ChaosFault {
  return {
    mode: 'outage',
    target: 'ingest',
    providers: ['strava', 'garmin', 'apple_health', 'polar'],
    probability: 100,
    delayMs: 0,
    jitterMs: 0,
    expiresAt: new Date(NOW + 90_500).toISOString(),
    setBy: 'grace',
    ...extra,
  };
}

describe('spike lab logic', () => {
  it('builds the PUT body: numbers as numbers, delay and jitter only for latency', () => {
    expect(faultInput('outage', defaultForm('outage'))).toEqual({
      target: 'ingest',
      providers: ['strava', 'garmin', 'apple_health', 'polar'],
      probability: 100,
      ttlSeconds: 300,
    });
    const latency = {
      ...defaultForm('latency'),
      target: 'provider' as const,
      providers: ['garmin' as const],
      jitterMs: '250',
    };
    expect(faultInput('latency', latency)).toEqual({
      target: 'provider',
      providers: ['garmin'],
      probability: 100,
      ttlSeconds: 300,
      delayMs: 2000,
      jitterMs: 250,
    });
  });

  it("sends text that is no number as is, so the exporter's 400 names the field", () => {
    const body = faultInput('outage', { ...defaultForm('outage'), probability: 'lots', ttlSeconds: ' ' });
    expect(body.probability).toBe('lots');
    expect(body.ttlSeconds).toBe('');
  });

  it('counts down to the expiry and drops expired faults before the next poll', () => {
    expect(remainingSeconds(fault(), NOW)).toBe(91);
    expect(remainingSeconds(fault(), NOW + 200_000)).toBe(0);
    expect(formatCountdown(91)).toBe('1:31');
    expect(formatCountdown(5)).toBe('0:05');
    expect(formatCountdown(3600 + 62)).toBe('1:01:02');
    const gone = fault({ mode: 'latency', expiresAt: new Date(NOW - 1).toISOString() });
    expect(activeFaults([fault(), gone], NOW).map((f) => f.mode)).toEqual(['outage']);
  });

  it('describes a fault and shows an active one in its form', () => {
    expect(describeFault(fault())).toBe('Incoming webhooks · all providers · 100%');
    expect(
      describeFault(
        fault({
          mode: 'latency',
          target: 'provider',
          providers: ['strava'],
          probability: 25,
          delayMs: 800,
          jitterMs: 200,
        }),
      ),
    ).toBe('Calls to providers · Strava · 25%, 800 ms + up to 200 ms');
    expect(formFromFault(fault({ probability: 30 }), NOW)).toMatchObject({
      probability: '30',
      ttlSeconds: '91',
    });
  });
});
