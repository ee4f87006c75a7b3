import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createChaosStore, createRedisKeys, type ChaosFault, type ChaosStore } from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  silentLogger,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { createWorkerChaos, withProbeChaos, withProviderChaos, type WorkerChaos } from '../src/chaos.js';
import { plainProbeCall } from '../src/probes/http-probe.js';
import { callsTo } from './calls-support.js';
import { ProviderError } from '../src/providers/errors.js';
import { StravaClient } from '../src/providers/strava-client.js';
import { createWorkerMetrics } from '../src/metrics.js';
import { parseExpectedStatuses } from '../src/probes/expected-statuses.js';
import { probeKeys } from '../src/probes/keys.js';
import { createProbeRunner } from '../src/probes/runner.js';

let db: TestDatabase;
let t: TestRedis;
let store: ChaosStore;
let chaos: WorkerChaos;
let registry: Registry;
let server: http.Server;
let base: string;
let hits = 0;

beforeAll(async () => {
  db = await createTestDatabase('wchaos');
  t = await createTestRedis('wchaos');
  const keys = createRedisKeys(t.prefix);
  store = createChaosStore({ redis: t.redis, keys, maxActive: 4 });
  registry = new Registry();
  chaos = createWorkerChaos({
    enabled: true,
    refreshMs: 60_000,
    maxActive: 4,
    redis: t.redis,
    redisUrl: t.url,
    keys,
    registry,
    logger: silentLogger,
  });
  await chaos.flags.start();
  // A provider that always answers well: any failure seen is injected.
  server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
beforeEach(async () => {
  await store.restore();
  await chaos.flags.refresh();
  hits = 0;
});
afterAll(async () => {
  await chaos?.flags.close();
  await new Promise((r) => server?.close(r));
  await t?.close();
  await db?.drop();
});

async function set(overrides: Partial<ChaosFault>): Promise<void> {
  await store.set({
    mode: 'outage',
    target: 'provider',
    providers: ['strava'],
    probability: 100,
    delayMs: 0,
    jitterMs: 0,
    expiresAtMs: Date.now() + 30_000,
    setBy: 'ada',
    ...overrides,
  });
  await chaos.flags.refresh();
}

/** An outgoing call as the worker makes it: through Spike Lab's seam. */
const outgoing = () => withProviderChaos(chaos.gate, callsTo([base]));
const call = (provider: 'strava' | 'garmin' = 'strava') => outgoing()(provider, `${base}/api/v3/athlete`);

async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

async function injected(mode: string, provider: string): Promise<number | undefined> {
  const values = (await registry.getSingleMetric('ops_chaos_injected_total')!.get()).values;
  return values.find((v) => v.labels.mode === mode && v.labels.provider === provider)?.value;
}

describe('target provider on outgoing calls', () => {
  it('outage: the call fails as a 503 (transient), without reaching the provider', async () => {
    await set({});
    const err = await failureOf(call());
    expect(err.failure).toBe('server');
    expect(err.transient).toBe(true);
    expect(err.message).toMatch(/HTTP 503 \(injected by Spike Lab\)/);
    expect(hits).toBe(0);
    // Garmin is not named: its call goes through.
    expect(await call('garmin')).toEqual({ ok: true });
    expect(hits).toBe(1);
    expect(await injected('outage', 'strava')).toBe(1);
  });

  it('rate_limit: a 429 with Retry-After, also through the Strava client', async () => {
    await set({ mode: 'rate_limit', expiresAtMs: Date.now() + 20_000 });
    const err = await failureOf(call());
    expect(err.failure).toBe('rate_limited');
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(19);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(20);
    const client = new StravaClient({ baseUrl: base, call: outgoing() });
    expect((await failureOf(client.getActivity('token', 1))).failure).toBe('rate_limited');
    expect((await failureOf(client.refresh('refresh'))).failure).toBe('rate_limited');
    expect(hits).toBe(0);
  });

  it('latency: delays the call, which then goes through', async () => {
    await set({ mode: 'latency', delayMs: 250, jitterMs: 50 });
    const started = performance.now();
    expect(await call()).toEqual({ ok: true });
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(248);
    expect(ms).toBeLessThan(250 + 50 + 150);
    expect(hits).toBe(1);
  });

  it('nothing once restored', async () => {
    await set({});
    await store.restore();
    await chaos.flags.refresh();
    expect(await call()).toEqual({ ok: true });
  });
});

describe('target provider on health probes', () => {
  function runner() {
    const metrics = createWorkerMetrics(new Registry(), {
      jobCounts: async () => ({}),
      ingestPending: async () => 0,
    });
    return createProbeRunner({
      pool: db.pool,
      redis: t.redis,
      keys: probeKeys(createRedisKeys(t.prefix)),
      targets: [
        { provider: 'strava', url: new URL(`${base}/api/v3/athlete`) },
        { provider: 'garmin', url: new URL(`${base}/wellness`) },
      ],
      expected: parseExpectedStatuses('200-299'),
      timeoutMs: 2_000,
      intervalMs: 60_000,
      metrics,
      logger: silentLogger,
      call: withProbeChaos(chaos.gate, plainProbeCall),
    });
  }

  it('an outage makes the probe fail for real: a logged 503, a down provider', async () => {
    await set({});
    const outcome = await runner().probe('strava');
    expect(outcome).toMatchObject({
      ran: true,
      log: { provider: 'strava', status: 'error', httpStatus: 503, errorReason: 'http_5xx' },
    });
    expect((await runner().probe('garmin')).ran && hits).toBe(1);
    const { rows } = await db.pool.query(
      'SELECT provider, status, http_status, error_reason FROM provider_health_logs ORDER BY id',
    );
    expect(rows).toEqual([
      { provider: 'strava', status: 'error', http_status: 503, error_reason: 'http_5xx' },
      { provider: 'garmin', status: 'success', http_status: 200, error_reason: null },
    ]);
  });

  it('a rate limit is honoured like a real one: the next probes wait for Retry-After', async () => {
    await set({ mode: 'rate_limit', providers: ['garmin'], expiresAtMs: Date.now() + 5_000 });
    const outcome = await runner().probe('garmin');
    expect(outcome).toMatchObject({ ran: true, log: { httpStatus: 429, errorReason: 'rate_limited' } });
    expect(outcome.ran && outcome.retryAfterSeconds).toBe(5);
    expect(await runner().probe('garmin')).toEqual({ ran: false, cause: 'retry_after' });
  });
});
