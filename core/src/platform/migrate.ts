import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Pool } from './pool.js';

/** Plain SQL files applied in name order; the folder sits beside src/ and dist/ alike. */
export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');

// Any constant works as long as every process uses the same one; this is "ops-cockpit" folded into an int.
const MIGRATION_LOCK_KEY = 0x6f70_732d;

export interface Migration {
  id: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(path.join(dir, file), 'utf8');
      return {
        id: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    }),
  );
}

export class MigrationChecksumError extends Error {
  constructor(id: string) {
    super(`migration ${id} was changed after it was applied; add a new migration instead of editing it`);
    this.name = 'MigrationChecksumError';
  }
}

/**
 * Applies every migration not yet recorded in schema_migrations, each in its own transaction. A session-level
 * advisory lock serialises processes that start together; the second one waits, then finds nothing to do.
 */
export async function migrate(pool: Pool, logger?: Logger, dir?: string): Promise<{ applied: string[] }> {
  const migrations = await readMigrations(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        id text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ id: string; checksum: string }>(
        'SELECT id, checksum FROM schema_migrations',
      );
      const done = new Map(rows.map((r) => [r.id, r.checksum]));
      for (const m of migrations) {
        const seen = done.get(m.id);
        if (seen !== undefined) {
          if (seen !== m.checksum) throw new MigrationChecksumError(m.id);
          continue;
        }
        await client.query('BEGIN');
        try {
          // eslint-disable-next-line ops/sql-parameterized -- a migration file is SQL text by design, checksummed
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)', [
            m.id,
            m.checksum,
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${m.id} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.id);
        logger?.info({ migration: m.id }, 'migration applied');
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
  return { applied };
}
