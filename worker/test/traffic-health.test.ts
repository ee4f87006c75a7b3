// Passive health on the real Postgres, Redis and the simulator as Strava: real calls recorded as probes would be
// (source traffic), one row per interval, and the active probe skipped while real calls keep the provider heard.
import { Registry } from 'prom-client';
import { createRedisKeys, Secret } from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  silentLogger,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { startSimulator, type RunningSimulator } from '../../simulator/test/helpers.js';
import { createWorkerMetrics } from '../src/metrics.js';
import { parseExpectedStatuses } from '../src/probes/expected-statuses.js';
import { probeKeys } from '../src/probes/keys.js';
import { createProbeRunner } from '../src/probes/runner.js';
import { createTrafficHealth, healthOfFailure, withTrafficHealth } from '../src/probes/traffic-health.js';
import { callsTo } from './calls-support.js';

let db: TestDatabase;
let t: TestRedis;
let sim: RunningSimulator;
let at = 1_000_000;
const INTERVAL_MS = 60_000;

beforeAll(async () => {
  db = await createTestDatabase('traffic');
  t = await createTestRedis('traffic');
  sim = await startSimulator();
});
afterAll(async () => {
  await sim?.close();
  await t?.close();
  await db?.drop();
});

it('maps call failures to probe outcomes: answers about a resource mean the provider is up', () => {
  expect(healthOfFailure('not_found')).toBeUndefined();
  expect(healthOfFailure('unauthorized')).toBeUndefined();
  expect(healthOfFailure('server')).toBe('http_5xx');
  expect(healthOfFailure('rate_limited')).toBe('rate_limited');
  expect(healthOfFailure('timeout')).toBe('timeout');
  expect(healthOfFailure('network')).toBe('connect');
  // Never went out: nothing to say about the provider.
  expect(healthOfFailure('refused')).toBeNull();
  expect(healthOfFailure('budget')).toBeNull();
});

it('records real calls (one row per interval), and the probe waits while they keep coming', async () => {
  const registry = new Registry();
  const metrics = createWorkerMetrics(registry, {
    jobCounts: async () => ({}),
    ingestPending: async () => 0,
  });
  const keys = probeKeys(createRedisKeys(t.prefix));
  const health = createTrafficHealth({
    pool: db.pool,
    redis: t.redis,
    keys,
    intervalMs: INTERVAL_MS,
    metrics,
    logger: silentLogger,
    now: () => at,
  });
  const outbound = callsTo([sim.url]);
  const call = withTrafficHealth(outbound, health);
  const token = sim.world.issueToken(1001, Date.now()).accessToken;
  const get = (path: string) =>
    call('strava', new URL(path, sim.url).toString(), { headers: { Authorization: `Bearer ${token}` } });

  await get('/api/v3/athlete');
  await expect(get('/api/v3/activities/1')).rejects.toThrow(); // 404: the provider answered, it is up
  sim.faults.set('strava', { errorRate: 1, errorStatus: 503 });
  await expect(get('/api/v3/athlete')).rejects.toThrow();
  sim.faults.reset();

  const counts = async () =>
    Object.fromEntries(
      (await metrics.probes.get()).values.map((v) => [
        `${v.labels.source}:${v.labels.result}:${v.labels.reason}`,
        v.value,
      ]),
    );
  expect(await counts()).toEqual({ 'traffic:success:none': 2, 'traffic:error:http_5xx': 1 });
  // One row for the interval: the first call's.
  const { rows } = await db.pool.query(
    `SELECT provider, status, source, latency_ms >= 0 AS timed FROM provider_health_logs ORDER BY id`,
  );
  expect(rows).toEqual([{ provider: 'strava', status: 'success', source: 'traffic', timed: true }]);

  const probes = createProbeRunner({
    pool: db.pool,
    redis: t.redis,
    keys,
    targets: [{ provider: 'strava', url: new URL('/api/v3/athlete', sim.url), bearer: new Secret(token) }],
    expected: parseExpectedStatuses('200-299'),
    timeoutMs: 2_000,
    intervalMs: INTERVAL_MS,
    metrics,
    logger: silentLogger,
  });
  expect(await probes.probe('strava')).toEqual({ ran: false, cause: 'traffic' });
  // Quiet for an interval: the mark has expired and the probe runs again.
  await t.redis.del(keys.traffic('strava'));
  expect(await probes.probe('strava')).toMatchObject({ ran: true });
  // The next interval's first call writes its row.
  at += INTERVAL_MS;
  await get('/api/v3/athlete');
  const sources = await db.pool.query(`SELECT source FROM provider_health_logs ORDER BY id`);
  expect(sources.rows.map((r) => r.source)).toEqual(['traffic', 'probe', 'traffic']);
  await outbound.close();
});
