import http from 'node:http';
import type net from 'node:net';
import { Queue } from 'bullmq';
import { Registry } from 'prom-client';
import { closeRedis, createRedis, createRedisKeys, Secret, type Redis } from '@ops-cockpit/core';
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
import { probeJobHandler } from '../src/probes/job.js';
import { probeKeys } from '../src/probes/keys.js';
import { createProbeRunner } from '../src/probes/runner.js';
import type { ProbeTarget } from '../src/probes/targets.js';
import { startQueueWorkers, type QueueWorkers } from '../src/queue-workers.js';
import { ensureProbeSchedules } from '../src/schedules.js';

let db: TestDatabase;
let t: TestRedis;
let sim: RunningSimulator;
let apple: http.Server;
let targets: ProbeTarget[];
const replicas: Array<{ connection: Redis; queue: Queue; workers: QueueWorkers }> = [];

beforeAll(async () => {
  db = await createTestDatabase('probesched');
  t = await createTestRedis('probesched');
  sim = await startSimulator();
  apple = http.createServer((_req, res) => res.end('{"status":"ok"}'));
  await new Promise<void>((resolve) => apple.listen(0, '127.0.0.1', resolve));
  const token = sim.world.issueToken(sim.world.roster[0]!.stravaAthleteId, Date.now()).accessToken;
  targets = [
    { provider: 'strava', url: new URL('/api/v3/athlete', sim.url), bearer: new Secret(token) },
    // The simulator knows no such callback: a steady 404.
    { provider: 'garmin', url: new URL('/garmin/callback/none', sim.url) },
    {
      provider: 'apple_health',
      url: new URL(`http://127.0.0.1:${(apple.address() as net.AddressInfo).port}/`),
    },
  ];
});
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.workers.close(1_000)));
  for (const r of replicas) {
    await r.queue.close();
    await closeRedis(r.connection);
  }
  apple?.closeAllConnections();
  await new Promise((r) => apple?.close(r));
  await sim?.close();
  await t?.close();
  await db?.drop();
});

/** One worker runtime as main.ts wires it: its own connection, queue, runner, metrics and schedules. */
async function startReplica(intervalSeconds: number): Promise<void> {
  const connection = createRedis({ url: t.url, role: 'blocking', logger: silentLogger, name: 'replica' });
  const keys = createRedisKeys(t.prefix);
  const queue = new Queue('probe', { connection, prefix: keys.bullPrefix });
  const metrics = createWorkerMetrics(new Registry(), {
    jobCounts: async () => ({}),
    ingestPending: async () => 0,
  });
  const runner = createProbeRunner({
    pool: db.pool,
    redis: t.redis,
    keys: probeKeys(keys),
    targets,
    expected: parseExpectedStatuses('200-299'),
    timeoutMs: 2_000,
    intervalMs: intervalSeconds * 1000,
    metrics,
    logger: silentLogger,
  });
  const workers = startQueueWorkers({
    connection,
    prefix: keys.bullPrefix,
    handlers: { probe: { probe: probeJobHandler(runner) }, nudge: {}, housekeeping: {} },
    concurrency: 4,
    stalledIntervalMs: 30_000,
    logger: silentLogger,
    metrics,
  });
  replicas.push({ connection, queue, workers });
  await ensureProbeSchedules(
    queue,
    targets.map((target) => target.provider),
    intervalSeconds,
  );
}

it('two worker runtimes on one Redis still probe each provider once per interval', async () => {
  const started = Date.now();
  await startReplica(1);
  await startReplica(1);
  await new Promise((r) => setTimeout(r, 5_000));
  const elapsed = (Date.now() - started) / 1000;

  const schedulers = await replicas[0]!.queue.getJobSchedulers();
  expect(schedulers.map((s) => [s.key, s.every]).sort()).toEqual([
    ['probe:apple_health', 1000],
    ['probe:garmin', 1000],
    ['probe:strava', 1000],
  ]);

  const { rows } = await db.pool.query<{ provider: string; status: string; ms: string[] }>(
    `SELECT provider, min(status) AS status,
            array_agg(extract(epoch FROM "timestamp") * 1000 ORDER BY "timestamp")::text[] AS ms
       FROM provider_health_logs GROUP BY provider ORDER BY provider`,
  );
  expect(rows.map((r) => [r.provider, r.status])).toEqual([
    ['apple_health', 'success'],
    ['garmin', 'error'],
    ['strava', 'success'],
  ]);
  for (const row of rows) {
    const times = row.ms.map(Number);
    // One per second over the run (the first slot fires at once), never two in one interval.
    expect(times.length).toBeGreaterThanOrEqual(Math.floor(elapsed) - 1);
    expect(times.length).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
    const gaps = times.slice(1).map((ms, i) => ms - times[i]!);
    // Two runtimes running one slot would be ms apart; a late job next to an on-time one, some 100s of ms.
    expect(Math.min(...gaps)).toBeGreaterThan(200);
  }

  // A restart with Garmin and Apple Health turned off converges on Strava's schedule alone.
  await ensureProbeSchedules(replicas[0]!.queue, ['strava'], 1);
  expect((await replicas[0]!.queue.getJobSchedulers()).map((s) => s.key)).toEqual(['probe:strava']);
});
