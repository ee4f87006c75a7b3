import {
  CHAOS_DELAY_MAX_MS,
  CHAOS_TTL_MAX_SECONDS,
  chaosFaultInputSchema,
  decideFault,
  faultFromInput,
  isChaosMode,
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

describe('chaos bounds, at their edges', () => {
  const ok = (body: Record<string, unknown>) =>
    chaosFaultInputSchema.safeParse({ target: 'ingest', ...body });
  const badFields = (body: Record<string, unknown>) => {
    const r = ok(body);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('takes every value at the edge of its range and refuses one step past it', () => {
    for (const body of [
      { probability: 0 },
      { probability: 100 },
      { delayMs: 0, jitterMs: 0 },
      { delayMs: CHAOS_DELAY_MAX_MS },
      { jitterMs: CHAOS_DELAY_MAX_MS },
      { delayMs: CHAOS_DELAY_MAX_MS - 1, jitterMs: 1 },
      { ttlSeconds: 1 },
      { ttlSeconds: CHAOS_TTL_MAX_SECONDS },
      { providers: ['strava', 'garmin'] },
    ]) {
      expect({ body, success: ok(body).success }).toEqual({ body, success: true });
    }
    for (const [body, field] of [
      [{ probability: -0.1 }, 'probability'],
      [{ probability: 100.1 }, 'probability'],
      [{ delayMs: CHAOS_DELAY_MAX_MS + 1 }, 'delayMs'],
      [{ jitterMs: -1 }, 'jitterMs'],
      [{ jitterMs: CHAOS_DELAY_MAX_MS + 1 }, 'jitterMs'],
      [{ ttlSeconds: 0 }, 'ttlSeconds'],
      [{ ttlSeconds: CHAOS_TTL_MAX_SECONDS + 1 }, 'ttlSeconds'],
      [{ providers: [] }, 'providers'],
    ] as const) {
      expect(badFields(body).map((f) => f.split(':')[0])).toContain(field);
    }
  });

  it('refuses delay plus jitter over the limit on jitterMs, naming the limit, and only then', () => {
    expect(badFields({ delayMs: CHAOS_DELAY_MAX_MS, jitterMs: 1 })).toEqual([
      `jitterMs: delayMs + jitterMs exceeds ${CHAOS_DELAY_MAX_MS}`,
    ]);
    expect(badFields({ delayMs: 20_000, jitterMs: 10_000 })).toEqual([]);
    expect(badFields({ delayMs: 20_000, jitterMs: 10_001 })).toHaveLength(1);
  });

  it('knows the modes, and keeps one copy of each provider asked for', () => {
    expect(['outage', 'rate_limit', 'latency', 'duplicates'].every(isChaosMode)).toBe(true);
    expect([undefined, 7, 'meteor', 'OUTAGE'].some(isChaosMode)).toBe(false);
    const input = chaosFaultInputSchema.parse({
      target: 'provider',
      providers: ['polar', 'polar', 'strava'],
    });
    expect(faultFromInput('outage', input, 'ada', NOW).providers).toEqual(['polar', 'strava']);
  });

  it('names why a mode refuses a fault, and accepts what each mode allows', () => {
    const at = (target: 'ingest' | 'provider', delayMs = 0, jitterMs = 0) =>
      chaosFaultInputSchema.parse({ target, delayMs, jitterMs });
    expect(modeIssues('latency', at('ingest'))).toEqual([
      { field: 'delayMs', message: 'latency needs delayMs (or jitterMs) above 0' },
    ]);
    expect(modeIssues('latency', at('ingest', 0, 5))).toEqual([]);
    expect(modeIssues('latency', at('ingest', 5, 0))).toEqual([]);
    expect(modeIssues('latency', at('ingest', 5, 5))).toEqual([]);
    expect(modeIssues('outage', at('ingest'))).toEqual([]);
    expect(modeIssues('duplicates', at('provider'))).toEqual([
      { field: 'target', message: 'duplicates applies to target ingest only' },
    ]);
    expect(modeIssues('duplicates', at('ingest'))).toEqual([]);
    expect(modeIssues('rate_limit', at('provider'))).toEqual([]);
  });

  it('hits at a roll just under the probability, misses at the roll equal to it', () => {
    const half = [fault({ probability: 50 })];
    expect(decideFault(half, strava, () => 0.499, NOW).abort?.status).toBe(503);
    expect(decideFault(half, strava, () => 0.5, NOW)).toBe(NO_FAULT);
    expect(NO_FAULT).toEqual({ delayMs: 0, duplicate: false, injected: [] });
  });

  it('keeps the first outage when a second hits, and a rate limit never replaces an outage', () => {
    const d = decideFault(
      [
        fault({ mode: 'outage', expiresAtMs: NOW + 10_000 }),
        fault({ mode: 'outage', expiresAtMs: NOW + 50_000 }),
        fault({ mode: 'rate_limit' }),
      ],
      strava,
      always,
      NOW,
    );
    expect(d.abort).toEqual({ mode: 'outage', status: 503, retryAfterSeconds: 10 });
    expect(d.injected).toEqual(['outage', 'outage']);
    const limited = decideFault(
      [fault({ mode: 'rate_limit' }), fault({ mode: 'latency', delayMs: 5 })],
      strava,
      always,
      NOW,
    );
    expect(limited).toEqual({
      delayMs: 5,
      duplicate: false,
      injected: ['rate_limit', 'latency'],
      abort: { mode: 'rate_limit', status: 429, retryAfterSeconds: 60 },
    });
  });

  it('delays but never duplicates for a latency fault alone', () => {
    expect(decideFault([fault({ mode: 'latency', delayMs: 7 })], strava, always, NOW)).toEqual({
      delayMs: 7,
      duplicate: false,
      injected: ['latency'],
    });
  });

  it('reads stored numbers only within their ranges', () => {
    const f = fault({});
    for (const bad of [{ probability: 101 }, { probability: -1 }, { delayMs: -1 }, { jitterMs: -1 }]) {
      expect(parseStoredFault(JSON.stringify({ ...f, ...bad }))).toBeUndefined();
    }
    expect(parseStoredFault(JSON.stringify({ ...f, probability: 100, delayMs: 0, jitterMs: 0 }))).toEqual(f);
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
