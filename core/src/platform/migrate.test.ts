import { createTestDatabase, databaseUrlFor, uniqueName, silentLogger } from '../testing/index.js';
import { createPool, dropDatabase, ensureDatabase } from './pool.js';
import { migrate, readMigrations, MigrationChecksumError } from './migrate.js';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MIGRATIONS_DIR } from './migrate.js';

const SEED_TABLES = ['provider_health_logs', 'incidents', 'activities', 'users', 'global_stats'];
const FEATURE_TABLES = ['provider_accounts', 'activity_hourly', 'nudges', 'chaos_events'];

describe('migrations', () => {
  it('create the seed and feature tables with the columns the design lists, and apply once', async () => {
    const db = await createTestDatabase('mig', { migrate: false });
    try {
      const first = await migrate(db.pool);
      expect(first.applied.length).toBe((await readMigrations()).length);
      const second = await migrate(db.pool);
      expect(second.applied).toEqual([]);

      const { rows } = await db.pool.query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`,
      );
      const columns = (t: string) => rows.filter((r) => r.table_name === t).map((r) => r.column_name);
      for (const t of [...SEED_TABLES, ...FEATURE_TABLES]) expect(columns(t).length).toBeGreaterThan(0);
      expect(columns('incidents')).toEqual(
        expect.arrayContaining([
          'id',
          'message',
          'level',
          'acknowledged_at',
          'acknowledged_by_user_id',
          'fingerprint',
          'source',
          'labels',
          'started_at',
          'resolved_at',
        ]),
      );
      expect(columns('provider_health_logs')).toEqual(
        expect.arrayContaining([
          'id',
          'provider',
          'status',
          'latency_ms',
          'timestamp',
          'http_status',
          'error_reason',
        ]),
      );
      expect(columns('users')).toEqual(expect.arrayContaining(['id', 'last_nudge_at', 'crew']));
      expect(columns('activities')).toEqual(
        expect.arrayContaining([
          'provider',
          'external_id',
          'distance_m',
          'start_date',
          'start_date_local',
          'deleted_at',
        ]),
      );
      const stats = await db.pool.query('SELECT total_miles FROM global_stats');
      expect(stats.rows).toHaveLength(1);
      expect(Number(stats.rows[0].total_miles)).toBe(0);
      const ids = await db.pool.query(`SELECT data_type FROM information_schema.columns
        WHERE table_name = 'users' AND column_name = 'id'`);
      expect(ids.rows[0].data_type).toBe('uuid');
    } finally {
      await db.drop();
    }
  });

  it('are safe when several processes start at once', async () => {
    const db = await createTestDatabase('migc', { migrate: false });
    const pools = [1, 2, 3].map(() =>
      createPool({ url: db.url, max: 2, logger: silentLogger, applicationName: 'concurrent' }),
    );
    try {
      const results = await Promise.all(pools.map((p) => migrate(p)));
      const applied = results.flatMap((r) => r.applied);
      expect(applied.sort()).toEqual((await readMigrations()).map((m) => m.id).sort());
      const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0].n).toBe(applied.length);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await db.drop();
    }
  });

  it('refuse to run when an applied migration was edited', async () => {
    const db = await createTestDatabase('migx');
    const dir = await mkdtemp(path.join(tmpdir(), 'mig-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const [first] = await readMigrations(dir);
      await writeFile(path.join(dir, `${first!.id}.sql`), `${first!.sql}\n-- edited\n`);
      await expect(migrate(db.pool, undefined, dir)).rejects.toBeInstanceOf(MigrationChecksumError);
    } finally {
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ensureDatabase', () => {
  it('creates a missing database once, also under a race', async () => {
    const url = databaseUrlFor(uniqueName('ensure'));
    try {
      const results = await Promise.all([ensureDatabase(url), ensureDatabase(url), ensureDatabase(url)]);
      expect(results.filter((r) => r.created).length).toBeLessThanOrEqual(1);
      expect(await ensureDatabase(url)).toEqual({ created: false });
    } finally {
      await dropDatabase(url);
    }
  });
});
