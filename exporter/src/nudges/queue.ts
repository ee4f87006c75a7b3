import { Queue } from 'bullmq';
import { nudgeJobOptions, type JobPayload, type Logger, type Redis } from '@ops-cockpit/core';

/** Where the exporter hands nudges to the worker. */
export interface NudgeQueue {
  add(payload: JobPayload<'nudge', 'send'>): Promise<void>;
  /** Safe to call twice. */
  close(): Promise<void>;
}

/** The BullMQ `nudge` queue on a connection the caller owns (a 'blocking' one, as BullMQ wants). */
export function createNudgeQueue(opts: {
  connection: Redis;
  prefix: string;
  logger: Logger;
  /** First retry delay, doubling after (default 30 s). */
  backoffMs?: number;
}): NudgeQueue {
  const queue = new Queue('nudge', { connection: opts.connection, prefix: opts.prefix });
  // Without a listener an 'error' event (Redis down) would throw; the connection already logs it.
  queue.on('error', (err) => opts.logger.debug({ err: err.message }, 'nudge queue error'));
  let closing: Promise<void> | undefined;
  return {
    async add(payload) {
      await queue.add('send', payload, nudgeJobOptions(payload.nudgeId, opts.backoffMs));
    },
    close() {
      closing ??= queue.close();
      return closing;
    },
  };
}
