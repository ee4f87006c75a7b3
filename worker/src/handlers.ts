import type { Job } from 'bullmq';
import type { JobName, JobPayload, QueueName } from '@ops-cockpit/core';

export type JobHandler<Q extends QueueName, N extends JobName<Q>> = (
  payload: JobPayload<Q, N>,
  job: Job,
) => Promise<unknown>;

/**
 * What the worker runs, by queue and job name. A queue with no handler for a job name fails that job as
 * unrecoverable (visible in BullMQ and in ops_jobs_total) instead of dropping it.
 */
export type QueueHandlers = {
  [Q in QueueName]: { [N in JobName<Q>]?: JobHandler<Q, N> };
};
