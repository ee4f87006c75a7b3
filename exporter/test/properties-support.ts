import net from 'node:net';
import fc from 'fast-check';
import { createRedisKeys, type Pool, type Redis } from '@ops-cockpit/core';

/** Shared by the property tests: run settings, input generators and what "nothing was written" compares. */

/**
 * fast-check settings: `numRuns` runs from a fresh seed, or the failing run again with FC_SEED (and FC_PATH)
 * from a failure's report, which always prints both.
 */
export function runs(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FC_SEED;
  const path = process.env.FC_PATH;
  return {
    numRuns,
    ...(seed ? { seed: Number(seed) } : {}),
    ...(path ? { path } : {}),
  };
}

/** Any JSON value, as text: what a confused or hostile client may post. */
export const anyJsonText = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
);

/** Arbitrary bytes, often not UTF-8 and almost never JSON. */
export const anyBytes = fc.uint8Array({ minLength: 0, maxLength: 1024 });

/** An object with (some of) the given field names, each holding any JSON value: past the parser, into validation. */
export function shapedLike(fields: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(Object.fromEntries(fields.map((f) => [f, fc.jsonValue({ maxDepth: 2 })])), {
    requiredKeys: [],
  });
}

/** Content types a client may claim: mostly JSON, so most runs get past the media check into parsing. */
export const contentTypes = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=latin1',
      'application/merge-patch+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{1,10}\/[a-z+.-]{1,12}$/) },
);

/** Content encodings: mostly none; the others the API refuses (or inflates, then refuses the garbage). */
export const contentEncodings = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('identity', 'gzip', 'deflate', 'br', 'x-nonsense') },
);

/** A body of any of the above kinds. */
export const anyBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(anyJsonText, anyBytes);

/** Everything a bad request could have left behind: rows, stream entries, dedup keys, jobs, faults. */
export interface Writes {
  rows: Record<string, number>;
  ingestLength: number;
  /** Every key under the prefix but those in IGNORED_KEYS. */
  keys: string[];
}

/**
 * Not written for a request's input: rate limiters' counts, read caches, BullMQ's queue metadata, and the
 * live-signal flush watermarks every exporter moves once a second, with or without traffic.
 */
const IGNORED_KEYS = /^(ratelimit:|\{heatmap\}:cache$|\{bull\}:[^:]+:meta$|\{webhooks\}:flushed$)/;

export async function snapshotWrites(pool: Pool, redis: Redis, prefix: string): Promise<Writes> {
  const { rows } = await pool.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM activities) AS activities, (SELECT count(*)::int FROM incidents) AS incidents,
            (SELECT count(*)::int FROM incidents WHERE acknowledged_at IS NOT NULL) AS acknowledged,
            (SELECT count(*)::int FROM nudges) AS nudges, (SELECT count(*)::int FROM chaos_events) AS "chaosEvents",
            (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM provider_accounts) AS accounts`,
  );
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch.filter((k) => !IGNORED_KEYS.test(k.slice(prefix.length + 1))));
  } while (cursor !== '0');
  return {
    rows: rows[0]!,
    ingestLength: await redis.xlen(createRedisKeys(prefix).ingestStream),
    keys: keys.sort(),
  };
}

/**
 * Sends raw bytes on a fresh connection, half-closes it and resolves with whatever came back before the server
 * closed it ('' when it closed without a word); gives up after `timeoutMs`.
 */
export function rawExchange(port: number, bytes: Uint8Array, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined); // a reset is an answer too: the connection is gone
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('connect', () => socket.end(bytes));
  });
}

/**
 * Values at the edges of what the database and the domain hold (core's COLUMN_LIMITS): the inputs a schema is
 * most likely to let through wrongly. Mostly near a limit on either side, some plainly fine.
 */
export const boundaryText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    'a',
    'run',
    ' ',
    '\u0000',
    'a\u0000b',
    '\u0001\u001f\u007f',
    '\u2028\u2029',
    '\ud83c\udfc3',
  ),
  fc
    .constantFrom(254, 255, 256, 8_000)
    .chain((n) => fc.constantFrom('x', '\ud835\udfd8').map((c) => c.repeat(n))),
  fc.string({ maxLength: 20, unit: 'binary' }),
);

export const boundaryNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    0.5,
    1e308,
    -1e308,
    Number.MIN_VALUE,
    Number.MAX_SAFE_INTEGER,
    2 ** 31 - 1,
    2 ** 31,
    999_999_999.999,
    999_999_999.9994,
    1_000_000_000,
    1e12,
    1e15,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Unix seconds around the time window's edges (2000-01-01, one day from now) and beyond any date. */
export function boundaryEpochSeconds(nowS: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(
      946_684_799,
      946_684_800,
      nowS - 3_600,
      nowS + 86_399,
      nowS + 86_401,
      1e15,
      2 ** 53 - 1,
      -1,
    ),
    fc.integer({ min: 946_684_800, max: nowS }),
  );
}
