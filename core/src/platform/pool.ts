import pg from 'pg';
import type { Logger } from 'pino';
import type { Secret } from './secret.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// Postgres returns bigint (int8) as text by default to avoid precision loss; our ids and counts stay far below
// 2^53, so parse them as numbers. numeric (20) stays a string: miles and metres are summed exactly in SQL.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export interface PoolOptions {
  url: Secret;
  /** Most connections the pool opens; pg's default is 10. */
  max: number;
  logger: Logger;
  /** Shown in pg_stat_activity so a DBA can tell our connections apart. */
  applicationName: string;
}

export function createPool(opts: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: opts.url.reveal(),
    max: opts.max,
    // Fail a checkout instead of queueing forever when Postgres is gone; /readyz and jobs report the error.
    connectionTimeoutMillis: 5_000,
    // Close connections idle for 30 s (pg's default is 10 s, which churns under bursty webhook traffic).
    idleTimeoutMillis: 30_000,
    application_name: opts.applicationName,
    // A statement running longer than this is a bug or a lock pile-up; cancel it rather than hold a slot.
    statement_timeout: 30_000,
  });
  // An idle client losing its connection (Postgres restarted) emits 'error' on the pool; unhandled, that would
  // crash the process. The pool drops the client and opens a new one on the next checkout.
  pool.on('error', (err) => opts.logger.warn({ err: err.message }, 'idle postgres client error'));
  // A checked-out client between two queries (inside a transaction, say) emits 'error' on itself when the server
  // ends its session (a fast shutdown: 57P01), and the pool listens only to idle ones: without this listener
  // the process dies with an unhandled 'error'. Its next query then fails, and the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => opts.logger.warn({ err: err.message }, 'postgres connection lost'));
  });
  return pool;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Creates the database named in `url` if it does not exist, connecting to the server's `postgres` database to
 * do so. Two processes racing here is fine: the loser sees duplicate_database and moves on.
 */
export async function ensureDatabase(url: Secret): Promise<{ created: boolean }> {
  const target = new URL(url.reveal());
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(target.toString());
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return { created: false };
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return { created: true };
    } catch (err) {
      const code = (err as { code?: string }).code;
      // 42P04 duplicate_database; 23505 when the race is lost inside the catalog's unique index.
      if (code === '42P04' || code === '23505') return { created: false };
      throw err;
    }
  } finally {
    await client.end();
  }
}

/** Drops a database; for tests and tooling. Terminates remaining sessions first (Postgres 13+). */
export async function dropDatabase(url: Secret): Promise<void> {
  const target = new URL(url.reveal());
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(target.toString());
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
