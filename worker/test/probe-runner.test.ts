import http from 'node:http';
import net from 'node:net';
import { Registry } from 'prom-client';
import { createRedisKeys, Secret, type Provider } from '@ops-cockpit/core';
import { type ProbeErrorReason } from '../src/probes/provider-health-logs.js';
import {
  createTestDatabase,
  createTestRedis,
  deleteKeys,
  freePort,
  silentLogger,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { startSimulator, type RunningSimulator } from '../../simulator/test/helpers.js';
import { createWorkerMetrics, type WorkerMetrics } from '../src/metrics.js';
import { parseExpectedStatuses } from '../src/probes/expected-statuses.js';
import { probeKeys } from '../src/probes/keys.js';
import { createProbeRunner, rateLimitIncidentKey, type ProbeRunner } from '../src/probes/runner.js';
import type { ProbeTarget } from '../src/probes/targets.js';

let db: TestDatabase;
let t: TestRedis;
let sim: RunningSimulator;
let token: string;
let registry: Registry;
let metrics: WorkerMetrics;
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

async function serve(server: net.Server): Promise<string> {
  servers.push(server);
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

beforeAll(async () => {
  db = await createTestDatabase('probe');
  t = await createTestRedis('probe');
  sim = await startSimulator();
  token = sim.world.issueToken(sim.world.roster[0]!.stravaAthleteId, Date.now()).accessToken;
});
beforeEach(async () => {
  registry = new Registry();
  metrics = createWorkerMetrics(registry, { jobCounts: async () => ({}), ingestPending: async () => 0 });
  sim.faults.reset();
  await db.pool.query('TRUNCATE provider_health_logs, incidents');
  await deleteKeys(t.redis, `${t.prefix}:probe:*`);
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await sim?.close();
  await t?.close();
  await db?.drop();
});

function runner(targets: ProbeTarget[], opts: { timeoutMs?: number; intervalMs?: number } = {}): ProbeRunner {
  return createProbeRunner({
    pool: db.pool,
    redis: t.redis,
    keys: probeKeys(createRedisKeys(t.prefix)),
    targets,
    expected: parseExpectedStatuses('200-299'),
    timeoutMs: opts.timeoutMs ?? 2_000,
    intervalMs: opts.intervalMs ?? 60_000,
    metrics,
    logger: silentLogger,
  });
}

const strava = (withToken = true): ProbeTarget => ({
  provider: 'strava',
  url: new URL('/api/v3/athlete', sim.url),
  ...(withToken ? { bearer: new Secret(token) } : {}),
});
const at = (provider: Provider, url: string): ProbeTarget => ({ provider, url: new URL(url) });

async function rows(provider?: Provider) {
  const { rows } = await db.pool.query(
    `SELECT provider, status, latency_ms, http_status, error_reason FROM provider_health_logs
      WHERE $1::text IS NULL OR provider = $1 ORDER BY id`,
    [provider ?? null],
  );
  return rows;
}

/** A sample of the registry; `name` may be a histogram's `_count` series. */
async function metricValue(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name.replace(/_count$/, ''))!.get();
  const found = metric.values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? name) === name &&
      Object.entries(labels).every(([k, value]) => (v.labels as Record<string, unknown>)[k] === value),
  );
  return found?.value;
}

