import { createTestDatabase, type TestDatabase } from '../testing/index.js';
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
