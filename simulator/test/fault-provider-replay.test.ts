import { INGEST_FIELD } from '@ops-cockpit/core';
import { waitFor } from '@ops-cockpit/core/testing';
import { demoRoster, type EventMix } from '../src/index.js';
import { metricValue, report, scrape } from './fault-figures.js';
import { FaultStack, OPERATOR_TOKEN } from './fault-stack.js';
import { compareWithWorld, exactness } from './fault-world.js';
import { postAll } from './helpers.js';

/**
 * Providers fail: Strava times out (slower than PROVIDER_TIMEOUT_MS), Garmin's callbacks answer 503, the
 * e-mail provider answers 503. Each entry and each nudge is retried with backoff, then given up as a dead
 * letter or a failed job, visible to operators; once the providers are back, an operator replays them through
 * the exporter and each is applied (sent) exactly once: a second click replays nothing, and even an entry
 * appended twice changes nothing the second time.
 */

let stack: FaultStack;

beforeAll(async () => {
  stack = await FaultStack.onSharedServers('freplay', {
    exporterEnv: { NUDGE_RETRY_BASE_MS: '100' },
    workerEnv: { PROVIDER_TIMEOUT_MS: '300', INGEST_CLAIM_IDLE_MS: '200', INGEST_MAX_DELIVERIES: '3' },
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

// Response bodies are checked field by field; the test reads them loosely typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function ops(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${stack.exporterUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

/** Activities the worker must fetch from the provider: Strava creates and Garmin pings. */
const FETCHED: EventMix = {
  providers: { strava: 0.6, garmin: 0.4, apple_health: 0, polar: 0 },
  actions: {
    strava: { create: 1, update: 0, delete: 0, duplicate: 0 },
    garmin: { push: 0, ping: 1, update: 0, duplicate: 0 },
    apple_health: { create: 1, update: 0, delete: 0, duplicate: 0 },
    polar: { create: 1, duplicate: 0 },
  },
};

const ENTRIES = 30;

it('dead-letters entries whose provider keeps failing, and an operator replays each exactly once', async () => {
  const dead = stack.keys.ingestDeadLetter;
  stack.sim.faults.set('strava', { latencyMs: 1_500, errorRate: 0, errorStatus: 503 });
  stack.sim.faults.set('garmin', { latencyMs: 0, errorRate: 1, errorStatus: 503 });
  const generator = stack.generator(31, FETCHED);
  const deliveries = Array.from({ length: ENTRIES }, () => generator.next(Date.now()));
  const posted = Date.now();
  expect((await postAll(stack.exporterUrl, deliveries, 4)).every((a) => a.status === 200)).toBe(true);
  await waitFor(async () => (await stack.redis.xlen(dead)) === ENTRIES, 'every entry dead-lettered', {
    timeoutMs: 30_000,
  });
  const deadLetteredMs = Date.now() - posted;
  const failedMetrics = await scrape(stack.workerUrl);

  const listing = await ops('GET', '/api/ops/jobs/failed?source=ingest-dead-letter');
  expect(listing.status).toBe(200);
  expect(listing.body.counts['ingest-dead-letter']).toBe(ENTRIES);
  const reasons = listing.body.failed.map((f: Json) => f.reason as string);
  expect(reasons.filter((r: string) => r.includes('no answer within 300 ms')).length).toBeGreaterThan(0);
  expect(reasons.filter((r: string) => r.includes('HTTP 503')).length).toBeGreaterThan(0);
  expect(listing.body.failed.every((f: Json) => f.attempts === 3)).toBe(true);
  const nothingYet = await compareWithWorld(stack.pool, stack.sim.world, stack.seeded);

  // The providers are back. Two operators click "replay" on the same five at once, then one replays the rest.
  stack.sim.faults.reset();
  const ids = listing.body.failed.slice(0, 5).map((f: Json) => f.id as string);
  const clicks = await Promise.all([
    ops('POST', '/api/ops/jobs/replay', { source: 'ingest-dead-letter', ids }),
    ops('POST', '/api/ops/jobs/replay', { source: 'ingest-dead-letter', ids }),
  ]);
  const rest = await ops('POST', '/api/ops/jobs/replay', { source: 'ingest-dead-letter' });
  const nothingLeft = await ops('POST', '/api/ops/jobs/replay', { source: 'ingest-dead-letter' });
  await waitFor(async () => (await stack.pending()) === 0, 'replayed entries applied', {
    timeoutMs: 30_000,
  });
  const world = await compareWithWorld(stack.pool, stack.sim.world, stack.seeded);
  const totals = await exactness(stack.pool);

  // An entry appended twice (say, replayed by hand from a copy) is applied once: the upsert sees no change.
  const entries = (await stack.redis.xrange(stack.keys.ingestStream, '-', '+')) as [string, string[]][];
  const replayedEntry = entries.find(([, f]) => f.includes('replayed_from'))!;
  await stack.redis.xadd(stack.keys.ingestStream, '*', INGEST_FIELD, replayedEntry[1][1]!);
  await waitFor(async () => (await stack.pending()) === 0, 'the copy handled');
  const afterCopy = await exactness(stack.pool);
  const metrics = await scrape(stack.workerUrl);
  const exporterMetrics = await scrape(stack.exporterUrl);

  report('provider-replay', {
    entries: ENTRIES,
    deadLetteredMs,
    retried: metricValue(failedMetrics, 'ops_ingest_jobs_total', { outcome: 'retried' }),
    deadLettered: metricValue(failedMetrics, 'ops_ingest_jobs_total', { outcome: 'failed' }),
    appliedBeforeReplay: nothingYet.live,
    doubleClick: clicks.map((c) => c.status),
    replayed: (clicks.find((c) => c.status === 200)?.body.count ?? 0) + rest.body.count,
    lost: world.lost.length + world.wrongDistance.length,
    duplicated: world.unexpected.length,
    exact: totals.storedMeters === totals.liveMeters,
    copyChangedTotal: afterCopy.storedMeters !== totals.storedMeters,
  });

  expect(metricValue(failedMetrics, 'ops_ingest_jobs_total', { outcome: 'retried' })).toBe(ENTRIES * 2);
  expect(metricValue(failedMetrics, 'ops_ingest_jobs_total', { outcome: 'failed' })).toBe(ENTRIES);
  expect(nothingYet.live).toBe(0);
  expect(clicks.map((c) => c.status).sort()).toEqual([200, 404]);
  expect(rest.body.count).toBe(ENTRIES - 5);
  expect(nothingLeft.body.count).toBe(0);
  expect(await stack.redis.xlen(dead)).toBe(0);
  expect(world.lost).toEqual([]);
  expect(world.wrongDistance).toEqual([]);
  expect(world.unexpected).toEqual([]);
  expect(world.live).toBeGreaterThanOrEqual(ENTRIES);
  expect(totals.storedMeters).toBe(totals.liveMeters);
  expect(afterCopy).toEqual(totals);
  expect(metricValue(metrics, 'ops_ingest_jobs_total', { outcome: 'unchanged' })).toBeGreaterThanOrEqual(1);
  expect(metricValue(exporterMetrics, 'ops_jobs_replayed_total', { source: 'ingest-dead-letter' })).toBe(
    ENTRIES,
  );
}, 120_000);

it('fails a nudge whose e-mail provider keeps failing, and an operator replays it: sent once', async () => {
  const user = demoRoster(10)[0]!;
  stack.sim.messaging.failNext = 1_000;
  stack.sim.messaging.failStatus = 503;
  const asked = await ops('POST', '/api/ops/nudge', { userId: user.id });
  expect(asked.status).toBe(202);
  const { nudgeId } = asked.body as { nudgeId: string };
  await waitFor(
    async () => (await ops('GET', '/api/ops/jobs/failed?source=nudge')).body.counts.nudge === 1,
    'failed',
    {
      timeoutMs: 20_000,
    },
  );
  const listing = await ops('GET', '/api/ops/jobs/failed?source=nudge');
  const row = async () =>
    (await stack.pool.query(`SELECT status, attempts FROM nudges WHERE id = $1`, [nudgeId])).rows[0];
  const failedRow = await row();
  const sendsWhileDown = 1_000 - stack.sim.messaging.failNext;

  stack.sim.messaging.failNext = 0;
  const replay = await ops('POST', '/api/ops/jobs/replay', { source: 'nudge', ids: [nudgeId] });
  await waitFor(async () => (await row()).status === 'sent', 'nudge sent', { timeoutMs: 20_000 });
  const again = await ops('POST', '/api/ops/jobs/replay', { source: 'nudge', ids: [nudgeId] });
  const outbox = stack.sim.messaging.outbox.filter((m) => m.to === user.email);
  const metrics = await scrape(stack.workerUrl);
  report('nudge-replay', {
    sendsWhileDown,
    failedRow,
    replay: replay.status,
    secondClick: again.status,
    sent: outbox.length,
  });

  expect(listing.body.failed).toEqual([
    expect.objectContaining({ source: 'nudge', id: nudgeId, name: 'send', attempts: 5 }),
  ]);
  expect(failedRow).toEqual({ status: 'failed', attempts: 5 });
  expect(sendsWhileDown).toBe(5);
  expect(metricValue(metrics, 'ops_nudges_total', { outcome: 'retried' })).toBe(4);
  expect(replay.body).toEqual({ source: 'nudge', count: 1, replayed: [{ id: nudgeId, name: 'send' }] });
  expect(again.status).toBe(404);
  expect(outbox).toHaveLength(1);
  expect(metricValue(metrics, 'ops_nudges_total', { outcome: 'sent' })).toBe(1);
}, 60_000);
