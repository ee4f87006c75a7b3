import type { Logger, Pool, Provider, Redis } from '@ops-cockpit/core';
import type { WorkerMetrics } from '../metrics.js';
import type { ProviderCall } from '../providers/calls.js';
import { ProviderError, type ProviderFailure } from '../providers/errors.js';
import type { ProbeKeys } from './keys.js';
import { countHealthSample } from './probe-metrics.js';
import { insertProbeLog, type ProbeErrorReason } from './provider-health-logs.js';

/**
 * Passive health: every real call to a provider (activity fetch, token refresh, Garmin callback, Polar exercise)
 * says how the provider is, as a probe would. Each is counted in the probe metrics with `source="traffic"`;
 * a `provider_health_logs` row (source `traffic`) is written at most once per probe interval per provider and
 * worker (a busy provider would otherwise write one per call); and the call marks the provider as heard from for
 * one interval, so its active probe is skipped (cause `traffic`) and a busy system spends no budget on probing.
 */

/**
 * How a call's failure reads as a probe outcome: undefined for answers that say the provider is up (a 404 for an
 * activity, a refused token: the provider answered), null for calls that never went out (refused by the outbound
 * guard or the budget: nothing to record).
 */
export function healthOfFailure(failure: ProviderFailure): ProbeErrorReason | undefined | null {
  switch (failure) {
    case 'not_found':
    case 'unauthorized':
      return undefined;
    case 'rate_limited':
      return 'rate_limited';
    case 'server':
      return 'http_5xx';
    case 'timeout':
      return 'timeout';
    case 'network':
      return 'connect';
    case 'bad_response':
      return 'http_4xx';
    case 'refused':
    case 'budget':
      return null;
  }
}

export interface TrafficHealth {
  /** Records one real call that went out: its outcome (undefined = up) and how long it took. */
  record(provider: Provider, reason: ProbeErrorReason | undefined, ms: number): Promise<void>;
}

export function createTrafficHealth(deps: {
  pool: Pool;
  redis: Redis;
  keys: ProbeKeys;
  intervalMs: number;
  metrics: Pick<WorkerMetrics, 'probes' | 'probeDuration' | 'probeSuccess'>;
  logger: Logger;
  now?: () => number;
}): TrafficHealth {
  const now = deps.now ?? Date.now;
  const lastRow = new Map<Provider, number>();
  const lastMark = new Map<Provider, number>();
  return {
    async record(provider, reason, ms) {
      countHealthSample(deps.metrics, { provider, source: 'traffic', reason, seconds: ms / 1000 });
      const at = now();
      try {
        // The mark lasts one interval; refreshed at most once a second, not on every call of a busy provider.
        if (at - (lastMark.get(provider) ?? -Infinity) >= Math.min(1_000, deps.intervalMs)) {
          lastMark.set(provider, at);
          await deps.redis.set(deps.keys.traffic(provider), '1', 'PX', deps.intervalMs);
        }
        if (at - (lastRow.get(provider) ?? -Infinity) >= deps.intervalMs) {
          lastRow.set(provider, at);
          await insertProbeLog(deps.pool, {
            provider,
            status: reason ? 'error' : 'success',
            latencyMs: Math.round(ms),
            httpStatus: null,
            errorReason: reason ?? null,
            at: new Date(at),
            source: 'traffic',
          });
        }
      } catch (err) {
        // Health bookkeeping never fails the call it watched.
        deps.logger.warn({ err: (err as Error).message, provider }, 'traffic health not recorded');
      }
    },
  };
}

/** Every call that goes out is timed and recorded; its result or error passes through unchanged. */
export function withTrafficHealth(call: ProviderCall, health: TrafficHealth): ProviderCall {
  return async (provider, url, init, onHeaders) => {
    const started = performance.now();
    try {
      const body = await call(provider, url, init, onHeaders);
      await health.record(provider, undefined, performance.now() - started);
      return body;
    } catch (err) {
      const reason = err instanceof ProviderError ? healthOfFailure(err.failure) : 'connect';
      if (reason !== null) await health.record(provider, reason, performance.now() - started);
      throw err;
    }
  };
}
