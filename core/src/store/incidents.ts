import type { Pool } from '../platform/pool.js';
import { inTransaction } from '../platform/transaction.js';

/**
 * The incidents table, written by the exporter (Alertmanager notifications, acknowledgements) and the worker
 * (backend and probe incidents), so its SQL lives here, in one module.
 */

export type IncidentLevel = 'warn' | 'error' | 'critical';
export type IncidentSource = 'alertmanager' | 'backend' | 'probe';

/** One alert of an Alertmanager notification, as the receiver turns it into an incident row. */
export interface AlertChange {
  fingerprint: string;
  startedAt: string;
  resolved: boolean;
  /** endsAt of a resolved alert; null when Alertmanager sent none (the receiver then uses the time it heard). */
  resolvedAt: string | null;
  message: string;
  level: IncidentLevel;
  labels: Record<string, string>;
  generatorUrl: string | null;
}

export const INCIDENT_STATES = ['open', 'acknowledged', 'resolved', 'all'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** An incident as the API lists it. */
export interface Incident {
  id: number;
  message: string;
  level: IncidentLevel;
  source: IncidentSource;
  fingerprint: string;
  startedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
}

export type OpenCounts = Record<IncidentLevel, number>;

export interface IncidentStore {
  /** Applies a notification's alerts in one transaction: all or nothing. */
  applyAlerts(changes: readonly AlertChange[]): Promise<{ firing: number; resolved: number }>;
  /** Newest first. Open = neither acknowledged nor resolved; acknowledged = acknowledged, not resolved. */
  list(state: IncidentState, limit: number): Promise<Incident[]>;
  /** Sets who and when once; later calls return the incident unchanged. Null for an unknown id. */
  acknowledge(id: number, by: string): Promise<Incident | null>;
  /** Open incidents per level, every level present. */
  openCounts(): Promise<OpenCounts>;
}

const COLUMNS = `id, message, level, source, fingerprint, started_at, acknowledged_at, acknowledged_by, resolved_at`;

// Each condition matches an index: the open one the partial incidents_open_idx, the others incidents_started_idx.
const STATE_FILTERS: Record<IncidentState, string> = {
  open: 'resolved_at IS NULL AND acknowledged_at IS NULL',
  acknowledged: 'resolved_at IS NULL AND acknowledged_at IS NOT NULL',
  resolved: 'resolved_at IS NOT NULL',
  all: 'true',
};

interface Row {
  id: number;
  message: string;
  level: IncidentLevel;
  source: IncidentSource;
  fingerprint: string;
  started_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
}

function toIncident(r: Row): Incident {
  return {
    id: r.id,
    message: r.message,
    level: r.level,
    source: r.source,
    fingerprint: r.fingerprint,
    startedAt: r.started_at.toISOString(),
    acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at?.toISOString() ?? null,
  };
}

/**
 * One row per (alertmanager, fingerprint, startsAt): a repeated notification updates it, a resolved one sets
 * resolved_at once (a late "firing" never reopens it). A resolved alert whose firing was missed (exporter down)
 * still leaves its row, already resolved, so the history is complete.
 */
const UPSERT_ALERT = `
  INSERT INTO incidents (message, level, source, fingerprint, labels, generator_url, started_at, resolved_at)
  VALUES ($1, $2, 'alertmanager', $3, $4, $5, $6, CASE WHEN $7::boolean THEN COALESCE($8::timestamptz, now()) END)
  ON CONFLICT (source, fingerprint, started_at) DO UPDATE
     SET message = EXCLUDED.message, level = EXCLUDED.level, labels = EXCLUDED.labels,
         generator_url = EXCLUDED.generator_url, updated_at = now(),
         resolved_at = COALESCE(incidents.resolved_at, EXCLUDED.resolved_at)`;

export function createIncidentStore(pool: Pool): IncidentStore {
  return {
    async applyAlerts(changes) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const c of changes) {
          await client.query(UPSERT_ALERT, [
            c.message,
            c.level,
            c.fingerprint,
            JSON.stringify(c.labels),
            c.generatorUrl,
            c.startedAt,
            c.resolved,
            c.resolvedAt,
          ]);
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
      const resolved = changes.filter((c) => c.resolved).length;
      return { firing: changes.length - resolved, resolved };
    },

    async list(state, limit) {
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM incidents WHERE ${STATE_FILTERS[state]}
          ORDER BY started_at DESC, id DESC LIMIT $1`,
        [limit],
      );
      return rows.map(toIncident);
    },

    async acknowledge(id, by) {
      const updated = await pool.query<Row>(
        `UPDATE incidents SET acknowledged_at = now(), acknowledged_by = $2, updated_at = now()
          WHERE id = $1 AND acknowledged_at IS NULL
          RETURNING ${COLUMNS}`,
        [id, by],
      );
      if (updated.rows[0]) return toIncident(updated.rows[0]);
      // Already acknowledged (maybe concurrently, which a new statement's snapshot sees) or unknown.
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM incidents WHERE id = $1`, [id]);
      return rows[0] ? toIncident(rows[0]) : null;
    },

    async openCounts() {
      const { rows } = await pool.query<{ level: IncidentLevel; n: number }>(
        `SELECT level, count(*)::int AS n FROM incidents
          WHERE resolved_at IS NULL AND acknowledged_at IS NULL GROUP BY level`,
      );
      const counts: OpenCounts = { warn: 0, error: 0, critical: 0 };
      for (const r of rows) counts[r.level] = r.n;
      return counts;
    },
  };
}

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
