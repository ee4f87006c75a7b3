import { setTimeout as sleep } from 'node:timers/promises';
import { PROVIDERS, type Provider, type Redis } from '@ops-cockpit/core';
import { readEventStream, waitFor, type StreamEvent } from '@ops-cockpit/core/testing';
import { DEFAULT_EVENT_MIX, type Delivery } from '../src/index.js';
import { metricValue, report, scrape } from './fault-figures.js';
import { Balancer, postInOrder, type Routed } from './fault-load.js';
import { FaultStack, OPERATOR_TOKEN } from './fault-stack.js';
import { compareWithWorld, exactness, expectExact, seededLiveMm } from './fault-world.js';

/**
 * Replicas (issue 19, item 4): three exporters behind a round-robin balancer and three workers, on one database
 * and one Redis prefix, under the simulator's mixed traffic. A third of the way in, one exporter and one worker
 * are killed with SIGKILL; the balancer sends what the dead exporter did not answer to another one, the dead
 * worker's unacknowledged entries are taken over (XAUTOCLAIM). At the end Postgres equals the providers' truth
 * activity by activity; a Spike Lab change made through one replica was applied by every replica within 1 s;
 * every live-signal figure any replica pushed is the final count of the bucket it names (so the replicas agree,
 * the dead one too until it died); and the probe schedule gave at most one probe per provider per slot across
 * the three workers, with probes (or real calls standing in for them) going on throughout.
 */

const DELIVERIES = 1_200;
const TRAFFIC_MS = 24_000;
const LANES = 12;
const KILLED_EXPORTER = 2;
const KILLED_WORKER = 1;
const PROBE_INTERVAL_MS = 1_000;
const PROBE_TIMEOUT_MS = 1_000;
/** A probe's lock outlives its timeout by this much (worker/src/probes/runner.ts): a killed holder blocks that long. */
const PROBE_LOCK_MARGIN_MS = 5_000;
/** The live signal's buckets (exporter/src/read-models/throughput.ts). */
const BUCKET_MS = 5_000;

let stack: FaultStack;
let bootedAt: number;
/** Hears Spike Lab's announcements as the replicas do: when a change was made, for the propagation figure. */
let announcements: Redis;

beforeAll(async () => {
  stack = await FaultStack.onSharedServers('replicas', {
    exporters: 3,
    workers: 3,
    // Pub/sub alone carries a Spike Lab change (the periodic re-read is a minute away); the stream every second.
    exporterEnv: { CHAOS_ENABLED: 'true', CHAOS_REFRESH_MS: '60000', THROUGHPUT_PUSH_SECONDS: '1' },
    // Every provider probed (Strava with a token of the simulator's), each second.
    workerEnv: (sim) => ({
      INGEST_CLAIM_IDLE_MS: '500',
      PROBE_INTERVAL_SECONDS: String(PROBE_INTERVAL_MS / 1000),
      PROBE_TIMEOUT_MS: String(PROBE_TIMEOUT_MS),
      STRAVA_PROBE_TOKEN: sim.world.issueToken(1001, Date.now()).accessToken,
      GARMIN_PROBE_URL: `${sim.url}/healthz`,
      APPLE_HEALTH_PROBE_URL: `${sim.url}/healthz`,
      POLAR_PROBE_URL: `${sim.url}/healthz`,
    }),
  });
  bootedAt = Date.now();
  announcements = stack.connectRedis();
  await announcements.subscribe(stack.keys.chaosChannel);
}, 60_000);

afterAll(async () => {
  announcements?.disconnect();
  await stack?.close();
});

interface Sample {
  at: string;
  eventsPerSecond: number;
  byProvider: Record<Provider, number>;
}

/** A bucket's counts now, per provider, as the stream shows them (events per second). */
async function finalRates(bucket: number): Promise<Record<Provider, number>> {
  const hash = await stack.redis.hgetall(stack.keys.webhookBucket(bucket));
  return Object.fromEntries(PROVIDERS.map((p) => [p, Number(hash[p] ?? 0) / (BUCKET_MS / 1000)])) as Record<
    Provider,
    number
  >;
}

