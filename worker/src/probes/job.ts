import type { JobHandler } from '../handlers.js';
import type { ProbeRunner } from './runner.js';

/**
 * When a scheduled job's slot began: BullMQ names a scheduler's jobs `repeat:<scheduler id>:<slot ms>` (its
 * `delay` reads 0 once the job is active, so the id is what keeps the slot). Undefined for any other job.
 */
export function slotOf(jobId: string | undefined): number | undefined {
  const m = /^repeat:.+:(\d{10,})$/.exec(jobId ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The `probe` queue's handler: a job picked up after the next slot began (a stalled one, say) is stale. */
export function probeJobHandler(runner: ProbeRunner): JobHandler<'probe', 'probe'> {
  return ({ provider }, job) => {
    const dueAt = slotOf(job.id);
    return runner.probe(provider, dueAt === undefined ? {} : { dueAt });
  };
}
