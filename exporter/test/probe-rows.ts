import type { Pool, Provider } from '@ops-cockpit/core';

/** A probe row as the worker logs it, written here as the exporter's fixture (the exporter only reads them). */
export interface ProbeRow {
  provider: Provider;
  status: 'success' | 'error';
  latencyMs: number | null;
  httpStatus: number | null;
  errorReason: string | null;
  at: Date;
}

export async function insertProbeRow(pool: Pool, row: ProbeRow): Promise<void> {
  await pool.query(
    `INSERT INTO provider_health_logs (provider, status, latency_ms, http_status, error_reason, "timestamp")
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [row.provider, row.status, row.latencyMs, row.httpStatus, row.errorReason, row.at],
  );
}
