import { Worker, UnrecoverableError, type Job } from 'bullmq';
import { QUEUES, type Logger, type QueueName, type Redis } from '@ops-cockpit/core';
import type { QueueHandlers } from './handlers.js';
import type { WorkerMetrics } from './metrics.js';

export interface QueueWorkersOptions {
  connection: Redis;
  /** BullMQ key prefix (RedisKeys.bullPrefix). */
  prefix: string;
  handlers: QueueHandlers;
  concurrency: number;
  /** How often BullMQ looks for jobs whose worker died; they go back to waiting. */
  stalledIntervalMs: number;
  logger: Logger;
  metrics: WorkerMetrics;
}

export interface QueueWorkers {
  workers: ReadonlyMap<QueueName, Worker>;
  /**
   * Stops taking jobs and waits up to `timeoutMs` for active ones to finish. Jobs still running then are left
   * locked; their lock expires and BullMQ's stalled check hands them to another worker, so none is lost.
   */
  close(timeoutMs: number): Promise<void>;
}

function processorFor(queue: QueueName, opts: QueueWorkersOptions) {
  const handlers = opts.handlers[queue] as Record<
    string,
    ((data: unknown, job: Job) => Promise<unknown>) | undefined
  >;
  return async (job: Job) => {
    const handler = handlers[job.name];
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}" on queue "${queue}"`);
    const end = opts.metrics.jobDuration.startTimer({ queue });
    try {
      return await handler(job.data, job);
    } finally {
      end();
    }
  };
}

export function startQueueWorkers(opts: QueueWorkersOptions): QueueWorkers {
  const workers = new Map<QueueName, Worker>();
  for (const queue of QUEUES) {
    const worker = new Worker(queue, processorFor(queue, opts), {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      stalledInterval: opts.stalledIntervalMs,
      lockDuration: opts.stalledIntervalMs,
    });
    worker.on('completed', () => opts.metrics.jobs.inc({ queue, outcome: 'completed' }));
    worker.on('failed', (job, err) => {
      const willRetry =
        job !== undefined &&
        job.attemptsMade < (job.opts.attempts ?? 1) &&
        !(err instanceof UnrecoverableError);
      opts.metrics.jobs.inc({ queue, outcome: willRetry ? 'retried' : 'failed' });
      opts.logger.warn({ queue, job: job?.name, jobId: job?.id, err: err.message, willRetry }, 'job failed');
    });
    worker.on('error', (err) => opts.logger.error({ queue, err: err.message }, 'queue worker error'));
    workers.set(queue, worker);
  }

  let closing: Promise<void> | undefined;
  return {
    workers,
    close(timeoutMs) {
      closing ??= (async () => {
        const all = [...workers.values()];
        // pause() stops fetching and waits for active jobs; close(true) then tears down without waiting again.
        // (close() alone cannot be forced later: BullMQ memoises the first close call.)
        const drained = Promise.all(all.map((w) => w.pause()));
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          drained.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), timeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut) {
          opts.logger.warn(
            { timeoutMs },
            'jobs still running at shutdown; leaving them to the stalled check',
          );
        }
        await Promise.all(all.map((w) => w.close(true)));
        if (timedOut) {
          // A pause still waiting reconnects BullMQ's blocking connection when it ends, after close(true) had
          // closed it; that connection then stays open for good (it held jest open for minutes). Give the pause
          // a moment to end, then disconnect the blocking connection again (the shared one stays).
          await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
          await Promise.all(all.map((w) => w.backend.disconnectBlocking(false).catch(() => undefined)));
        }
      })();
      return closing;
    },
  };
}
