import type { Pool } from './pool.js';
import { inTransaction } from './transaction.js';

export type IncidentLevel = 'warn' | 'error' | 'critical';
export type IncidentSource = 'alertmanager' | 'backend' | 'probe';

export interface BackendIncident {
  source: Exclude<IncidentSource, 'alertmanager'>;
  /** Deduplication key: while an incident with this source and key is unresolved, no second one opens. */
  key: string;
  message: string;
  level: IncidentLevel;
  labels?: Record<string, string>;
}

/**
 * Records a backend error as an incident, deduplicated while open: the first call opens one, later calls with
 * the same (source, key) while it is unresolved only refresh its message and level, never add a row. Returns the
 * incident id and whether it was new. The advisory lock makes concurrent reporters (several workers hitting the
 * same rate limit) agree on one row.
 */
export async function recordBackendIncident(
  pool: Pool,
  incident: BackendIncident,
): Promise<{ id: number; created: boolean }> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [
      `${incident.source}:${incident.key}`,
    ]);
    const open = await client.query<{ id: number }>(
      `UPDATE incidents SET message = $3, level = $4, updated_at = now()
        WHERE source = $1 AND fingerprint = $2 AND resolved_at IS NULL
        RETURNING id`,
      [incident.source, incident.key, incident.message, incident.level],
    );
    if (open.rows[0]) return { id: open.rows[0].id, created: false };
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO incidents (message, level, source, fingerprint, labels)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [
        incident.message,
        incident.level,
        incident.source,
        incident.key,
        JSON.stringify(incident.labels ?? {}),
      ],
    );
    return { id: rows[0]!.id, created: true };
  });
}

/** Resolves the open backend incident with this key (the condition cleared); returns whether one was open. */
export async function resolveBackendIncident(
  pool: Pool,
  source: BackendIncident['source'],
  key: string,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE incidents SET resolved_at = now(), updated_at = now()
      WHERE source = $1 AND fingerprint = $2 AND resolved_at IS NULL`,
    [source, key],
  );
  return (rowCount ?? 0) > 0;
}
