import {
  classesOf,
  recordBackendIncident,
  resolveBackendIncident,
  type Logger,
  type Pool,
  type Provider,
  type Redis,
} from '@ops-cockpit/core';
import type { WorkerMetrics } from '../metrics.js';
import { insertProbeLog, type ProbeErrorReason, type ProbeLog } from './provider-health-logs.js';
import type { StatusSet } from './expected-statuses.js';
import { plainProbeCall, type ProbeCall } from './http-probe.js';
import type { ProbeKeys } from './keys.js';
import { withLock } from './lock.js';
import { PROBE_PHASES, parseRetryAfter, phasesOf, reasonOfStatus, type ProbePhase } from './outcome.js';
import { probeHeaders, type ProbeTarget } from './targets.js';
import { countHealthSample } from './probe-metrics.js';
import type { BudgetLedger } from '../providers/budget-ledger.js';

export type ProbeSkipCause = 'in_flight' | 'retry_after' | 'stale' | 'unconfigured' | 'budget' | 'traffic';

export type ProbeOutcome =
  | { ran: true; log: ProbeLog; phasesMs: Record<ProbePhase, number>; retryAfterSeconds?: number }
  | { ran: false; cause: ProbeSkipCause };

export interface ProbeRunnerDeps {
  pool: Pool;
  redis: Redis;
  keys: ProbeKeys;
  targets: readonly ProbeTarget[];
  expected: StatusSet;
  timeoutMs: number;
  /** The schedule's interval: a job due longer ago than this has been overtaken by the next one. */
  intervalMs: number;
  metrics: Pick<
    WorkerMetrics,
    'probeSuccess' | 'probePhaseSeconds' | 'probeDuration' | 'probes' | 'probeSkips'
  >;
  logger: Logger;
  now?: () => number;
  /** How a probe is made (default plainProbeCall); main wraps it in Spike Lab's seam, withProbeChaos. */
  call?: ProbeCall;
  /**
   * The shared request budgets: a probe of a budgeted provider takes its place first, from the share kept back
   * for probes (it may spend the whole window), is skipped when even that is spent, and reports its answer's
   * figures back.
   */
  ledger?: BudgetLedger;
}

export interface ProbeRunner {
  /** Probes `provider` once, unless a skip cause applies; `dueAt` is when its scheduled slot began (ms). */
  probe(provider: Provider, opts?: { dueAt?: number }): Promise<ProbeOutcome>;
}

/** The lock outlives the probe's own timeout by this much, covering the row and incident writes after it. */
const LOCK_MARGIN_MS = 5_000;

/** Dedup key of the rate-limit incident of a provider (source `probe`). */
export const rateLimitIncidentKey = (provider: Provider) => `rate_limited:${provider}`;

export function createProbeRunner(deps: ProbeRunnerDeps): ProbeRunner {
  const now = deps.now ?? Date.now;
  const call = deps.call ?? plainProbeCall;
  const { metrics, logger } = deps;

  function skip(provider: Provider, cause: ProbeSkipCause): ProbeOutcome {
    metrics.probeSkips.inc({ provider, cause });
    logger.debug({ provider, cause }, 'probe skipped');
    return { ran: false, cause };
  }

  function observe(
    provider: Provider,
    reason: ProbeErrorReason | undefined,
    phasesMs: Record<ProbePhase, number>,
  ) {
    for (const phase of PROBE_PHASES)
      metrics.probePhaseSeconds.set({ provider, phase }, phasesMs[phase] / 1000);
    countHealthSample(metrics, { provider, source: 'probe', reason, seconds: phasesMs.total / 1000 });
  }

  async function rateLimited(provider: Provider, retryAfterSeconds: number | undefined): Promise<void> {
    // The hold makes the next probes skip until the provider's deadline; without Retry-After the schedule rules.
    if (retryAfterSeconds) {
      await deps.redis.set(
        deps.keys.notBefore(provider),
        String(now() + retryAfterSeconds * 1000),
        'PX',
        retryAfterSeconds * 1000,
      );
    }
    const wait = retryAfterSeconds
      ? `not probing again for ${retryAfterSeconds} s`
      : 'probing again on schedule';
    await recordBackendIncident(deps.pool, {
      source: 'probe',
      key: rateLimitIncidentKey(provider),
      message: `${provider} rate-limited the health probe (HTTP 429); ${wait}`,
      level: 'warn',
      labels: { provider, reason: 'rate_limited' },
    });
  }

  async function run(target: ProbeTarget): Promise<ProbeOutcome> {
    const { provider } = target;
    const at = new Date(now());
    const result = await call(provider, {
      url: target.url,
      headers: probeHeaders(target),
      timeoutMs: deps.timeoutMs,
    });
    if (result.kind === 'answered' && deps.ledger?.covers(provider)) {
      await deps.ledger.observe(provider, result.headers).catch(() => undefined);
    }
    const status = result.status;
    const reason = result.kind === 'answered' ? reasonOfStatus(result.status, deps.expected) : result.reason;
    const phasesMs = phasesOf(result.marks);
    observe(provider, reason, phasesMs);

    const log: ProbeLog = {
      provider,
      status: reason ? 'error' : 'success',
      latencyMs: result.marks.firstByte === undefined ? null : Math.round(result.marks.firstByte),
      httpStatus: status ?? null,
      errorReason: reason ?? null,
      at,
    };
    await insertProbeLog(deps.pool, log);

    let retryAfterSeconds: number | undefined;
    if (reason === 'rate_limited' && result.kind === 'answered') {
      retryAfterSeconds = parseRetryAfter(result.retryAfter, now());
      await rateLimited(provider, retryAfterSeconds);
    } else if (!reason) {
      await resolveBackendIncident(deps.pool, 'probe', rateLimitIncidentKey(provider));
    }

    const fields = {
      provider,
      status,
      reason,
      latencyMs: log.latencyMs,
      totalMs: Math.round(phasesMs.total),
    };
    if (reason) {
      const detail = result.kind === 'failed' ? result.message : `HTTP ${result.status}`;
      logger.warn({ ...fields, detail, retryAfterSeconds }, 'provider probe failed');
    } else {
      logger.debug(fields, 'provider probe succeeded');
    }
    return { ran: true, log, phasesMs, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  }

  return {
    async probe(provider, opts = {}) {
      const target = deps.targets.find((t) => t.provider === provider);
      if (!target) return skip(provider, 'unconfigured');
      if (opts.dueAt !== undefined && now() - opts.dueAt > deps.intervalMs) return skip(provider, 'stale');
      const locked = await withLock(
        deps.redis,
        deps.keys.lock(provider),
        deps.timeoutMs + LOCK_MARGIN_MS,
        async () => {
          // Checked under the lock, so a hold set by a probe that just finished is always seen.
          if ((await deps.redis.pttl(deps.keys.notBefore(provider))) > 0)
            return skip(provider, 'retry_after');
          // A real call within the last interval said how the provider is: no probe needed (passive health).
          if ((await deps.redis.exists(deps.keys.traffic(provider))) > 0) return skip(provider, 'traffic');
          const { ledger } = deps;
          if (ledger?.covers(provider)) {
            if ((await ledger.reserve(provider, classesOf('GET'), true)) > 0) return skip(provider, 'budget');
          }
          return run(target);
        },
      );
      return locked.ran ? locked.value : skip(provider, 'in_flight');
    },
  };
}
