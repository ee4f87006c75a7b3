import type { Pool, Provider } from '@ops-cockpit/core';

/** Why a probe failed: the fixed set the `provider_health_logs.error_reason` check allows. */
export const PROBE_ERROR_REASONS = [
  'timeout',
  'dns',
  'connect',
  'tls',
  'http_4xx',
  'http_5xx',
  'rate_limited',
] as const;
export type ProbeErrorReason = (typeof PROBE_ERROR_REASONS)[number];

/** One probe as `provider_health_logs` keeps it. */
export interface ProbeLog {
  provider: Provider;
  status: 'success' | 'error';
  /** Time to first byte; null when no byte came back. */
  latencyMs: number | null;
  httpStatus: number | null;
  errorReason: ProbeErrorReason | null;
  /** When the probe started, so rows of one provider sit one interval apart whatever each took. */
  at: Date;
  /** `probe` (the active probe, the default) or `traffic` (a real call, recorded as a probe would be). */
  source?: HealthSource;
}

export type HealthSource = 'probe' | 'traffic';

export async function insertProbeLog(pool: Pool, log: ProbeLog): Promise<void> {
  await pool.query(
    `INSERT INTO provider_health_logs (provider, status, latency_ms, http_status, error_reason, "timestamp", source)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [log.provider, log.status, log.latencyMs, log.httpStatus, log.errorReason, log.at, log.source ?? 'probe'],
  );
}