describe('probe runner', () => {
  it('logs a successful probe with its time to first byte and sets the metrics', async () => {
    sim.faults.set('strava', { latencyMs: 300, errorRate: 0, errorStatus: 503 });
    const outcome = await runner([strava()]).probe('strava');
    expect(outcome.ran).toBe(true);
    const [row] = await rows();
    expect(row).toMatchObject({
      provider: 'strava',
      status: 'success',
      http_status: 200,
      error_reason: null,
    });
    expect(row.latency_ms).toBeGreaterThanOrEqual(300);
    expect(row.latency_ms).toBeLessThan(600);
    expect(await metricValue('ops_provider_probe_success', { provider: 'strava' })).toBe(1);
    const ttfb = await metricValue('ops_provider_probe_duration_seconds', {
      provider: 'strava',
      phase: 'ttfb',
    });
    expect(ttfb).toBeGreaterThanOrEqual(0.29);
    expect(ttfb).toBeLessThan(0.6);
    const total = await metricValue('ops_provider_probe_duration_seconds', {
      provider: 'strava',
      phase: 'total',
    });
    expect(total).toBeGreaterThanOrEqual(ttfb!);
    expect(
      await metricValue('ops_provider_probes_total', {
        provider: 'strava',
        result: 'success',
        reason: 'none',
      }),
    ).toBe(1);
    expect(
      await metricValue('ops_provider_probe_request_duration_seconds_count', { provider: 'strava' }),
    ).toBe(1);
  });

  it('logs the time to first byte, not the whole exchange, when the body comes late', async () => {
    // Headers at once, the body 400 ms later: TTFB and total differ by the body's delay.
    sim.faults.set('strava', { bodyDelayMs: 400 });
    await runner([strava()]).probe('strava');
    const [row] = await rows();
    expect(row).toMatchObject({ provider: 'strava', status: 'success', http_status: 200 });
    expect(row.latency_ms).toBeLessThan(200);
    const total = await metricValue('ops_provider_probe_duration_seconds', {
      provider: 'strava',
      phase: 'total',
    });
    expect(total).toBeGreaterThanOrEqual(0.39);
  });

  it('turns every failure into a logged row with its reason and a metric value, never a throw', async () => {
    const silent = await serve(net.createServer(() => undefined));
    const plain = await serve(http.createServer((_req, res) => res.end('plain')));
    const closed = `http://127.0.0.1:${await freePort()}/`;
    const cases: Array<[ProbeTarget, ProbeErrorReason, number | null, () => void]> = [
      [at('garmin', closed), 'connect', null, () => undefined],
      [at('garmin', `${silent}/`), 'timeout', null, () => undefined],
      [at('garmin', 'http://nonexistent.invalid/'), 'dns', null, () => undefined],
      [at('garmin', plain.replace('http:', 'https:')), 'tls', null, () => undefined],
      [at('garmin', `${sim.url}/garmin/callback/missing`), 'http_4xx', 404, () => undefined],
      [strava(false), 'http_4xx', 401, () => undefined],
      [
        strava(),
        'http_5xx',
        500,
        () => sim.faults.set('strava', { latencyMs: 0, errorRate: 1, errorStatus: 500 }),
      ],
      [
        strava(),
        'http_5xx',
        503,
        () => sim.faults.set('strava', { latencyMs: 0, errorRate: 1, errorStatus: 503 }),
      ],
      [
        strava(),
        'rate_limited',
        429,
        () => sim.faults.set('strava', { latencyMs: 0, errorRate: 1, errorStatus: 429 }),
      ],
    ];
    for (const [target, reason, status, arrange] of cases) {
      sim.faults.reset();
      arrange();
      const outcome = await runner([target], { timeoutMs: 300 }).probe(target.provider);
      expect(outcome).toMatchObject({ ran: true, log: { status: 'error', errorReason: reason } });
      const last = (await rows()).at(-1);
      expect({ reason: last.error_reason, status: last.http_status }).toEqual({ reason, status });
      expect(last.status).toBe('error');
      expect(await metricValue('ops_provider_probe_success', { provider: target.provider })).toBe(0);
    }
    expect(await rows()).toHaveLength(cases.length);
    expect(
      await metricValue('ops_provider_probes_total', {
        provider: 'garmin',
        result: 'error',
        reason: 'http_4xx',
      }),
    ).toBe(1);
    expect(
      await metricValue('ops_provider_probes_total', {
        provider: 'strava',
        result: 'error',
        reason: 'http_5xx',
      }),
    ).toBe(2);
    // A failed answer still has a time to first byte; a failure before any byte has none.
    const all = await rows();
    expect(all.filter((r) => r.http_status !== null).every((r) => r.latency_ms !== null)).toBe(true);
    expect(all.filter((r) => r.http_status === null).every((r) => r.latency_ms === null)).toBe(true);
  });

  it('honours 429 Retry-After, opens one rate-limit incident, and resolves it on the next success', async () => {
    sim.faults.set('strava', { latencyMs: 0, errorRate: 1, errorStatus: 429, retryAfterSeconds: 1 });
    const probes = runner([strava()]);
    expect(await probes.probe('strava')).toMatchObject({ ran: true, retryAfterSeconds: 1 });
    const hold = await t.redis.pttl(probeKeys(createRedisKeys(t.prefix)).notBefore('strava'));
    expect(hold).toBeGreaterThan(500);
    expect(hold).toBeLessThanOrEqual(1_000);
    // The next scheduled probe waits: no request, no row.
    expect(await probes.probe('strava')).toEqual({ ran: false, cause: 'retry_after' });
    expect(await rows()).toHaveLength(1);
    expect(
      await metricValue('ops_provider_probe_skips_total', { provider: 'strava', cause: 'retry_after' }),
    ).toBe(1);

    // Still limited after the wait: a second 429 refreshes the same incident.
    await new Promise((r) => setTimeout(r, 1_050));
    expect(await probes.probe('strava')).toMatchObject({ ran: true, log: { errorReason: 'rate_limited' } });
    const open = await db.pool.query(
      `SELECT source, fingerprint, level, resolved_at FROM incidents WHERE source = 'probe'`,
    );
    expect(open.rows).toEqual([
      { source: 'probe', fingerprint: rateLimitIncidentKey('strava'), level: 'warn', resolved_at: null },
    ]);

    sim.faults.reset();
    await new Promise((r) => setTimeout(r, 1_050));
    expect(await probes.probe('strava')).toMatchObject({ ran: true, log: { status: 'success' } });
    const after = await db.pool.query(`SELECT resolved_at FROM incidents WHERE source = 'probe'`);
    expect(after.rows).toHaveLength(1);
    expect(after.rows[0].resolved_at).toBeInstanceOf(Date);
    expect((await rows()).map((r) => r.error_reason)).toEqual(['rate_limited', 'rate_limited', null]);
  });

  it('never runs two probes of one provider at once', async () => {
    let active = 0;
    let maxActive = 0;
    const slow = await serve(
      http.createServer((_req, res) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        setTimeout(() => {
          active -= 1;
          res.end('ok');
        }, 400);
      }),
    );
    // Two replicas, one Redis: their runners share the lock.
    const a = runner([at('apple_health', `${slow}/`)]);
    const b = runner([at('apple_health', `${slow}/`)]);
    const outcomes = await Promise.all([
      a.probe('apple_health'),
      b.probe('apple_health'),
      a.probe('apple_health'),
    ]);
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ran)).toEqual([
      { ran: false, cause: 'in_flight' },
      { ran: false, cause: 'in_flight' },
    ]);
    expect(maxActive).toBe(1);
    expect(await rows('apple_health')).toHaveLength(1);
    // The lock is released once the probe is logged.
    expect(await a.probe('apple_health')).toMatchObject({ ran: true });
  });

  it('skips a job whose slot has passed, and a provider that is not configured', async () => {
    const probes = runner([strava()], { intervalMs: 1_000 });
    expect(await probes.probe('strava', { dueAt: Date.now() - 5_000 })).toEqual({
      ran: false,
      cause: 'stale',
    });
    expect(await probes.probe('garmin')).toEqual({ ran: false, cause: 'unconfigured' });
    expect(await rows()).toHaveLength(0);
  });
});
