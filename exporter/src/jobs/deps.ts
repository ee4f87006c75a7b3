import { Counter, type Registry } from 'prom-client';
import { QUEUES, type Logger, type Pool, type Redis, type RedisKeys } from '@ops-cockpit/core';
import { createDeadLetters, type DeadLetters } from './dead-letters.js';
import { createFailedJobs, type FailedJobs } from './failed-jobs.js';

/** What an operator can replay: dead-lettered ingest entries, or the failed jobs of one BullMQ queue. */
export const REPLAY_SOURCES = ['ingest-dead-letter', ...QUEUES] as const;
export type ReplaySource = (typeof REPLAY_SOURCES)[number];

/** What the failed-work routes need. */
export interface JobsDeps {
  deadLetters: DeadLetters;
  failedJobs: FailedJobs;
  /** `ops_jobs_replayed_total{source}`. */
  replayed: Counter<'source'>;
}

export function createJobsDeps(opts: {
  /** The request-path client (dead letters move with one script). */
  redis: Redis;
  /** A 'blocking' connection for BullMQ. */
  bullConnection: Redis;
  keys: RedisKeys;
  /** INGEST_STREAM_MAXLEN: replayed entries are appended as webhooks are. */
  ingestStreamMaxlen: number;
  pool: Pool;
  registry: Registry;
  logger: Logger;
}): JobsDeps {
  const replayed = new Counter({
    name: 'ops_jobs_replayed_total',
    help: 'Dead-lettered ingest entries and failed jobs an operator replayed, by source.',
    labelNames: ['source'],
    registers: [opts.registry],
  });
  for (const source of REPLAY_SOURCES) replayed.inc({ source }, 0);
  return {
    deadLetters: createDeadLetters(opts.redis, opts.keys, opts.ingestStreamMaxlen),
    failedJobs: createFailedJobs({
      connection: opts.bullConnection,
      prefix: opts.keys.bullPrefix,
      pool: opts.pool,
      logger: opts.logger,
    }),
    replayed,
  };
}
