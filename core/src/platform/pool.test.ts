import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, startPrivatePostgres, type PrivatePostgres } from '../testing/index.js';
import { isDependencyUnavailable } from './dependency-errors.js';
import { createPool } from './pool.js';

/** A private server (never the machine's): the test stops it under a checked-out client. */
let postgres: PrivatePostgres;

beforeAll(async () => {
  postgres = await startPrivatePostgres();
}, 30_000);

afterAll(async () => {
  await postgres?.destroy();
});

it('survives Postgres stopping under a checked-out client, and heals once it is back', async () => {
  const pool = createPool({
    url: postgres.urlFor('postgres'),
    max: 2,
    logger: silentLogger,
    applicationName: 't',
  });
  try {
    const client = await pool.connect();
    await client.query('BEGIN');
    // Between two queries of a transaction: the session's end arrives as an 'error' event on the client itself.
    // Without a listener that event would be thrown, failing this test as an uncaught exception.
    await postgres.stop('fast');
    await sleep(200);
    const err = await client.query('SELECT 1').catch((e: unknown) => e);
    expect(isDependencyUnavailable(err)).toBe(true);
    client.release();
    expect(isDependencyUnavailable(await pool.query('SELECT 1').catch((e: unknown) => e))).toBe(true);

    await postgres.start();
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  } finally {
    await pool.end();
  }
});
