import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { QUEUES, type QueueName } from '@ops-cockpit/core';

export const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'completed',
  'paused',
  'prioritized',
] as const;

export interface WorkerMetrics {
  jobs: Counter<'queue' | 'outcome'>;
  jobDuration: Histogram<'queue'>;
}

export function createWorkerMetrics(
  registry: Registry,
  opts: { jobCounts: (queue: QueueName) => Promise<Record<string, number>> },
): WorkerMetrics {
  const registers = [registry];
  new Gauge({
    name: 'ops_queue_jobs',
    help: 'Jobs in each BullMQ queue by state, read at scrape time.',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      const all = await Promise.all(QUEUES.map(async (q) => [q, await opts.jobCounts(q)] as const));
      for (const [queue, counts] of all) {
        for (const state of JOB_STATES) this.set({ queue, state }, counts[state] ?? 0);
      }
    },
  });
  return {
    jobs: new Counter({
      name: 'ops_jobs_total',
      help: 'Jobs the worker finished, by queue and outcome (completed, failed, retried).',
      labelNames: ['queue', 'outcome'],
      registers,
    }),
    jobDuration: new Histogram({
      name: 'ops_job_duration_seconds',
      help: 'Time a job spent being processed, by queue.',
      labelNames: ['queue'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}
