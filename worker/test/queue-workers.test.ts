import { Queue, QueueEvents } from 'bullmq';
import { Registry } from 'prom-client';
import { createRedis, createRedisKeys, closeRedis, type StandaloneRedis } from '@ops-cockpit/core';
import { createTestRedis, silentLogger, waitFor, type TestRedis } from '@ops-cockpit/core/testing';
import { startQueueWorkers, type QueueWorkers } from '../src/queue-workers.js';
import { createWorkerMetrics } from '../src/metrics.js';
import type { QueueHandlers } from '../src/handlers.js';

let t: TestRedis;
let connection: StandaloneRedis;
let prefix: string;
let queue: Queue;
let events: QueueEvents;
let eventsConnection: StandaloneRedis;
const started: QueueWorkers[] = [];

function metrics() {
  return createWorkerMetrics(new Registry(), { jobCounts: async () => ({}), ingestPending: async () => 0 });
}

function start(handlers: Partial<QueueHandlers>, stalledIntervalMs = 30_000): QueueWorkers {
  const w = startQueueWorkers({
    connection,
    prefix,
    handlers: { probe: {}, nudge: {}, housekeeping: {}, ...handlers },
    concurrency: 2,
    stalledIntervalMs,
    logger: silentLogger,
    metrics: metrics(),
  });
  started.push(w);
  return w;
}

beforeEach(async () => {
  t = await createTestRedis('bull');
  connection = createRedis({ url: t.url, role: 'blocking', logger: silentLogger, name: 'test-bull' });
  prefix = createRedisKeys(t.prefix).bullPrefix;
  queue = new Queue('housekeeping', { connection, prefix });
  eventsConnection = connection.duplicate();
  events = new QueueEvents('housekeeping', { connection: eventsConnection, prefix });
  await events.waitUntilReady();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.close(100)));
  await events.close();
  await queue.close();
  await closeRedis(connection);
  await closeRedis(eventsConnection);
  await t.close();
});

describe('queue workers', () => {
  it('run the handler registered for a job name with its payload', async () => {
    const seen: number[] = [];
    start({ housekeeping: { 'prune-probe-logs': async ({ olderThanDays }) => seen.push(olderThanDays) } });
    const job = await queue.add('prune-probe-logs', { olderThanDays: 7 });
    await job.waitUntilFinished(events, 10_000);
    expect(seen).toEqual([7]);
  });

  it('fail a job with no handler as unrecoverable, without retrying it', async () => {
    start({});
    const job = await queue.add('no-such-job', {}, { attempts: 5 });
    await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow(
      'no handler for job "no-such-job" on queue "housekeeping"',
    );
    const failed = await queue.getJob(job.id!);
    expect(failed?.attemptsMade).toBe(1);
  });

  it('let an in-flight job finish on close', async () => {
    let finished = false;
    const w = start({
      housekeeping: {
        'prune-probe-logs': async () => {
          await new Promise((r) => setTimeout(r, 500));
          finished = true;
        },
      },
    });
    const job = await queue.add('prune-probe-logs', { olderThanDays: 7 });
    await waitFor(async () => (await job.isActive()) || finished, 'job to start');
    await w.close(5_000);
    expect(finished).toBe(true);
    expect(await queue.getJobState(job.id!)).toBe('completed');
  });

  it('return a job that outlives the shutdown deadline to the queue, where another worker completes it', async () => {
    let attempts = 0;
    const hang = start(
      {
        housekeeping: {
          'prune-probe-logs': () => {
            attempts += 1;
            return new Promise(() => undefined); // never settles: a worker that is killed mid-job
          },
        },
      },
      1_000,
    );
    const job = await queue.add('prune-probe-logs', { olderThanDays: 7 });
    await waitFor(() => attempts === 1, 'job to start');
    await hang.close(200);
    expect(await queue.getJobState(job.id!)).toBe('active');

    let completedBy = '';
    start({ housekeeping: { 'prune-probe-logs': async () => void (completedBy = 'second') } }, 1_000);
    await job.waitUntilFinished(events, 15_000);
    expect(completedBy).toBe('second');
  });
});
