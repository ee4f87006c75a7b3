import { INGEST_FIELD, type Redis, type RedisKeys } from '@ops-cockpit/core';

/** A dead-lettered ingest entry as operators see it: what and why, never the provider payload itself. */
export interface DeadLetter {
  id: string;
  /** provider:kind of the envelope. */
  name: string;
  reason: string;
  failedAt: string;
  /** Deliveries before it was given up (1 for a permanent failure). */
  attempts: number | null;
  data: { provider?: string; kind?: string; eventId?: string; receivedAt?: string; streamId?: string };
}

/**
 * Moves dead letters back onto the ingest stream in one atomic step: for each, XDEL from the dead-letter
 * stream and, only if that removed it, XADD its envelope to the ingest stream. Nothing can be lost between the
 * two, and a dead letter named twice (or replayed by two requests at once) is appended once. With ids, all
 * must exist or nothing moves; otherwise the oldest `limit` move.
 *
 * KEYS: dead-letter stream, ingest stream. ARGV: maxlen, envelope field, 'ids' | 'oldest', limit, ids…
 * Returns {1, {dead id, new id, …}} or {0, {missing id, …}}.
 */
const REPLAY_SCRIPT = `
local entries = {}
if ARGV[3] == 'ids' then
  local missing = {}
  for i = 5, #ARGV do
    local found = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
    if #found == 0 then table.insert(missing, ARGV[i]) else table.insert(entries, found[1]) end
  end
  if #missing > 0 then return {0, missing} end
else
  entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', tonumber(ARGV[4]))
end
local moved = {}
for _, entry in ipairs(entries) do
  local id, fields = entry[1], entry[2]
  local raw = ''
  for j = 1, #fields, 2 do if fields[j] == ARGV[2] then raw = fields[j + 1] end end
  if redis.call('XDEL', KEYS[1], id) == 1 then
    local newId = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', ARGV[2], raw, 'replayed_from', id)
    table.insert(moved, id)
    table.insert(moved, newId)
  end
end
return {1, moved}
`;

const COMMAND = 'opsReplayDeadLetters';

type ReplayCommand = (numKeys: number, ...args: (string | number)[]) => Promise<[0 | 1, string[]]>;

export type ReplayResult =
  { ok: true; replayed: { id: string; newId: string }[] } | { ok: false; missing: string[] };

export interface DeadLetters {
  count(): Promise<number>;
  list(limit: number): Promise<DeadLetter[]>;
  replay(selection: { ids: string[] } | { limit: number }): Promise<ReplayResult>;
}

function fieldsOf(flat: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!, flat[i + 1]!);
  return fields;
}

/** The envelope's identifying fields, leaving out its body (tokens, locations, user ids). */
function summary(raw: string | undefined, streamId: string | undefined): DeadLetter['data'] {
  const data: DeadLetter['data'] = streamId ? { streamId } : {};
  try {
    const env = JSON.parse(raw ?? '') as Record<string, unknown>;
    for (const key of ['provider', 'kind', 'eventId', 'receivedAt'] as const) {
      if (typeof env[key] === 'string') data[key] = env[key];
    }
  } catch {
    // An entry dead-lettered because it could not be parsed: its reason says so.
  }
  return data;
}

export function createDeadLetters(redis: Redis, keys: RedisKeys, maxlen: number): DeadLetters {
  redis.defineCommand(COMMAND, { lua: REPLAY_SCRIPT });
  const command = (redis as unknown as Record<string, ReplayCommand>)[COMMAND]!.bind(redis);
  const stream = keys.ingestDeadLetter;
  return {
    count: () => redis.xlen(stream),
    async list(limit) {
      const entries = (await redis.xrange(stream, '-', '+', 'COUNT', limit)) as [string, string[]][];
      return entries.map(([id, flat]) => {
        const fields = fieldsOf(flat);
        const data = summary(fields.get(INGEST_FIELD), fields.get('source_id'));
        const attempts = fields.get('attempts');
        return {
          id,
          name: data.provider && data.kind ? `${data.provider}:${data.kind}` : 'unparseable',
          reason: fields.get('reason') ?? '',
          failedAt: new Date(Number(id.split('-')[0])).toISOString(),
          attempts: attempts === undefined ? null : Number(attempts),
          data,
        };
      });
    },
    async replay(selection) {
      const ids = 'ids' in selection ? selection.ids : [];
      const limit = 'limit' in selection ? selection.limit : 0;
      const [ok, list] = await command(
        2,
        stream,
        keys.ingestStream,
        maxlen,
        INGEST_FIELD,
        'ids' in selection ? 'ids' : 'oldest',
        limit,
        ...ids,
      );
      if (ok === 0) return { ok: false, missing: list };
      const replayed: { id: string; newId: string }[] = [];
      for (let i = 0; i + 1 < list.length; i += 2) replayed.push({ id: list[i]!, newId: list[i + 1]! });
      return { ok: true, replayed };
    },
  };
}
