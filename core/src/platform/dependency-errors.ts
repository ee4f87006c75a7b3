/**
 * Whether an error means a dependency (Postgres, Redis) is unreachable right now, as opposed to this request
 * or entry being wrong. Callers answer 503 instead of 500 for it, and the ingest worker waits it out instead of
 * counting it against an entry: an outage says nothing about the entry.
 */

/** Socket errors: nothing listens, the peer went away, or the network is down. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is not serving: class 08 (connection exception), 57P01 admin shutdown (a fast
 * stop), 57P02 crash shutdown, 57P03 cannot connect now (starting up or shutting down), 53300 too many
 * connections.
 */
const PG_UNAVAILABLE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;

/** node-postgres and ioredis say it in words only. */
const MESSAGES = [
  /^Connection terminated/, // pg: the server closed the socket (mid-query, or idle)
  /timeout exceeded when trying to connect/, // pg pool: no connection within connectionTimeoutMillis
  /is not queryable/, // pg: a client whose connection already failed
  /Stream isn't writeable/, // ioredis: disconnected and the offline queue is off (request path)
  /max retries per request/i, // ioredis: the command was retried while reconnecting, then given up
  /^Connection is closed/, // ioredis: the connection ended while the command waited
];

export function isDependencyUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || PG_UNAVAILABLE.test(code))) return true;
  return typeof message === 'string' && MESSAGES.some((m) => m.test(message));
}
