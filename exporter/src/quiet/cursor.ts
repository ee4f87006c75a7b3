import type { QuietUsersKeyset } from '../read-models/quiet-users.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Postgres' timestamptz text, e.g. `2026-11-16 08:00:00.123456+00`.
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

/** The opaque `nextCursor`: the keyset as base64url JSON. Clients pass it back untouched. */
export function encodeCursor(keyset: QuietUsersKeyset): string {
  return Buffer.from(JSON.stringify([keyset.since, keyset.id]), 'utf8').toString('base64url');
}

/** The keyset of a cursor, or undefined when it is not one this server made. */
export function decodeCursor(cursor: string): QuietUsersKeyset | undefined {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [since, id] = parsed as unknown[];
  if (typeof since !== 'string' || typeof id !== 'string') return undefined;
  if (!PG_TIMESTAMP.test(since) || !UUID.test(id)) return undefined;
  return { since, id };
}
