import { Queue, type Job } from 'bullmq';
import {
  QUEUES,
  closeReopenedNudge,
  reopenFailedNudge,
  type Logger,
  type Pool,
  type QueueName,
  type Redis,
} from '@ops-cockpit/core';

/** A BullMQ job that failed for good (its attempts spent, or unrecoverable), as operators see it. */
export interface FailedJob {
  id: string;
  name: string;
  reason: string;
  failedAt: string | null;
  attempts: number;
  data: unknown;
}

export type JobReplayResult =
  | { ok: true; replayed: { id: string; name: string }[] }
  | { ok: false; missing: { id: string; state: string }[] };

export interface FailedJobs {
  count(queue: QueueName): Promise<number>;
  list(queue: QueueName, limit: number): Promise<FailedJob[]>;
  replay(queue: QueueName, selection: { ids: string[] } | { limit: number }): Promise<JobReplayResult>;
  /** Safe to call twice. */
  close(): Promise<void>;
}

function view(job: Job): FailedJob {
  return {
    id: job.id!,
    name: job.name,
    reason: job.failedReason ?? '',
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    attempts: job.attemptsMade,
    data: job.data,
  };
}

/**
 * Failed jobs of the worker's queues, listed and retried. A retry is BullMQ's own atomic move from `failed`
 * to `waiting` with the attempts reset, so it gets its whole backoff schedule again; a job that is no longer
 * failed (a second click, another operator) is refused by BullMQ and is not run twice. A nudge's row is
 * reopened first, or the job would find it settled as `failed` and send nothing.
 */
export function createFailedJobs(opts: {
  /** A 'blocking' connection, as BullMQ wants. */
  connection: Redis;
  prefix: string;
  pool: Pool;
  logger: Logger;
}): FailedJobs {
  const queues = new Map<QueueName, Queue>();
  for (const name of QUEUES) {
    const queue = new Queue(name, { connection: opts.connection, prefix: opts.prefix });
    queue.on('error', (err) => opts.logger.debug({ err: err.message, queue: name }, 'queue error'));
    queues.set(name, queue);
  }
  const queue = (name: QueueName) => queues.get(name)!;

  async function retry(name: QueueName, job: Job): Promise<boolean> {
    const nudgeId = name === 'nudge' ? (job.data as { nudgeId?: string }).nudgeId : undefined;
    const reopened = nudgeId !== undefined && (await reopenFailedNudge(opts.pool, nudgeId));
    try {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return true;
    } catch (err) {
      // Retried meanwhile by someone else (no longer failed): theirs runs, this one must not.
      if (reopened) await closeReopenedNudge(opts.pool, nudgeId!);
      opts.logger.info({ queue: name, jobId: job.id, err: (err as Error).message }, 'job not retried');
      return false;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    count: (name) => queue(name).getFailedCount(),
    async list(name, limit) {
      return (await queue(name).getFailed(0, limit - 1)).map(view);
    },
    async replay(name, selection) {
      let jobs: Job[];
      if ('ids' in selection) {
        const found = await Promise.all(selection.ids.map((id) => queue(name).getJob(id)));
        const states = await Promise.all(found.map((job) => (job ? job.getState() : 'unknown')));
        const missing = selection.ids.flatMap((id, i) =>
          states[i] === 'failed' ? [] : [{ id, state: String(states[i]) }],
        );
        if (missing.length) return { ok: false, missing };
        jobs = [...new Map(found.map((job) => [job!.id!, job!])).values()];
      } else {
        jobs = await queue(name).getFailed(0, selection.limit - 1);
      }
      const replayed: { id: string; name: string }[] = [];
      for (const job of jobs) if (await retry(name, job)) replayed.push({ id: job.id!, name: job.name });
      return { ok: true, replayed };
    },
    close() {
      closing ??= Promise.all([...queues.values()].map((q) => q.close())).then(() => undefined);
      return closing;
    },
  };
}
