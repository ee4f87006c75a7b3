import type { PoolClient } from './pool.js';

/** Runs `fn` in a transaction on a pooled client; rolls back on any error. */
export async function inTransaction<T>(
  pool: { connect(): Promise<PoolClient> },
  fn: (c: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
