import { UnrecoverableError, type Job } from 'bullmq';
import {
  loadNudgeDelivery,
  markNudgeSent,
  recordNudgeFailure,
  type JobPayload,
  type Logger,
  type NudgeChannel,
  type Pool,
} from '@ops-cockpit/core';
import type { WorkerMetrics } from '../metrics.js';
import { NotifyError, type Notifier } from './notifier.js';
import { renderNudge } from './template.js';

export interface NudgeJobDeps {
  pool: Pool;
  notifiers: Record<NudgeChannel, Notifier>;
  metrics: Pick<WorkerMetrics, 'nudges'>;
  logger: Logger;
}

/**
 * Sends one queued nudge. A transient failure is thrown for BullMQ to retry with backoff (the row keeps its
 * attempt count and last reason); a permanent one, or the last attempt, marks the nudge failed and throws
 * UnrecoverableError so BullMQ does not retry. A nudge already sent or failed is not sent again.
 */
export function nudgeJobHandler(deps: NudgeJobDeps) {
  return async (payload: JobPayload<'nudge', 'send'>, job: Job): Promise<unknown> => {
    const { nudgeId, channel } = payload;
    const delivery = await loadNudgeDelivery(deps.pool, nudgeId);
    // Gone: discarded by the exporter when queueing failed, or its user was deleted.
    if (!delivery) throw new UnrecoverableError(`nudge ${nudgeId} not found`);
    if (delivery.status !== 'queued') return { skipped: delivery.status };
    const attempts = job.attemptsMade + 1;
    const fail = async (reason: string, final: boolean) => {
      await recordNudgeFailure(deps.pool, nudgeId, attempts, reason, final);
      deps.metrics.nudges.inc({ channel, outcome: final ? 'failed' : 'retried' });
      deps.logger.warn({ nudgeId, channel, attempts, reason, final }, 'nudge not sent');
    };
    const to = channel === 'email' ? delivery.email : delivery.phone;
    if (!to) {
      const reason = `user has no ${channel === 'email' ? 'e-mail address' : 'phone number'}`;
      await fail(reason, true);
      throw new UnrecoverableError(reason);
    }
    const message = renderNudge(delivery, channel);
    try {
      await deps.notifiers[channel].send({ to, ...message });
    } catch (err) {
      const reason = (err as Error).message;
      const transient = err instanceof NotifyError && err.transient;
      const final = !transient || attempts >= (job.opts.attempts ?? 1);
      await fail(reason, final);
      throw final ? new UnrecoverableError(reason) : err;
    }
    await markNudgeSent(deps.pool, nudgeId, attempts);
    deps.metrics.nudges.inc({ channel, outcome: 'sent' });
    deps.logger.info({ nudgeId, channel, via: deps.notifiers[channel].name, attempts }, 'nudge sent');
    return { sent: true, attempts };
  };
}
