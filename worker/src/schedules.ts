import type { Queue } from 'bullmq';

/** Probe rows are kept this long (issue: 7 days). */
export const PROBE_LOG_RETENTION_DAYS = 7;

const HOURLY = { every: 60 * 60 * 1000 };
const JOB_OPTS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 10_000 },
  removeOnComplete: 100,
  removeOnFail: 500,
};

/**
 * Recurring housekeeping. upsertJobScheduler is keyed by id, so every replica and every restart converges on
 * one schedule instead of adding another.
 */
export async function ensureHousekeepingSchedules(housekeeping: Queue): Promise<void> {
  await housekeeping.upsertJobScheduler('prune-probe-logs', HOURLY, {
    name: 'prune-probe-logs',
    data: { olderThanDays: PROBE_LOG_RETENTION_DAYS },
    opts: JOB_OPTS,
  });
  await housekeeping.upsertJobScheduler('recompute-challenge', HOURLY, {
    name: 'recompute-challenge',
    data: {},
    opts: JOB_OPTS,
  });
}
