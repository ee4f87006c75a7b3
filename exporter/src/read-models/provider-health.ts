import { PROVIDERS, type Provider } from '@ops-cockpit/core';
import type { Pool } from '@ops-cockpit/core';

export interface ProviderHealth {
  provider: Provider;
  /** success / total × 100 over the window; null with no samples. */
  successRate: number | null;
  avgLatencyMs: number | null;
  p95LatencyMs: number | null;
  samples: number;
  lastStatus: 'success' | 'error' | null;
  lastCheckedAt: string | null;
  /** False when the last 3 probes (whatever their age) all failed. */
  up: boolean;
}

/** How many consecutive failed probes make a provider "down". */
export const DOWN_AFTER_FAILURES = 3;

interface Row {
  provider: Provider;
  samples: number;
  successes: number;
  avg_latency: number | null;
  p95_latency: number | null;
  last_statuses: ('success' | 'error')[] | null;
  last_at: Date | null;
}

/**
 * Health of every provider over the last `windowSeconds`, in one query: per provider, two index scans on
 * (provider, timestamp DESC) INCLUDE (status, latency_ms), one for the window and one for the last 3 probes.
 * Latency counts successful probes only (a timeout has none).
 */
export async function providerHealth(
  pool: Pool,
  windowSeconds: number,
  providers: readonly Provider[] = PROVIDERS,
): Promise<ProviderHealth[]> {
  const { rows } = await pool.query<Row>({
    // Named: each connection plans it once, not on every read.
    name: 'ops-provider-health',
    text: `SELECT p.provider, w.samples, w.successes, w.avg_latency, w.p95_latency, l.last_statuses, l.last_at
       FROM unnest($2::text[]) WITH ORDINALITY AS p(provider, ord)
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS samples,
                count(*) FILTER (WHERE status = 'success')::int AS successes,
                (avg(latency_ms) FILTER (WHERE status = 'success'))::float AS avg_latency,
                (percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)
                   FILTER (WHERE status = 'success'))::float AS p95_latency
           FROM provider_health_logs h
          WHERE h.provider = p.provider AND h."timestamp" > now() - make_interval(secs => $1)
       ) w
       CROSS JOIN LATERAL (
         SELECT array_agg(status ORDER BY "timestamp" DESC) AS last_statuses, max("timestamp") AS last_at
           FROM (SELECT status, "timestamp" FROM provider_health_logs h
                  WHERE h.provider = p.provider ORDER BY "timestamp" DESC LIMIT $3) last
       ) l
      ORDER BY p.ord`,
    values: [windowSeconds, providers, DOWN_AFTER_FAILURES],
  });
  return rows.map((r) => {
    const statuses = r.last_statuses ?? [];
    const down = statuses.length >= DOWN_AFTER_FAILURES && statuses.every((s) => s === 'error');
    return {
      provider: r.provider,
      successRate: r.samples ? (r.successes / r.samples) * 100 : null,
      avgLatencyMs: r.avg_latency === null ? null : Math.round(r.avg_latency * 10) / 10,
      p95LatencyMs: r.p95_latency === null ? null : Math.round(r.p95_latency * 10) / 10,
      samples: r.samples,
      lastStatus: statuses[0] ?? null,
      lastCheckedAt: r.last_at ? r.last_at.toISOString() : null,
      up: !down,
    };
  });
}