/**
 * What the replicas' streams pushed, against the buckets' final counts: a bucket is pushed only once it has
 * ended and every live exporter has flushed its counts into it, so each figure must be final, and replicas
 * reading the same Redis must agree bucket by bucket. (They need not push the same buckets: after an exporter
 * dies, the stream waits until its watermark is taken for gone, then moves on, each replica at its own tick.)
 */
async function liveSignal(pushed: readonly StreamEvent<Sample>[][], survivors: readonly number[]) {
  const finals = new Map<string, Record<Provider, number>>();
  const figures = new Map<string, Set<string>>();
  const mismatches: unknown[] = [];
  for (const [replica, samples] of pushed.entries()) {
    for (const { data: s } of samples) {
      if (!finals.has(s.at)) finals.set(s.at, await finalRates(Date.parse(s.at) / BUCKET_MS - 1));
      const final = finals.get(s.at)!;
      if (JSON.stringify(s.byProvider) !== JSON.stringify(final)) mismatches.push({ replica, ...s, final });
      figures.set(s.at, (figures.get(s.at) ?? new Set()).add(JSON.stringify(s.byProvider)));
    }
  }
  // How long a survivor kept pushing one bucket: 5 s normally, longer after the kill.
  let longestOnOneBucketMs = 0;
  for (const i of survivors) {
    const samples = pushed[i]!;
    let since = samples[0]?.readAt ?? 0;
    for (const [k, s] of samples.entries()) {
      if (k > 0 && s.data.at !== samples[k - 1]!.data.at) since = s.readAt;
      longestOnOneBucketMs = Math.max(longestOnOneBucketMs, s.readAt - since);
    }
  }
  return {
    mismatches,
    disagreeing: [...figures].filter(([, f]) => f.size > 1).map(([at]) => at),
    buckets: finals.size,
    busyBuckets: [...finals.values()].filter((f) => PROVIDERS.some((p) => f[p] > 0)).length,
    longestOnOneBucketMs,
  };
}

/** Whether replica `url` holds the latency fault in memory (its /metrics, read from memory at scrape time). */
async function latencyActive(url: string): Promise<number> {
  return metricValue(await scrape(url), 'ops_chaos_active', { mode: 'latency', target: 'ingest' });
}

/**
 * Makes a Spike Lab change through one replica. Returns how long the request took, and per replica the ms from
 * the change's announcement (heard here on the same channel) until that replica shows `active`.
 */
async function spikeLab(
  change: () => Promise<Response>,
  urls: readonly string[],
  active: number,
): Promise<{ requestMs: number; propagationMs: number[] }> {
  const announced = new Promise<number>((resolve) =>
    announcements.once('message', () => resolve(performance.now())),
  );
  const started = performance.now();
  const res = await change();
  expect(res.status).toBe(200);
  const requestMs = Math.round(performance.now() - started);
  const seen = await Promise.all(
    urls.map(async (url) => {
      await waitFor(async () => (await latencyActive(url)) === active, `${url} shows the change`, {
        timeoutMs: 5_000,
        intervalMs: 5,
      });
      return performance.now();
    }),
  );
  const at = await announced;
  return { requestMs, propagationMs: seen.map((t) => Math.max(0, Math.round(t - at))) };
}

/** Events a delivery's answer says were accepted: what the live-signal counters count for it. */
function eventsOf(r: Routed): number {
  if (r.answer.status !== 200) return 0;
  if (r.delivery.provider === 'strava') return 1;
  const body = r.answer.body as { accepted: number; duplicates: number };
  return body.accepted + body.duplicates;
}

/**
 * Probe rows (ms) that no slot of the schedule is left for. The scheduler makes one job per slot (t0 + k ×
 * interval), and a job probes within its slot or not at all (picked up after the next slot began, it is skipped
 * as stale), so each row must match a slot of its own that began at most one interval (plus the probe's start-up,
 * `slackMs`) before it. Rows in time order take the earliest slot they can: optimal for equal-length windows.
 */
function unmatchedProbes(rowsMs: readonly number[], t0: number, slackMs: number): number[] {
  const unmatched: number[] = [];
  let last = -Infinity;
  for (const at of rowsMs) {
    const earliest = Math.ceil((at - PROBE_INTERVAL_MS - slackMs - t0) / PROBE_INTERVAL_MS);
    const latest = Math.floor((at + 50 - t0) / PROBE_INTERVAL_MS);
    const slot = Math.max(earliest, last + 1);
    if (slot > latest) unmatched.push(at);
    else last = slot;
  }
  return unmatched;
}

