import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { PROVIDERS } from '../contracts/providers.js';

/** The schema's provider CHECKs and core's provider list must name the same providers, Polar included. */

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('provchk');
});

afterAll(async () => {
  await db.drop();
});

it('every provider CHECK lists exactly the known providers and Polar', async () => {
  const { rows } = await db.pool.query<{ table: string; def: string }>(
    `SELECT conrelid::regclass::text AS table, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE contype = 'c' AND conname LIKE '%provider_check' ORDER BY 1`,
  );
  expect(rows.map((r) => r.table)).toEqual(['activities', 'provider_accounts', 'provider_health_logs']);
  const expected = [...new Set<string>([...PROVIDERS, 'polar'])].sort();
  for (const { def } of rows) {
    expect([...def.matchAll(/'([a-z_]+)'::text/g)].map((m) => m[1]).sort()).toEqual(expected);
  }
});

it('stores a Polar account and refuses a provider nobody added', async () => {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (id, name, email) VALUES (gen_random_uuid(), 'Polar User', 'polar@example.test') RETURNING id`,
  );
  const userId = rows[0]!.id;
  await db.pool.query(
    `INSERT INTO provider_accounts (user_id, provider, external_user_id, access_token) VALUES ($1, 'polar', '475', 'tok')`,
    [userId],
  );
  await expect(
    db.pool.query(
      `INSERT INTO provider_accounts (user_id, provider, external_user_id) VALUES ($1, 'fitbit', '1')`,
      [userId],
    ),
  ).rejects.toThrow(/provider_accounts_provider_check/);
  await db.pool.query(
    `INSERT INTO provider_health_logs (provider, status, latency_ms) VALUES ('polar', 'success', 12)`,
  );
});
