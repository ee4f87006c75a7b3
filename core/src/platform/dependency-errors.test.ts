import net from 'node:net';
import pg from 'pg';
import { Redis } from 'ioredis';
import { isDependencyUnavailable } from './dependency-errors.js';

/** A port with nothing listening: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('isDependencyUnavailable', () => {
  it('recognises what node-postgres throws when the server is not there', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port: await closedPort(), connectionTimeoutMillis: 1_000 });
    const err = await pool.query('SELECT 1').catch((e: unknown) => e);
    await pool.end();
    expect(isDependencyUnavailable(err)).toBe(true);
  });

  it('recognises what ioredis throws on the request path while disconnected', async () => {
    const redis = new Redis({
      host: '127.0.0.1',
      port: await closedPort(),
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    const err = await redis.ping().catch((e: unknown) => e);
    redis.disconnect();
    expect(isDependencyUnavailable(err)).toBe(true);
  });

  it('recognises server shutdown and unavailable SQLSTATEs and pg connection messages', () => {
    for (const code of ['57P01', '57P02', '57P03', '08006', '08001', '53300', 'ECONNRESET']) {
      expect(isDependencyUnavailable(Object.assign(new Error('x'), { code }))).toBe(true);
    }
    expect(isDependencyUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDependencyUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('leaves errors of the request or entry itself alone', () => {
    // unique_violation, statement_timeout (a slow query, not an outage), syntax error, undefined column.
    for (const code of ['23505', '57014', '42601', '42703']) {
      expect(isDependencyUnavailable(Object.assign(new Error('x'), { code }))).toBe(false);
    }
    expect(isDependencyUnavailable(new Error('invalid input syntax for type uuid'))).toBe(false);
    expect(isDependencyUnavailable(undefined)).toBe(false);
    expect(isDependencyUnavailable('ECONNREFUSED')).toBe(false);
  });
});
