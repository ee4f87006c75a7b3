import {
  DEDUP_TTL_SECONDS,
  INGEST_FIELD,
  type IngestEnvelope,
  type Redis,
  type RedisKeys,
} from '@ops-cockpit/core';

/**
 * Dedup and append in one atomic step, so a delivery is either wholly on the stream or not at all. For each
 * envelope: skip it if its seen-marker exists; else XADD it, then set the marker. Appending before marking
 * means a failed XADD leaves no marker behind, so the provider's retry is appended, not taken for a duplicate.
 * A repeated id within one delivery sees the marker its first copy set. Returns 1 (appended) or 0 per envelope.
 * With `copies` 2 (Spike Lab `duplicates`) an appended envelope is XADDed a second time past its own marker,
 * so the worker meets a real duplicate and its idempotent upsert is exercised.
 *
 * KEYS: stream, then one seen-marker per envelope. ARGV: maxlen, ttl, field, copies, then one JSON envelope
 * per key.
 */
const APPEND_SCRIPT = `
local out = {}
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    out[i - 1] = 0
  else
    for _ = 1, tonumber(ARGV[4]) do
      redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[3], ARGV[i + 3])
    end
    redis.call('SET', KEYS[i], '1', 'EX', ARGV[2])
    out[i - 1] = 1
  end
end
return out
`;

const COMMAND = 'opsIngestAppend';

type AppendCommand = (numKeys: number, ...args: (string | number)[]) => Promise<number[]>;

/** Appends with EVALSHA (ioredis falls back to EVAL once if Redis lost the script); `duplicate`: twice each. */
export type IngestAppender = (
  envelopes: readonly IngestEnvelope[],
  opts?: { duplicate?: boolean },
) => Promise<boolean[]>;

export function createIngestAppender(redis: Redis, keys: RedisKeys, maxlen: number): IngestAppender {
  if (!Number.isInteger(maxlen) || maxlen < 1)
    throw new Error(`maxlen must be a positive integer, got ${maxlen}`);
  redis.defineCommand(COMMAND, { lua: APPEND_SCRIPT });
  const command = (redis as unknown as Record<string, AppendCommand>)[COMMAND]!.bind(redis);
  return async (envelopes, opts = {}) => {
    if (envelopes.length === 0) return [];
    const markers = envelopes.map((e) => keys.seenEvent(e.provider, e.eventId));
    const bodies = envelopes.map((e) => JSON.stringify(e));
    const result = await command(
      1 + envelopes.length,
      keys.ingestStream,
      ...markers,
      maxlen,
      DEDUP_TTL_SECONDS,
      INGEST_FIELD,
      opts.duplicate ? 2 : 1,
      ...bodies,
    );
    return result.map((appended) => appended === 1);
  };
}