/** Per provider, the health rows every worker wrote since the stack booted, against the one schedule. */
async function probeSchedule(untilMs: number) {
  const { rows } = await stack.pool.query<{ provider: Provider; source: string; ms: string }>(
    `SELECT provider, source, (extract(epoch FROM "timestamp") * 1000)::bigint::text AS ms
       FROM provider_health_logs WHERE "timestamp" >= to_timestamp($1 / 1000.0) ORDER BY "timestamp"`,
    [bootedAt],
  );
  const result = new Map<
    Provider,
    { probes: number; traffic: number; overfull: number[]; maxGapMs: number }
  >();
  for (const provider of PROVIDERS) {
    // BullMQ keeps each scheduler's next slot in the queue's `repeat` sorted set; slots are `every` apart.
    const next = Number(
      await stack.redis.zscore(`${stack.keys.bullPrefix}:probe:repeat`, `probe:${provider}`),
    );
    const mine = rows.filter((r) => r.provider === provider);
    const probes = mine.filter((r) => r.source === 'probe').map((r) => Number(r.ms));
    // Probes or the real calls standing in for them (source traffic), from the first slot on.
    const heard = [bootedAt + 2 * PROBE_INTERVAL_MS, ...mine.map((r) => Number(r.ms)), untilMs];
    result.set(provider, {
      probes: probes.length,
      traffic: mine.length - probes.length,
      overfull: unmatchedProbes(probes, next % PROBE_INTERVAL_MS, 500),
      maxGapMs: Math.max(...heard.slice(1).map((t, i) => t - heard[i]!)),
    });
  }
  return result;
}

