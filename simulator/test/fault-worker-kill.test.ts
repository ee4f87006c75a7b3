import { waitFor } from '@ops-cockpit/core/testing';
import { DEFAULT_EVENT_MIX, type Delivery } from '../src/index.js';
import { metricValue, report, scrape } from './fault-figures.js';
import { postInOrder } from './fault-load.js';
import { FaultStack } from './fault-stack.js';
import { compareWithWorld, exactness, expectExact, seededLiveMm } from './fault-world.js';

/**
 * The worker dies with SIGKILL (no shutdown, no XACK, a transaction cut wherever it was) in the middle of
 * 1,000 ingest entries, twice. The entries it had read stay pending under its name; the next worker takes them
 * over once they are idle (XAUTOCLAIM) and applies each exactly once: what Postgres holds equals what the
 * providers hold, activity by activity, and the challenge total is the sum of live distances.
 */

const ENTRIES = 1_000;
let stack: FaultStack;

beforeAll(async () => {
  stack = await FaultStack.onSharedServers('fkill', {
    workers: 0,
    workerEnv: { INGEST_CLAIM_IDLE_MS: '1000', INGEST_BATCH_SIZE: '25' },
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const group = () => stack.group();

/** Starts a worker, lets it get `more` entries further, then kills it with SIGKILL. */
async function killMidway(more: number): Promise<{ read: number; unacknowledged: number }> {
  const worker = await stack.startWorker();
  const from = (await group()).read;
  await waitFor(async () => (await group()).read >= from + more, `${more} entries read`, {
    timeoutMs: 20_000,
    intervalMs: 5,
  });
  worker.child.kill('SIGKILL');
  expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' });
  return {
    read: (await group()).read,
    unacknowledged: await stack.unacknowledgedOf(worker.child.pid!),
  };
}

it('applies every entry exactly once after the worker is killed twice mid-stream', async () => {
  // The whole backlog first, each activity's events in the order they happened.
  const generator = stack.generator(7, DEFAULT_EVENT_MIX);
  const deliveries: Delivery[] = Array.from({ length: ENTRIES }, () => generator.next(Date.now()));
  const answers = await postInOrder(stack.exporterUrl, deliveries, 8);
  expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  const appended = await stack.redis.xlen(stack.keys.ingestStream);

  const first = await killMidway(250);
  const second = await killMidway(250);
  expect(first.unacknowledged + second.unacknowledged).toBeGreaterThan(0);
  const totalsAtKill = await exactness(stack.pool);

  const restartedAt = Date.now();
  await stack.startWorker();
  await waitFor(async () => (await group()).pending === 0, 'every entry acknowledged', {
    timeoutMs: 30_000,
    intervalMs: 20,
  });
  const recoveredMs = Date.now() - restartedAt;

  const dead = await stack.redis.xlen(stack.keys.ingestDeadLetter);
  const world = await compareWithWorld(stack.pool, stack.sim.world, stack.seeded);
  const totals = await exactness(stack.pool);
  const metrics = await scrape(stack.workerUrl);
  const lost = world.lost.length + world.wrongDistance.length;
  report('worker-sigkill', {
    deliveries: ENTRIES,
    entries: appended,
    killedAt: [first.read, second.read],
    unacknowledgedAtKill: [first.unacknowledged, second.unacknowledged],
    liveActivitiesAtKill: totalsAtKill.liveCount,
    recoveredMs,
    reapplied: metricValue(metrics, 'ops_ingest_jobs_total', { outcome: 'unchanged' }),
    deadLettered: dead,
    lost,
    duplicated: world.unexpected.length,
    exact: totals.storedMeters === totals.liveMeters,
  });

  expect(first.read).toBeLessThan(appended);
  expect(second.read).toBeLessThan(appended);
  expect(dead).toBe(0);
  expect(world.live).toBeGreaterThan(500);
  // The providers' live distance plus the seeded history is the challenge total, to the millimetre.
  expectExact(world, totals, await seededLiveMm(stack.pool, stack.seeded));
}, 90_000);
