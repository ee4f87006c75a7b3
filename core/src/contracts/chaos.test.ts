import {
  chaosFaultInputSchema,
  decideFault,
  faultFromInput,
  modeIssues,
  NO_FAULT,
  parseStoredFault,
  type ChaosFault,
} from './chaos.js';

const NOW = Date.UTC(2026, 6, 1, 12);

/** mulberry32: a seeded random in [0, 1), so probability checks are exact and repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fault(overrides: Partial<ChaosFault>): ChaosFault {
  return {
    mode: 'outage',
    target: 'ingest',
    providers: ['strava', 'garmin', 'apple_health', 'polar'],
    probability: 100,
    delayMs: 0,
    jitterMs: 0,
    expiresAtMs: NOW + 60_000,
    setBy: 'ada',
    ...overrides,
  };
}

const always = () => 0;
const strava = { target: 'ingest', provider: 'strava' } as const;

describe('decideFault', () => {
  it('hits only its target and providers, and nothing once expired', () => {
    const faults = [fault({ providers: ['garmin'] })];
    expect(decideFault(faults, strava, always, NOW)).toBe(NO_FAULT);
    expect(decideFault(faults, { target: 'provider', provider: 'garmin' }, always, NOW)).toBe(NO_FAULT);
    expect(decideFault(faults, { target: 'ingest', provider: 'garmin' }, always, NOW).abort?.status).toBe(
      503,
    );
    expect(decideFault(faults, { target: 'ingest', provider: 'garmin' }, always, NOW + 60_000)).toBe(
      NO_FAULT,
    );
  });

  it('answers 503 for an outage and 429 for a rate limit, Retry-After = remaining time capped at 60 s', () => {
    expect(decideFault([fault({ expiresAtMs: NOW + 2_500 })], strava, always, NOW).abort).toEqual({
      mode: 'outage',
      status: 503,
      retryAfterSeconds: 3,
    });
    expect(decideFault([fault({ mode: 'rate_limit' })], strava, always, NOW).abort).toEqual({
      mode: 'rate_limit',
      status: 429,
      retryAfterSeconds: 60,
    });
  });

  it('lets an outage win over a rate limit, and never duplicates an aborted request', () => {
    const d = decideFault(
      [fault({ mode: 'rate_limit' }), fault({ mode: 'duplicates' }), fault({ mode: 'outage' })],
      strava,
      always,
      NOW,
    );
    expect(d.abort?.mode).toBe('outage');
    expect(d.duplicate).toBe(false);
    expect(d.injected).toEqual(['outage']);
  });

  it('adds delay plus jitter within [delayMs, delayMs + jitterMs], combined with other faults', () => {
    const random = seeded(7);
    const faults = [fault({ mode: 'latency', delayMs: 200, jitterMs: 100 }), fault({ mode: 'duplicates' })];
    const delays = Array.from({ length: 200 }, () => {
      const d = decideFault(faults, strava, random, NOW);
      expect(d.duplicate).toBe(true);
      expect(d.injected).toEqual(['latency', 'duplicates']);
      return d.delayMs;
    });
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...delays)).toBeLessThanOrEqual(300);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(80);
  });

  it('hits about `probability` percent of requests', () => {
    const random = seeded(42);
    for (const probability of [0, 10, 50, 100]) {
      const faults = [fault({ probability })];
      const hits = Array.from({ length: 2_000 }, () => decideFault(faults, strava, random, NOW)).filter(
        (d) => d.abort,
      ).length;
      expect(Math.abs(hits / 20 - probability)).toBeLessThanOrEqual(3);
    }
  });
});

describe('chaosFaultInputSchema', () => {
  it('fills the defaults: every provider, 100 %, no delay, 5 minutes', () => {
    const input = chaosFaultInputSchema.parse({ target: 'ingest' });
    expect(faultFromInput('outage', input, 'ada', NOW)).toEqual(
      fault({ expiresAtMs: NOW + 300_000, setBy: 'ada' }),
    );
  });

  it('names each bad field', () => {
    const result = chaosFaultInputSchema.safeParse({
      target: 'db',
      providers: ['myspace'],
      probability: 101,
      delayMs: -1,
      jitterMs: 1.5,
      ttlSeconds: 3_601,
      colour: 'red',
    });
    expect(result.success).toBe(false);
    const fields = result.error!.issues.map((i) => i.path.join('.') || i.code);
    expect(fields).toEqual(
      expect.arrayContaining(['target', 'providers.0', 'probability', 'delayMs', 'jitterMs', 'ttlSeconds']),
    );
    expect(JSON.stringify(result.error!.issues)).toContain('colour');
  });

  it('checks what depends on the mode', () => {
    const input = chaosFaultInputSchema.parse({ target: 'provider' });
    expect(modeIssues('latency', input).map((i) => i.field)).toEqual(['delayMs']);
    expect(modeIssues('duplicates', input).map((i) => i.field)).toEqual(['target']);
    expect(modeIssues('outage', input)).toEqual([]);
  });
});

describe('parseStoredFault', () => {
  it('reads a stored fault and ignores anything else', () => {
    const f = fault({});
    expect(parseStoredFault(JSON.stringify(f))).toEqual(f);
    expect(parseStoredFault('{')).toBeUndefined();
    expect(parseStoredFault(JSON.stringify({ ...f, mode: 'meteor' }))).toBeUndefined();
  });
});
