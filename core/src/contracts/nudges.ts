import type { JobsOptions } from 'bullmq';

/** How a nudge reaches a user: e-mail (SMTP or SendGrid) or SMS (Twilio). */
export const NUDGE_CHANNELS = ['email', 'sms'] as const;
export type NudgeChannel = (typeof NUDGE_CHANNELS)[number];

/** Attempts of one nudge job: the first send plus four retries of transient failures. */
export const NUDGE_ATTEMPTS = 5;

/** Days a failed nudge job is kept, replayable; its row must outlive it (the nudge retention's floor). */
export const NUDGE_FAILED_JOB_KEEP_DAYS = 7;

/**
 * Seconds until a user may be nudged again, 0 when they may be now. `recent` holds the times of their last
 * nudges (users.last_nudge_at and queued or sent nudge rows); nulls are ignored.
 */
export function cooldownRemainingSeconds(
  recent: ReadonlyArray<Date | null>,
  now: Date,
  cooldownHours: number,
): number {
  const windowMs = cooldownHours * 3_600_000;
  let remainingMs = 0;
  for (const at of recent) {
    if (at === null) continue;
    remainingMs = Math.max(remainingMs, at.getTime() + windowMs - now.getTime());
  }
  // Rounded up: a client told "retry in 0 s" while still inside the window would be refused again.
  return remainingMs > 0 ? Math.ceil(remainingMs / 1000) : 0;
}

/**
 * BullMQ options of a `nudge` job. The job id is the nudge id, so adding the same nudge twice queues it once;
 * retries back off exponentially from `backoffMs` (30 s by default: 30 s, 1, 2, 4 min).
 */
export function nudgeJobOptions(nudgeId: string, backoffMs = 30_000): JobsOptions {
  return {
    jobId: nudgeId,
    attempts: NUDGE_ATTEMPTS,
    backoff: { type: 'exponential', delay: backoffMs },
    // Keep finished jobs a while for inspection, not forever: the nudges table is the record.
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: NUDGE_FAILED_JOB_KEEP_DAYS * 24 * 3600 },
  };
}
