import type { Queue } from 'bullmq';
import type { Provider } from '@ops-cockpit/core';

/** Probe-log pruning's scheduler, replaced by apply-retention. */
export const LEGACY_PRUNE_SCHEDULER = 'prune-probe-logs';

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
  await housekeeping.upsertJobScheduler('apply-retention', HOURLY, {
    name: 'apply-retention',
    data: {},
    opts: JOB_OPTS,
  });
  // Scheduler ids persist in Redis: the one of versions before apply-retention would otherwise run on forever.
  await housekeeping.removeJobScheduler(LEGACY_PRUNE_SCHEDULER);
  await housekeeping.upsertJobScheduler('recompute-challenge', HOURLY, {
    name: 'recompute-challenge',
    data: {},
    opts: JOB_OPTS,
  });
}

/** Scheduler id of a provider's probe: one per provider, whoever upserts it. */
export const probeSchedulerId = (provider: Provider) => `probe:${provider}`;

/**
 * One probe job per provider every `intervalSeconds`, through BullMQ job schedulers: the scheduler emits a single
 * job per slot, so any number of replicas yields one probe per interval, and upserting by id on every start
 * replaces the schedule (a changed interval included) instead of adding one. Probe schedulers of providers no
 * longer configured are removed, so turning a provider off stops its probes.
 */
export async function ensureProbeSchedules(
  probe: Queue,
  providers: readonly Provider[],
  intervalSeconds: number,
): Promise<void> {
  for (const provider of providers) {
    await probe.upsertJobScheduler(
      probeSchedulerId(provider),
      { every: intervalSeconds * 1000 },
      {
        name: 'probe',
        data: { provider },
        // A failed probe is a row, not a failed job: nothing to retry. Keep a short history for inspection.
        opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 },
      },
    );
  }
  const wanted = new Set(providers.map(probeSchedulerId));
  for (const scheduler of await probe.getJobSchedulers()) {
    if (scheduler.key.startsWith('probe:') && !wanted.has(scheduler.key)) {
      await probe.removeJobScheduler(scheduler.key);
    }
  }
}
