import { createTestDatabase, silentLogger, uniqueName, type TestDatabase } from '../testing/index.js';
import { createPool, dropDatabase } from '../platform/pool.js';
import { migrate } from '../platform/migrate.js';
import { Secret } from '../platform/secret.js';
import { READER_ROLE, setReaderPassword } from './reader-role.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('reader');
});
afterAll(async () => {
  await db?.drop();
});

it('gives the read-only role a login, its password stored as a SCRAM verifier, quoting whatever it holds', async () => {
  // A password that would break out of a naively built statement: quoted by Postgres, it is only a password.
  const password = `it's a "reader" pass\\word'; DROP TABLE users; --`;
  await setReaderPassword(db.pool, new Secret(password));
  const { rows } = await db.pool.query<{ login: boolean; scram: boolean }>(
    `SELECT rolcanlogin AS login, rolpassword LIKE 'SCRAM-SHA-256$%' AS scram FROM pg_authid WHERE rolname = $1`,
    [READER_ROLE],
  );
  expect(rows).toEqual([{ login: true, scram: true }]);
  expect((await db.pool.query(`SELECT count(*)::int AS n FROM users`)).rows[0].n).toBe(0);
});

it('migrates as a database owner who may not create roles: the role is left to an administrator', async () => {
  // Managed Postgres: the application's user owns its database but has no CREATEROLE.
  // eslint-disable-next-line ops/sql-parameterized -- a generated identifier of [a-z0-9_] only, used as a role name below
  const owner = uniqueName('nocreaterole');
  const admin = db.pool;
  await admin.query(`CREATE ROLE ${owner} LOGIN NOSUPERUSER NOCREATEROLE`);
  const url = new Secret(`postgres://${owner}@127.0.0.1:5432/${owner}`);
  try {
    await admin.query(`CREATE DATABASE ${owner} OWNER ${owner}`);
    const pool = createPool({ url, max: 1, logger: silentLogger, applicationName: 'test-nocreaterole' });
    try {
      const { applied } = await migrate(pool);
      expect(applied).toContain('004_grafana_reader');
      // The role exists on this server (other databases' migrations made it): the grants were given anyway.
      const { rows } = await pool.query<{ ok: boolean }>(
        `SELECT has_column_privilege('ops_cockpit_reader', 'users', 'name', 'SELECT') AS ok`,
      );
      expect(rows[0]!.ok).toBe(true);
      const email = await pool.query<{ ok: boolean }>(
        `SELECT has_column_privilege('ops_cockpit_reader', 'users', 'email', 'SELECT') AS ok`,
      );
      expect(email.rows[0]!.ok).toBe(false);
      // Setting its password needs CREATEROLE: refused, which the exporter logs instead of stopping.
      await expect(setReaderPassword(pool, new Secret('another-password-123'))).rejects.toThrow(
        /permission denied|must have CREATEROLE|insufficient/i,
      );
    } finally {
      await pool.end();
    }
  } finally {
    await dropDatabase(url);
    await admin.query(`DROP ROLE IF EXISTS ${owner}`);
  }
});
