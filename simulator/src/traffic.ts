import type { Logger } from '@ops-cockpit/core';
import type { EventGenerator } from './generator.js';
import type { Delivery } from './providers/adapter.js';

/**
 * Posts generated webhooks to the exporter at a steady rate. A slow or absent exporter never makes deliveries
 * pile up: beyond `maxInFlight` the due ones are skipped and counted, and failures are logged at most every
 * few seconds rather than once per request.
 */

export interface TrafficOptions {
  exporterUrl: string;
  /** Deliveries per second (fractions allowed: 0.5 is one every two seconds). */
  ratePerSecond: number;
  generator: EventGenerator;
  logger: Logger;
  /** Requests open at once; the default suits a local exporter. */
  maxInFlight?: number;
  /** Per-request timeout; Strava gives receivers 2 s, so 10 s is generous. */
  timeoutMs?: number;
  now?: () => number;
  /** How often the running totals are logged at info level. */
  summaryEveryMs?: number;
}

export interface TrafficStats {
  sent: number;
  /** Answers by status code (`202`, `503`, ...). */
  byStatus: Record<string, number>;
  /** No answer: connection refused, timeout. */
  failed: number;
  /** Due while `maxInFlight` requests were still open. */
  skipped: number;
}

export interface Traffic {
  stats(): TrafficStats;
  /** Stops sending and waits for open requests. Safe to call twice. */
  stop(): Promise<void>;
}

const FAILURE_LOG_INTERVAL_MS = 10_000;

export function startTraffic(opts: TrafficOptions): Traffic {
  if (!(opts.ratePerSecond > 0) || !Number.isFinite(opts.ratePerSecond)) {
    throw new Error(`ratePerSecond must be a number > 0, got ${opts.ratePerSecond}`);
  }
  const now = opts.now ?? Date.now;
  const maxInFlight = opts.maxInFlight ?? 256;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const base = opts.exporterUrl.replace(/\/+$/, '');
  const stats: TrafficStats = { sent: 0, byStatus: {}, failed: 0, skipped: 0 };
  const inFlight = new Set<Promise<void>>();
  const started = now();
  let due = 0;
  let lastFailureLog = 0;
  let unloggedFailures = 0;

  const noteFailure = (what: Record<string, unknown>) => {
    unloggedFailures++;
    if (now() - lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    opts.logger.warn({ ...what, failuresSinceLastLog: unloggedFailures }, 'webhook delivery failed');
    lastFailureLog = now();
    unloggedFailures = 0;
  };

  const post = async (d: Delivery) => {
    stats.sent++;
    try {
      const res = await fetch(base + d.path, {
        method: 'POST',
        headers: d.headers,
        body: d.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer();
      stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
      if (res.status >= 400) noteFailure({ provider: d.provider, status: res.status });
    } catch (err) {
      stats.failed++;
      // fetch says only "fetch failed"; the cause holds ECONNREFUSED, a timeout and the like.
      const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
      noteFailure({ provider: d.provider, err: cause?.code ?? cause?.message ?? (err as Error).message });
    }
  };

  // Ticks at most every second and at least every 20 ms; each sends what is due by the clock, so the rate holds
  // whatever the timer's jitter.
  const tickMs = Math.min(1_000, Math.max(20, Math.floor(1_000 / opts.ratePerSecond)));
  const tick = () => {
    const target = Math.floor(((now() - started) / 1_000) * opts.ratePerSecond);
    for (; due < target; due++) {
      if (inFlight.size >= maxInFlight) {
        stats.skipped++;
        continue;
      }
      const p = post(opts.generator.next(now())).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  };
  const timer = setInterval(tick, tickMs);
  const summary = setInterval(
    () => opts.logger.info({ ...stats, inFlight: inFlight.size }, 'traffic summary'),
    opts.summaryEveryMs ?? 60_000,
  );
  summary.unref();

  let stopping: Promise<void> | undefined;
  return {
    stats: () => ({ ...stats, byStatus: { ...stats.byStatus } }),
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        clearInterval(summary);
        await Promise.allSettled([...inFlight]);
      })();
      return stopping;
    },
  };
}