it('three exporters and three workers, one of each killed with SIGKILL mid-run: nothing lost, replicas agree', async () => {
  const urls = stack.exporterUrls;
  const survivors = urls.map((_, i) => i).filter((i) => i !== KILLED_EXPORTER);
  const generator = stack.generator(19, DEFAULT_EVENT_MIX);
  const deliveries: Delivery[] = Array.from({ length: DELIVERIES }, () => generator.next(Date.now()));
  const stopStreams = new AbortController();
  const streams = urls.map((url) =>
    readEventStream<Sample>(`${url}/api/ops/throughput/stream`, 'throughput', stopStreams.signal),
  );
  const balancer = new Balancer(urls);
  const trafficStart = Date.now();
  const traffic = postInOrder(balancer.post, deliveries, LANES, { overMs: TRAFFIC_MS });

  // Spike Lab, every replica up: set through replica 1, restored through replica 0, each seen by all three.
  // (Each replica is scraped once before: no fault yet, and the first scrape's cost is not in the figure.)
  await balancer.answered(DELIVERIES / 8);
  expect(await Promise.all(urls.map(latencyActive))).toEqual([0, 0, 0]);
  const operator = { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' };
  const set = await spikeLab(
    () =>
      fetch(`${urls[1]}/api/ops/chaos/latency`, {
        method: 'PUT',
        headers: operator,
        body: JSON.stringify({ target: 'ingest', delayMs: 1, ttlSeconds: 120 }),
      }),
    urls,
    1,
  );
  await sleep(1_000); // every replica applies it to deliveries of its own meanwhile
  const restore = await spikeLab(
    () => fetch(`${urls[0]}/api/ops/chaos/restore`, { method: 'POST', headers: operator }),
    urls,
    0,
  );
  const injected = await Promise.all(
    urls.map(async (url) => metricValue(await scrape(url), 'ops_chaos_injected_total', { mode: 'latency' })),
  );

  // A third of the way: SIGKILL one exporter and one worker (the worker with entries in hand, if it gets any).
  await balancer.answered(DELIVERIES / 3);
  const victim = stack.workers[KILLED_WORKER]!;
  await waitFor(async () => (await stack.unacknowledgedOf(victim.child.pid!)) > 0, 'entries in hand', {
    timeoutMs: 2_000,
    intervalMs: 2,
  }).catch(() => undefined);
  const killedAt = Date.now();
  const exits = await Promise.all([stack.kill(stack.exporters[KILLED_EXPORTER]!), stack.kill(victim)]);
  const unacknowledgedAtKill = await stack.unacknowledgedOf(victim.child.pid!);
  const answeredAtKill = balancer.routed.length;

  const answers = await traffic;
  const trafficEnd = Date.now();
  await waitFor(async () => (await stack.pending()) === 0, 'every entry acknowledged', {
    timeoutMs: 30_000,
    intervalMs: 20,
  });
  const drainedAt = Date.now();

  // The live signal: until every survivor has pushed the bucket of the last delivery.
  const lastAnswerAt = Math.max(...balancer.routed.map((r) => r.at));
  const lastBucketEnd = (Math.floor(lastAnswerAt / BUCKET_MS) + 1) * BUCKET_MS;
  await waitFor(
    () => survivors.every((i) => streams[i]!.events.some((e) => Date.parse(e.data.at) >= lastBucketEnd)),
    'the last bucket pushed by every survivor',
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  stopStreams.abort();
  await Promise.all(streams.map((s) => s.done));
  const pushed = streams.map((s) => s.events);
  const signal = await liveSignal(pushed, survivors);
  // The buckets' counts against the events accepted: the dead exporter's counts since its last flush (every
  // second) died with it; a delivery it appended and never answered is counted again where it was resent.
  let counted = 0;
  for (let b = Math.floor(trafficStart / BUCKET_MS) - 1; b <= Math.floor(lastAnswerAt / BUCKET_MS) + 1; b++) {
    counted += Object.values(await finalRates(b)).reduce((a, r) => a + r * (BUCKET_MS / 1000), 0);
  }
  const accepted = balancer.routed.reduce((sum, r) => sum + eventsOf(r), 0);
  const unflushedAtKill = balancer.routed
    .filter((r) => r.upstream === KILLED_EXPORTER && r.at > killedAt - 2_000)
    .reduce((sum, r) => sum + eventsOf(r), 0);
  const resent = balancer.routed.filter((r) => r.sends > 1).reduce((sum, r) => sum + eventsOf(r), 0);

  // Probes. Strava's were replaced by real calls while its traffic lasted: they come back once it stops.
  const stravaProbeBack = await waitFor(
    async () =>
      (
        await stack.pool.query(
          `SELECT 1 FROM provider_health_logs
            WHERE provider = 'strava' AND source = 'probe' AND "timestamp" > to_timestamp($1 / 1000.0)`,
          [drainedAt],
        )
      ).rowCount,
    'a Strava probe after the traffic',
    { timeoutMs: 3 * PROBE_INTERVAL_MS + PROBE_TIMEOUT_MS + PROBE_LOCK_MARGIN_MS },
  ).then(
    () => true,
    () => false,
  );
  const checkedAt = Date.now();
  const schedule = await probeSchedule(checkedAt);
  const slots = Math.floor((checkedAt - bootedAt) / PROBE_INTERVAL_MS);

  const world = await compareWithWorld(stack.pool, stack.sim.world, stack.seeded);
  const totals = await exactness(stack.pool);
  const seededMm = await seededLiveMm(stack.pool, stack.seeded);
  const dead = await stack.redis.xlen(stack.keys.ingestDeadLetter);
  const workerMetrics = await Promise.all(
    stack.workers.flatMap((_, i) => (i === KILLED_WORKER ? [] : [scrape(stack.workerUrlOf(i))])),
  );
  const workerSum = (name: string, labels: Record<string, string>) =>
    workerMetrics.reduce((sum, m) => sum + metricValue(m, name, labels), 0);
  const probesBySurvivor = workerMetrics.map((m) =>
    metricValue(m, 'ops_provider_probes_total', { source: 'probe' }),
  );
  const statuses: Record<string, number> = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  report('replicas', {
    deliveries: DELIVERIES,
    trafficMs: trafficEnd - trafficStart,
    entries: await stack.redis.xlen(stack.keys.ingestStream),
    statuses,
    perExporter: urls.map((_, i) => balancer.routed.filter((r) => r.upstream === i).length),
    answeredAtKill,
    unacknowledgedAtKill,
    retries: balancer.retried,
    retryCauses: balancer.retries,
    drainedMs: drainedAt - trafficEnd,
    reapplied: workerSum('ops_ingest_jobs_total', { outcome: 'unchanged' }),
    deadLettered: dead,
    live: world.live,
    lost: world.lost.length + world.wrongDistance.length,
    duplicated: world.unexpected.length,
    exact: totals.storedMeters === totals.liveMeters,
    spikeLabSetMs: set.propagationMs,
    spikeLabRestoreMs: restore.propagationMs,
    maxPropagationMs: Math.max(...set.propagationMs, ...restore.propagationMs),
    spikeLabRequestMs: [set.requestMs, restore.requestMs],
    injected,
    ssePushes: pushed.map((s) => s.length),
    sseBuckets: signal.buckets,
    sseBusyBuckets: signal.busyBuckets,
    sseMismatches: signal.mismatches.length,
    sseLongestOnOneBucketMs: signal.longestOnOneBucketMs,
    counted,
    accepted,
    unflushedAtKill,
    resent,
    probeSlots: slots,
    probes: Object.fromEntries(
      [...schedule].map(([p, s]) => [
        p,
        { probes: s.probes, traffic: s.traffic, maxPerSlot: s.overfull.length ? 2 : 1, maxGapMs: s.maxGapMs },
      ]),
    ),
    probesBySurvivor,
    skipsOfSurvivors: Object.fromEntries(
      ['traffic', 'stale', 'in_flight'].map((cause) => [
        cause,
        workerSum('ops_provider_probe_skips_total', { cause }),
      ]),
    ),
  });

  expect(stack.crashed()).toEqual([]);
  expect(exits).toEqual([
    { code: null, signal: 'SIGKILL' },
    { code: null, signal: 'SIGKILL' },
  ]);
  // Every delivery was taken in the end, spread over the replicas; what the dead one left was sent again.
  expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  for (const i of survivors) {
    expect(balancer.routed.filter((r) => r.upstream === i).length).toBeGreaterThan(DELIVERIES / 4);
  }
  expect(balancer.retried).toBeGreaterThan(0);

  // Postgres equals the providers' truth, activity by activity; the challenge total is the sum of live distances.
  expect(dead).toBe(0);
  expect(world.live).toBeGreaterThan(500);
  expectExact(world, totals, seededMm);

  // Spike Lab: every replica applied each change within 1 s of it, and applied the fault to deliveries of its own.
  expect(Math.max(...set.propagationMs, ...restore.propagationMs)).toBeLessThan(1_000);
  for (const n of injected) expect(n).toBeGreaterThan(0);

  // The live signal: every figure any replica pushed is its bucket's final count, so the replicas agree; the
  // survivors pushed every second; the counts hold every accepted event but those the dead exporter had not
  // flushed (and count again what it appended, died, and was resent).
  expect(signal.mismatches).toEqual([]);
  expect(signal.disagreeing).toEqual([]);
  for (const i of survivors) expect(pushed[i]!.length).toBeGreaterThanOrEqual(TRAFFIC_MS / 1000);
  expect(signal.busyBuckets).toBeGreaterThanOrEqual(3);
  expect(counted).toBeLessThanOrEqual(accepted + resent);
  expect(counted).toBeGreaterThanOrEqual(accepted - unflushedAtKill);

  // Probes: never two in one slot of a provider's schedule, across the three workers; and they went on (or real
  // calls stood in for them) throughout, the longest pause what a probe lock left by the killed worker holds.
  for (const [provider, s] of schedule) {
    expect({ provider, overfull: s.overfull }).toEqual({ provider, overfull: [] });
    expect(s.maxGapMs).toBeLessThan(2 * PROBE_INTERVAL_MS + PROBE_TIMEOUT_MS + PROBE_LOCK_MARGIN_MS + 1_000);
  }
  expect(stravaProbeBack).toBe(true);
  // The schedule's jobs went to whichever worker was free: more than one of them probed.
  expect(probesBySurvivor.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  // No traffic stands in for these: probed in most slots (one picked up after the next began is skipped).
  expect(schedule.get('apple_health')!.probes).toBeGreaterThan(slots / 2);
  expect(schedule.get('polar')!.probes).toBeGreaterThan(slots / 2);
}, 90_000);
