import type { Provider } from './providers.js';

/** BullMQ queues of the design; the worker consumes all of them. */
export const QUEUES = ['probe', 'nudge', 'housekeeping'] as const;
export type QueueName = (typeof QUEUES)[number];

/** Job payloads, by queue and job name: the one contract between producers and the worker. */
export interface JobPayloads {
  probe: { probe: { provider: Provider } };
  nudge: { send: { nudgeId: string; userId: string; channel: 'email' | 'sms' } };
  housekeeping: {
    /** Every retention (RETENTION_* settings of the worker that runs it), hourly. */
    'apply-retention': Record<string, never>;
    /**
     * Scheduled by versions before apply-retention; a job of it still queued at an upgrade runs apply-retention
     * (its `olderThanDays` is ignored: the settings win).
     */
    'prune-probe-logs': { olderThanDays: number };
    'recompute-challenge': Record<string, never>;
  };
}

export type JobName<Q extends QueueName> = keyof JobPayloads[Q] & string;
export type JobPayload<Q extends QueueName, N extends JobName<Q>> = JobPayloads[Q][N];
