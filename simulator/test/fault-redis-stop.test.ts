import { setTimeout as sleep } from 'node:timers/promises';
import { dropDatabase, Secret } from '@ops-cockpit/core';
import {
  databaseUrlFor,
  startPrivateRedis,
  uniqueName,
  waitFor,
  type PrivateRedis,
} from '@ops-cockpit/core/testing';
import { report } from './fault-figures.js';
import { Load, underLoad, redeliver } from './fault-load.js';
import { FaultStack } from './fault-stack.js';
import { activityKeys, compareWithWorld, exactness } from './fault-world.js';

/**
 * Redis stops under load (a private server on its own port, append-only with fsync always, never the
 * machine's): the exporter answers 503 with Retry-After while it is down — never a 2xx for what it could not
 * append — and heals on its own when Redis is back, as does the worker. Every delivery that got a 2xx is
 * applied; the ones that got a 503 are applied once their provider sends them again.
 */

const OUTAGE_MS = 4_000;
const PREFIX = 'ops_fault_redis';
const dbUrl: Secret = databaseUrlFor(uniqueName('fredis'));
let server: PrivateRedis;
let stack: FaultStack;

beforeAll(async () => {
  server = await startPrivateRedis();
  stack = await FaultStack.start({
    databaseUrl: dbUrl,
    redisUrl: server.url,
    redisPrefix: PREFIX,
    workerEnv: { INGEST_CLAIM_IDLE_MS: '500' },
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await server?.destroy();
  await dropDatabase(dbUrl);
});

async function status(url: string): Promise<number> {
  return fetch(url).then(
    (r) => r.arrayBuffer().then(() => r.status),
    () => 0,
  );
}

interface Outage {
  downAt: number;
  upAt: number;
  readyDown: { exporter: number; worker: number };
  throughputDown: number;
  readyAgainMs: number;
}

async function outage(load: Load): Promise<Outage> {
  await load.answered(150);
  await server.stop();
  const downAt = Date.now();
  await sleep(300);
  const readyDown = {
    exporter: await status(`${stack.exporterUrl}/readyz`),
    worker: await status(`${stack.workerUrl}/readyz`),
  };
  const throughputDown = await status(`${stack.exporterUrl}/api/ops/throughput`);
  await sleep(OUTAGE_MS - (Date.now() - downAt));
  await server.start();
  const upAt = Date.now();
  await waitFor(async () => (await status(`${stack.exporterUrl}/readyz`)) === 200, 'exporter ready again', {
    timeoutMs: 15_000,
    intervalMs: 20,
  });
  const readyAgainMs = Date.now() - upAt;
  await load.answered(150);
  return { downAt, upAt, readyDown, throughputDown, readyAgainMs };
}

it('answers 503 while Redis is down, heals by itself, and applies every acknowledged delivery', async () => {
  const load = new Load(() => stack.exporterUrl, stack.generator(23), { lanes: 4, pauseMs: 20 });
  const o = await underLoad(load, outage);
  expect(stack.crashed()).toEqual([]);
  const ok = (s: { answer: { status: number } }) => s.answer.status >= 200 && s.answer.status < 300;
  const accepted = load.sent.filter(ok);
  const refused = load.sent.filter((s) => !ok(s));
  const firstAcceptedAfter = Math.min(...accepted.filter((s) => s.at > o.upAt).map((s) => s.at));

  // What every acknowledged delivery created must be there; nothing was redelivered yet.
  await waitFor(async () => (await stack.pending()) === 0, 'acknowledged deliveries applied', {
    timeoutMs: 30_000,
  });
  const { rows } = await stack.pool.query<{ key: string }>(
    `SELECT provider || ':' || external_id AS key FROM activities WHERE deleted_at IS NULL`,
  );
  const stored = new Set(rows.map((r) => r.key));
  const lostAcknowledged = accepted.flatMap((s) => activityKeys(s.delivery)).filter((k) => !stored.has(k));
  const appliedRefused = refused.flatMap((s) => activityKeys(s.delivery)).filter((k) => stored.has(k));

  // The providers send the refused ones again, as they do on a 503.
  const redeliveries = await redeliver(
    stack.exporterUrl,
    refused.map((s) => s.delivery),
  );
  await waitFor(async () => (await stack.pending()) === 0, 'redeliveries applied', {
    timeoutMs: 30_000,
  });
  const world = await compareWithWorld(stack.pool, stack.sim.world, stack.seeded);
  const totals = await exactness(stack.pool);
  const dead = await stack.redis.xlen(stack.keys.ingestDeadLetter);
  report('redis-stop', {
    outageMs: o.upAt - o.downAt,
    deliveries: load.sent.length,
    statuses: load.statuses(),
    whileDown: load.statuses(o.downAt + 200, o.upAt),
    slowest503Ms: Math.max(...refused.map((s) => s.ms)),
    readyAgainMs: o.readyAgainMs,
    firstAcceptedAfterMs: firstAcceptedAfter - o.upAt,
    lostAcknowledged: lostAcknowledged.length,
    appliedThough503: appliedRefused.length,
    redeliveries,
    deadLettered: dead,
    lost: world.lost.length + world.wrongDistance.length,
    duplicated: world.unexpected.length,
    exact: totals.storedMeters === totals.liveMeters,
  });

  expect(o.readyDown).toEqual({ exporter: 503, worker: 503 });
  expect(o.throughputDown).toBe(503);
  // Only 200 and 503: no 500, no connection refused, no hang.
  expect(Object.keys(load.statuses()).sort()).toEqual(['200', '503']);
  expect(refused.length).toBeGreaterThan(20);
  // Refused only while Redis was down (or the moment it came back), accepted again on its own after.
  expect(refused.every((s) => s.at >= o.downAt && s.at <= o.upAt + o.readyAgainMs + 2_000)).toBe(true);
  expect(lostAcknowledged).toEqual([]);
  expect(dead).toBe(0);
  expect(world.lost).toEqual([]);
  expect(world.wrongDistance).toEqual([]);
  expect(world.unexpected).toEqual([]);
  expect(world.live).toBe(load.sent.length);
  expect(totals.storedMeters).toBe(totals.liveMeters);
  expect(totals.storedCount).toBe(totals.liveCount);
}, 120_000);
