import type { Pool } from '../platform/pool.js';
import type { Secret } from '../platform/secret.js';

/** The read-only role Grafana's Postgres datasource logs in as (migration 004 creates it and its grants). */
export const READER_ROLE = 'ops_cockpit_reader';

/**
 * Lets the reader role log in with `password` (GRAFANA_DB_PASSWORD). ALTER ROLE takes no parameters, so Postgres
 * itself quotes the password into the statement (format's %L) and only that text is run.
 */
export async function setReaderPassword(pool: Pool, password: Secret): Promise<void> {
  const { rows } = await pool.query<{ sql: string }>(
    `SELECT format('ALTER ROLE ops_cockpit_reader WITH LOGIN PASSWORD %L', $1::text) AS sql`,
    [password.reveal()],
  );
  // eslint-disable-next-line ops/sql-parameterized -- built by Postgres's format(%L) just above
  await pool.query(rows[0]!.sql);
}
