import { createRedisKeys, type Provider } from '@ops-cockpit/core';
import { insertProbeRow, type ProbeRow } from './probe-rows.js';
import { createOpsData, PROVIDER_HEALTH_CACHE_MS } from '../src/ops-data.js';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { windowSeconds } from '../src/routes/provider-health.js';
import { startApp, type RunningApp } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let db: TestDatabase;
let t: TestRedis;
let app: RunningApp;

beforeAll(async () => {
  db = await createTestDatabase('phealth');
  t = await createTestRedis('phealth');
  app = await startApp({ pool: db.pool, redis: t.redis, prefix: t.prefix });
});
afterAll(async () => {
  await app?.close();
  await t?.close();
  await db?.drop();
});

const get = async (path: string) => {
  const res = await fetch(`${app.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Json };
};

describe('window', () => {
  it.each([
    ['1m', 60],
    ['90m', 5_400],
    ['1h', 3_600],
    ['24h', 86_400],
    ['1440m', 86_400],
  ])('%s is %i s', (text, seconds) => expect(windowSeconds(text)).toBe(seconds));

  it.each(['0m', '25h', '1441m', '1d', '1.5h', '01h', 'h', '', '60', '-1h'])('%j is refused', (text) =>
    expect(windowSeconds(text)).toBeUndefined(),
  );
});

/** What the endpoint should say of `logs` over the last `seconds`, computed here from the rows themselves. */
function expected(logs: ProbeRow[], provider: Provider, seconds: number) {
  const mine = logs.filter((l) => l.provider === provider).sort((a, b) => +b.at - +a.at);
  const inWindow = mine.filter((l) => +l.at > Date.now() - seconds * 1000);
  const ok = inWindow.filter((l) => l.status === 'success');
  const last3 = mine.slice(0, 3);
  return {
    provider,
    successRate: inWindow.length ? (ok.length / inWindow.length) * 100 : null,
    avgLatencyMs: ok.length
      ? Math.round((ok.reduce((s, l) => s + l.latencyMs!, 0) / ok.length) * 10) / 10
      : null,
    samples: inWindow.length,
    lastStatus: mine[0]?.status ?? null,
    lastCheckedAt: mine[0]?.at.toISOString() ?? null,
    up: !(last3.length === 3 && last3.every((l) => l.status === 'error')),
  };
}

describe('GET /api/ops/provider-health', () => {
  const logs: ProbeRow[] = [];
  const minutesAgo = (m: number) => new Date(Math.floor(Date.now() / 1000) * 1000 - m * 60_000);

  beforeAll(async () => {
    // Strava: mostly fine over the hour, older probes beyond it; Garmin: its last three failed.
    for (let m = 1; m <= 170; m += 3) {
      const failed = m % 7 === 0;
      logs.push({
        provider: 'strava',
        status: failed ? 'error' : 'success',
        latencyMs: failed ? null : 100 + ((m * 37) % 400),
        httpStatus: failed ? 503 : 200,
        errorReason: failed ? 'http_5xx' : null,
        at: minutesAgo(m),
      });
    }
    for (const [m, ok] of [
      [50, true],
      [4, false],
      [3, false],
      [2, false],
    ] as const) {
      logs.push({
        provider: 'garmin',
        status: ok ? 'success' : 'error',
        latencyMs: ok ? 250 : null,
        httpStatus: ok ? 200 : null,
        errorReason: ok ? null : 'timeout',
        at: minutesAgo(m),
      });
    }
    // Polar: fine, probed every 10 minutes.
    for (let m = 5; m <= 120; m += 10) {
      logs.push({
        provider: 'polar',
        status: 'success',
        latencyMs: 150 + m,
        httpStatus: 200,
        errorReason: null,
        at: minutesAgo(m),
      });
    }
    for (const log of logs) await insertProbeRow(db.pool, log);
  });

  it.each([
    ['1h', 3_600],
    ['90m', 5_400],
    ['24h', 86_400],
    ['5m', 300],
  ])('equals what the logged rows say over window=%s', async (window, seconds) => {
    const { status, body } = await get(`/api/ops/provider-health?window=${window}`);
    expect(status).toBe(200);
    expect(body.window).toBe(window);
    expect(body.providers.map((p: Json) => p.provider)).toEqual([
      'strava',
      'garmin',
      'apple_health',
      'polar',
    ]);
    for (const [i, provider] of (['strava', 'garmin', 'apple_health', 'polar'] as const).entries()) {
      const { p95LatencyMs, ...rest } = body.providers[i];
      expect(rest).toEqual(expected(logs, provider, seconds));
      if (rest.avgLatencyMs === null) expect(p95LatencyMs).toBeNull();
      else expect(p95LatencyMs).toBeGreaterThanOrEqual(rest.avgLatencyMs);
    }
    // Garmin is down (its last three probes failed); Apple Health is not probed: no samples, not down.
    expect(body.providers[1].up).toBe(false);
    expect(body.providers[2]).toMatchObject({ samples: 0, successRate: null, up: true });
  });

  it('defaults to the last hour', async () => {
    const { body } = await get('/api/ops/provider-health');
    expect(body.window).toBe('1h');
    expect(body.providers[0]).toEqual((await get('/api/ops/provider-health?window=1h')).body.providers[0]);
  });

  it.each(['0m', '25h', '1d', 'abc', ''])('window=%j → 400 problem naming window', async (window) => {
    const { status, type, body } = await get(`/api/ops/provider-health?window=${window}`);
    expect(status).toBe(400);
    expect(type).toMatch(/^application\/problem\+json/);
    expect(body.type).toBe('https://ops-cockpit.dev/problems/bad-request');
    expect(body.errors).toEqual([{ field: 'window', message: expect.stringContaining('1m to 24h') }]);
  });

  it('refuses a repeated window parameter', async () => {
    expect((await get('/api/ops/provider-health?window=1h&window=2h')).status).toBe(400);
  });
});

describe('reuse of an answer', () => {
  it('serves one answer per window for PROVIDER_HEALTH_CACHE_MS, then reads the probes again', async () => {
    let clock = 1_000_000;
    const ops = createOpsData({
      pool: db.pool,
      redis: t.redis,
      keys: createRedisKeys(t.prefix),
      goalMiles: 1,
      now: () => clock,
    });
    const first = await ops.providerHealth(3_600);
    const samples = first[2]!.samples;
    await insertProbeRow(db.pool, {
      provider: 'apple_health',
      status: 'success',
      latencyMs: 120,
      httpStatus: 200,
      errorReason: null,
      at: new Date(),
    });
    clock += PROVIDER_HEALTH_CACHE_MS - 1;
    expect((await ops.providerHealth(3_600))[2]!.samples).toBe(samples);
    // Another window is its own answer, read now.
    expect((await ops.providerHealth(7_200))[2]!.samples).toBe(samples + 1);
    clock += 1;
    expect((await ops.providerHealth(3_600))[2]!.samples).toBe(samples + 1);
  });
});
