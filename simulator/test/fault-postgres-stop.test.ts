import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTestRedis,
  startPrivatePostgres,
  waitFor,
  type PrivatePostgres,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { metricValue, report, scrape } from './fault-figures.js';
import { Load, underLoad } from './fault-load.js';
import { FaultStack } from './fault-stack.js';
import { compareWithWorld, exactness } from './fault-world.js';

/**
 * Postgres stops under load (a private server on its own port, never the machine's): webhooks are still
 * acknowledged (they only need Redis), the worker's entries fail and are retried with backoff for as long as
 * the database is gone — never dead-lettered for it — and /readyz of both processes names Postgres. Once it is
 * back, everything acknowledged is applied exactly once.
 */

const OUTAGE_MS = 6_000;
let postgres: PrivatePostgres;
let redis: TestRedis;
let stack: FaultStack;

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  redis = await createTestRedis('fpg');
  stack = await FaultStack.start({
    databaseUrl: postgres.urlFor('ops_fault_pg'),
    redisUrl: redis.url,
    redisPrefix: redis.prefix,
    // Backoff from 250 ms doubling: without the fix, 5 deliveries (250+500+1000+2000 ms) fit in the outage.
    workerEnv: { INGEST_CLAIM_IDLE_MS: '250', INGEST_MAX_DELIVERIES: '5', INGEST_BATCH_SIZE: '50' },
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await redis?.close();
  await postgres?.destroy();
});

async function readyz(url: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { status: 0, body: (err as Error).message };
  }
}

interface Outage {
  downAt: number;
  upAt: number;
  exporterReady: { status: number; body: string };
  workerReady: { status: number; body: string };
  challenge: Response | undefined;
  pendingAtRestart: number;
}

/** Stops Postgres for OUTAGE_MS under load, looks at the processes meanwhile, and starts it again. */
async function outage(load: Load): Promise<Outage> {
  await load.answered(150);
  await postgres.stop('fast');
  const downAt = Date.now();
  await sleep(500);
  // Both processes say why they are not ready; the API answers 503, not 500.
  const exporterReady = await readyz(stack.exporterUrl);
  const workerReady = await readyz(stack.workerUrl);
  const challenge = await fetch(`${stack.exporterUrl}/api/ops/challenge`).catch(() => undefined);
  await sleep(OUTAGE_MS - (Date.now() - downAt));
  const pendingAtRestart = await stack.pending();
  await postgres.start();
  const upAt = Date.now();
  await load.answered(100);
  return { downAt, upAt, exporterReady, workerReady, challenge, pendingAtRestart };
}

it('retries every entry with backoff while Postgres is down, and applies each once when it is back', async () => {
  const load = new Load(() => stack.exporterUrl, stack.generator(11), { lanes: 4, pauseMs: 20 });
  const o = await underLoad(load, outage);
  expect(stack.crashed()).toEqual([]);
  await waitFor(async () => (await stack.pending()) === 0, 'backlog applied', {
    timeoutMs: 30_000,
    intervalMs: 50,
  });
  const recoveredMs = Date.now() - o.upAt;

  const statuses = load.statuses();
  const during = load.statuses(o.downAt, o.upAt);
  const dead = await stack.redis.xlen(stack.keys.ingestDeadLetter);
  const metrics = await scrape(stack.workerUrl);
  const retried = metricValue(metrics, 'ops_ingest_jobs_total', { outcome: 'retried' });
  const failed = metricValue(metrics, 'ops_ingest_jobs_total', { outcome: 'failed' });
  const world = await compareWithWorld(stack.pool, stack.sim.world, stack.seeded);
  const totals = await exactness(stack.pool);
  const lost = world.lost.length + world.wrongDistance.length + dead;
  report('postgres-stop', {
    outageMs: o.upAt - o.downAt,
    deliveries: load.sent.length,
    statuses,
    acceptedWhileDown: during['200'] ?? 0,
    pendingAtRestart: o.pendingAtRestart,
    retried,
    deadLettered: dead,
    recoveredMs,
    lost,
    duplicated: world.unexpected.length,
    exact: totals.storedMeters === totals.liveMeters,
  });

  expect(o.exporterReady.status).toBe(503);
  expect(o.exporterReady.body).toContain('postgres');
  expect(o.workerReady.status).toBe(503);
  expect(JSON.parse(o.workerReady.body).checks).toEqual(
    expect.arrayContaining([expect.objectContaining({ name: 'postgres', ok: false })]),
  );
  expect(o.challenge?.status).toBe(503);
  expect(o.challenge?.headers.get('content-type')).toContain('application/problem+json');
  // Webhooks need only Redis: every delivery was acknowledged, during the outage too.
  expect(Object.keys(statuses)).toEqual(['200']);
  expect(during['200']).toBeGreaterThan(50);
  expect(o.pendingAtRestart).toBeGreaterThan(50);
  expect(retried).toBeGreaterThan(0);
  expect(failed).toBe(0);
  expect(lost).toBe(0);
  expect(world.unexpected).toEqual([]);
  expect(world.live).toBe(load.sent.length);
  expect(totals.storedMeters).toBe(totals.liveMeters);
  expect(totals.storedCount).toBe(totals.liveCount);
  expect((await readyz(stack.exporterUrl)).status).toBe(200);
  expect((await readyz(stack.workerUrl)).status).toBe(200);
}, 60_000);
