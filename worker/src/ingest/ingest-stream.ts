import { INGEST_FIELD, INGEST_GROUP, readIngestBacklog, type Redis, type RedisKeys } from '@ops-cockpit/core';
import { parseRetryState, type RetryState } from './failure-policy.js';

/** Most entries the dead-letter stream keeps (approximately); retention trims it by age as well. */
export const DEAD_LETTER_MAXLEN = 100_000;

/** A stream entry as Redis answers it: its id and flat field list. */
export type StreamEntry = [id: string, fields: string[]];

/**
 * The ingest stream as one consumer of the group sees it in Redis: reading and claiming entries, and their
 * bookkeeping: which are done (acknowledged), which wait for a retry (the retry hash), which were given up on
 * (the dead-letter stream). All keys share the `{ingest}` hash tag, so each MULTI stays on one cluster node.
 */
export interface IngestStream {
  /** Creates the consumer group (with the stream) unless it exists. */
  ensureGroup(): Promise<void>;
  /** New entries for `consumer`, up to `count`; waits up to `blockMs` for the first, or not at all. */
  read(consumer: string, count: number, blockMs?: number): Promise<StreamEntry[]>;
  /**
   * One XAUTOCLAIM step from `cursor`: entries idle at least `minIdleMs`, now `consumer`'s. Entries trimmed off
   * the stream while pending (a backlog beyond INGEST_STREAM_MAXLEN) are acknowledged and counted in `trimmed`.
   */
  claim(
    consumer: string,
    minIdleMs: number,
    cursor: string,
    count: number,
  ): Promise<{ next: string; claimed: StreamEntry[]; trimmed: number }>;
  /** The retry state of each id, in order (undefined: never failed, or unreadable). */
  retryStates(ids: readonly string[]): Promise<(RetryState | undefined)[]>;
  saveRetryState(id: string, state: RetryState): Promise<void>;
  /** Done: acknowledged and its retry state dropped, in one round trip. */
  acknowledge(ids: readonly string[]): Promise<void>;
  /** Given up on: copied to the dead-letter stream with why, and acknowledged, in one MULTI. */
  deadLetter(entry: { id: string; raw: string; reason: string; attempts: number }): Promise<void>;
  /**
   * Resets the idle time of `consumer`'s entries in hand (`XCLAIM … 0 … JUSTID` by their owner counts no
   * delivery), so that one waiting on a slow provider is not taken over by another consumer and applied twice.
   */
  touch(consumer: string, ids: readonly string[]): Promise<void>;
}

/**
 * Writes go on `redis`; reads, claims and retry-state lookups on `reads` (default `redis`): the connection a
 * blocking read holds, used between reads.
 */
export function createIngestStream(redis: Redis, keys: RedisKeys, reads: Redis = redis): IngestStream {
  return {
    async ensureGroup() {
      try {
        // From the start of the stream: entries accepted before any worker ever ran are processed too.
        await reads.xgroup('CREATE', keys.ingestStream, INGEST_GROUP, '0', 'MKSTREAM');
      } catch (err) {
        if (!(err as Error).message.includes('BUSYGROUP')) throw err;
      }
    },
    async read(consumer, count, blockMs) {
      // Two calls: ioredis types the optional BLOCK only as separate overloads (`call` answered another shape).
      const res = (
        blockMs === undefined
          ? await reads.xreadgroup(
              'GROUP',
              INGEST_GROUP,
              consumer,
              'COUNT',
              count,
              'STREAMS',
              keys.ingestStream,
              '>',
            )
          : await reads.xreadgroup(
              'GROUP',
              INGEST_GROUP,
              consumer,
              'COUNT',
              count,
              'BLOCK',
              blockMs,
              'STREAMS',
              keys.ingestStream,
              '>',
            )
      ) as [string, StreamEntry[]][] | null;
      return res?.[0]?.[1] ?? [];
    },
    async claim(consumer, minIdleMs, cursor, count) {
      const [next, claimed, deleted] = (await reads.xautoclaim(
        keys.ingestStream,
        INGEST_GROUP,
        consumer,
        minIdleMs,
        cursor,
        'COUNT',
        count,
      )) as [string, StreamEntry[], string[] | undefined];
      if (deleted?.length) await reads.xack(keys.ingestStream, INGEST_GROUP, ...deleted);
      return { next, claimed, trimmed: deleted?.length ?? 0 };
    },
    async retryStates(ids) {
      if (ids.length === 0) return [];
      const raw = await reads.hmget(keys.ingestRetry, ...ids);
      return raw.map(parseRetryState);
    },
    async saveRetryState(id, state) {
      await redis.hset(keys.ingestRetry, id, JSON.stringify(state));
    },
    async acknowledge(ids) {
      if (ids.length === 0) return;
      await redis
        .multi()
        .xack(keys.ingestStream, INGEST_GROUP, ...ids)
        .hdel(keys.ingestRetry, ...ids)
        .exec();
    },
    async deadLetter({ id, raw, reason, attempts }) {
      await redis
        .multi()
        .xadd(
          keys.ingestDeadLetter,
          'MAXLEN',
          '~',
          DEAD_LETTER_MAXLEN,
          '*',
          INGEST_FIELD,
          raw,
          'reason',
          reason,
          'source_id',
          id,
          'attempts',
          attempts,
        )
        .xack(keys.ingestStream, INGEST_GROUP, id)
        .hdel(keys.ingestRetry, id)
        .exec();
    },
    async touch(consumer, ids) {
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < ids.length; i += 1_000) {
        // `call`: the typed xclaim's overloads do not resolve on the one-Redis-or-cluster client type.
        const chunk = ids.slice(i, i + 1_000);
        calls.push(redis.call('XCLAIM', keys.ingestStream, INGEST_GROUP, consumer, 0, ...chunk, 'JUSTID'));
      }
      await Promise.all(calls);
    },
  };
}

/** Entries the group has not acknowledged: delivered-but-unfinished plus not-yet-delivered; -1 when unreadable. */
export async function ingestPending(redis: Redis, stream: string): Promise<number> {
  try {
    return (await readIngestBacklog(redis, stream)).pending;
  } catch (err) {
    // No stream yet: nothing was ever accepted.
    return (err as Error).message.includes('no such key') ? 0 : -1;
  }
}
