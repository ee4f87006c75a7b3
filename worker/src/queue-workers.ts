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

/** Jobs running in this process's processors, and who waits for them all to end. */
class ActiveJobs {
  #count = 0;
  #waiters: (() => void)[] = [];

  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.#count += 1;
    try {
      return await fn();
    } finally {
      this.#count -= 1;
      if (this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
    }
  }

  idle(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }
}

function processorFor(queue: QueueName, opts: QueueWorkersOptions, active: ActiveJobs) {
  const handlers = opts.handlers[queue] as Record<
    string,
    ((data: unknown, job: Job) => Promise<unknown>) | undefined
  >;
  return async (job: Job) => {
    const handler = handlers[job.name];
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}" on queue "${queue}"`);
    const end = opts.metrics.jobDuration.startTimer({ queue });
    try {
      return await active.run(() => handler(job.data, job));
    } finally {
      end();
    }
  };
}

export function startQueueWorkers(opts: QueueWorkersOptions): QueueWorkers {
  const workers = new Map<QueueName, Worker>();
  const active = new ActiveJobs();
  for (const queue of QUEUES) {
    const worker = new Worker(queue, processorFor(queue, opts, active), {
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
        // pause(true) stops fetching without waiting. BullMQ's waiting pause() reconnects the blocking
        // connection when it ends; a close(true) before that end left the connection open for good (it held jest
        // open for minutes) or failed a command with "Connection is closed". So the wait for running jobs is
        // ours, and close(false) then lets BullMQ record the jobs that ended (it does not reconnect).
        await Promise.all(all.map((w) => w.pause(true)));
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          active.idle().then(() => false),
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
        // close(true) does not wait for the jobs still running: their locks lapse and the stalled check hands
        // them to another worker. (close() is memoised by BullMQ: the first call decides.)
        await Promise.all(all.map((w) => w.close(timedOut)));
      })();
      return closing;
    },
  };
}
