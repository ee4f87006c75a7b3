import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { QUEUES, RETENTION_TARGETS, type QueueName } from '@ops-cockpit/core';

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
  ingestJobs: Counter<'provider' | 'outcome'>;
  ingestLag: Histogram;
  ingestBatchEntries: Histogram;
  challengeDrift: Gauge;
  probeSuccess: Gauge<'provider'>;
  probePhaseSeconds: Gauge<'provider' | 'phase'>;
  probeDuration: Histogram<'provider' | 'source'>;
  probes: Counter<'provider' | 'result' | 'reason' | 'source'>;
  probeSkips: Counter<'provider' | 'cause'>;
  nudges: Counter<'channel' | 'outcome'>;
  callsRefused: Counter<'provider'>;
  ingestHeld: Counter<'provider'>;
  budgetWaits: Counter<'provider'>;
  rowsRemoved: Counter<'table'>;
  retentionApplied: Gauge<'table'>;
}

export function createWorkerMetrics(
  registry: Registry,
  opts: {
    jobCounts: (queue: QueueName) => Promise<Record<string, number>>;
    /** Ingest stream entries not yet acknowledged (delivered or not); -1 when unknown. */
    ingestPending: () => Promise<number>;
    /** Entries this worker has read and not yet applied or set aside (default 0: no consumer). */
    ingestInFlight?: () => number;
  },
): WorkerMetrics {
  const registers = [registry];
  new Gauge({
    name: 'ops_ingest_in_flight',
    help: 'Ingest entries this worker has read and not yet applied or set aside (waiting on a provider call or the next commit), at scrape time; at most twice INGEST_BATCH_SIZE.',
    registers,
    collect() {
      this.set(opts.ingestInFlight?.() ?? 0);
    },
  });
  new Gauge({
    name: 'ops_ingest_pending',
    help: 'Ingest stream entries not yet acknowledged: read but unfinished plus not yet read, at scrape time.',
    registers,
    async collect() {
      this.set(await opts.ingestPending());
    },
  });
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
  const rowsRemoved = new Counter({
    name: 'ops_housekeeping_rows_removed_total',
    help: 'Rows (entries, for the dead-letter stream) the hourly retention removed, by table (ingest_dead_letter: the stream); counted per committed batch.',
    labelNames: ['table'],
    registers,
  });
  // Every table from the start, at 0: an increase() over the first batch is then seen.
  for (const table of RETENTION_TARGETS) rowsRemoved.inc({ table }, 0);
  return {
    rowsRemoved,
    retentionApplied: new Gauge({
      name: 'ops_housekeeping_last_success_timestamp_seconds',
      help: "When this worker last applied the table's retention completely (kept forever counts); absent until it has. Replicas share the job: take the max over instances.",
      labelNames: ['table'],
      registers,
    }),
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
    ingestJobs: new Counter({
      name: 'ops_ingest_jobs_total',
      help: 'Ingest stream entries handled, by provider and outcome (created, updated, deleted, skipped, retried, failed, ...).',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    ingestLag: new Histogram({
      name: 'ops_ingest_lag_seconds',
      help: 'Time from the exporter accepting a webhook event to its activity write being committed.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    ingestBatchEntries: new Histogram({
      name: 'ops_ingest_batch_entries',
      help: 'Stream entries applied per ingest transaction: those whose provider side settled together (group commit).',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    }),
    challengeDrift: new Gauge({
      name: 'ops_challenge_drift_meters',
      help: 'Stored challenge total minus the recomputed sum of live activities at the last hourly check, in metres (corrected then).',
      registers,
    }),
    probeSuccess: new Gauge({
      name: 'ops_provider_probe_success',
      help: 'Whether the last probe of the provider succeeded (1) or failed (0).',
      labelNames: ['provider'],
      registers,
    }),
    probePhaseSeconds: new Gauge({
      name: 'ops_provider_probe_duration_seconds',
      help: 'Phases of the last probe of the provider: dns, connect, tls and ttfb stack up; total spans the whole probe.',
      labelNames: ['provider', 'phase'],
      registers,
    }),
    probeDuration: new Histogram({
      name: 'ops_provider_probe_request_duration_seconds',
      help: 'Total duration of provider probes, failed ones included (a timeout counts its full wait); source traffic: real calls, recorded as probes.',
      labelNames: ['provider', 'source'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    probes: new Counter({
      name: 'ops_provider_probes_total',
      help: 'Provider probes run (source probe) and real calls recorded as probes (source traffic), by result (success, error) and failure reason (none on success).',
      labelNames: ['provider', 'result', 'reason', 'source'],
      registers,
    }),
    probeSkips: new Counter({
      name: 'ops_provider_probe_skips_total',
      help: "Scheduled probes not run, by cause: in_flight (one still running), retry_after (the provider asked to wait), stale (its slot had passed), budget (the provider's request budget is spent, even the share kept for probes).",
      labelNames: ['provider', 'cause'],
      registers,
    }),
    nudges: new Counter({
      name: 'ops_nudges_total',
      help: 'Nudge send attempts, by channel (email, sms) and outcome (sent, failed, retried).',
      labelNames: ['channel', 'outcome'],
      registers,
    }),
    callsRefused: new Counter({
      name: 'ops_provider_calls_refused_total',
      help: 'Outgoing provider calls the outbound guard refused (a URL off the allow-list, a non-public address, a redirect off the list): each one an SSRF attempt or a misconfigured allow-list.',
      labelNames: ['provider'],
      registers,
    }),
    budgetWaits: new Counter({
      name: 'ops_provider_budget_waits_total',
      help: "Outgoing provider calls the request budget held back (the window's share was spent): their entries waited for it to reopen.",
      labelNames: ['provider'],
      registers,
    }),
    ingestHeld: new Counter({
      name: 'ops_ingest_quarantined_total',
      help: 'Activity writes that left an activity held for review: impossible for its kind (PLAUSIBILITY_LIMITS), stored but counted nowhere until an operator decides.',
      labelNames: ['provider'],
      registers,
    }),
  };
}
