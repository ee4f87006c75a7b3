import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger, Provider, Redis, RedisKeys } from '@ops-cockpit/core';
import { BUCKET_SECONDS, FLUSH_WATERMARK_STALE_MS } from '../read-models/throughput.js';

/** The per-minute hashes feed /api/ops/throughput (2 h of history); the 5-second ones the SSE stream. */
export const MINUTE_TTL_SECONDS = 2 * 60 * 60;
export const BUCKET_TTL_SECONDS = 10 * 60;

/** Beyond this many unflushed hashes (Redis down for a long time), the oldest counts are dropped. */
export const MAX_PENDING_BUCKETS = 1_000;

interface Pending {
  key: string;
  ttl: number;
  counts: Map<Provider, number>;
}

export interface LiveCounters {
  /** Counts `n` accepted events of `provider` at `atMs`; in memory only, no Redis round trip. */
  add(provider: Provider, n: number, atMs: number): void;
  /** Hashes with counts not yet written (grows while Redis is unavailable, up to MAX_PENDING_BUCKETS). */
  readonly pending: number;
  /** Writes what is pending in one MULTI; on failure keeps it for the next try. Never rejects. */
  flush(): Promise<void>;
  /** Stops the timer and flushes a last time; safe to call twice. */
  close(): Promise<void>;
}

/**
 * The live-signal counters (`webhookMinute` and `webhookBucket` hashes, provider → count), batched in memory
 * and flushed every `flushMs`, so the webhook hot path never waits on them. Every flush, even an empty one, also
 * moves this process's watermark in `webhookFlushed` in the same MULTI: the stream reads a bucket only once
 * every process has passed its end, so a pushed figure is never one flush short.
 */
export function createLiveCounters(opts: {
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  flushMs: number;
  /** The clock `add` is called with (epoch ms); the watermark must be on the same one. */
  now?: () => number;
  /** This process's member in the watermark set (default host:pid:random). */
  processId?: string;
}): LiveCounters {
  const { redis, keys, logger } = opts;
  const now = opts.now ?? Date.now;
  const processId = opts.processId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // Insertion-ordered, so the first entries are the oldest buckets.
  let pending = new Map<string, Pending>();
  let inFlight: Promise<void> | undefined;
  let closed: Promise<void> | undefined;

  const bump = (key: string, ttl: number, provider: Provider, n: number) => {
    let bucket = pending.get(key);
    if (!bucket) {
      bucket = { key, ttl, counts: new Map() };
      pending.set(key, bucket);
    }
    bucket.counts.set(provider, (bucket.counts.get(provider) ?? 0) + n);
  };

  /** Puts a failed batch back in front of what arrived meanwhile, then enforces the bound. */
  const restore = (failed: Map<string, Pending>) => {
    const merged = failed;
    for (const [key, bucket] of pending) {
      const into = merged.get(key);
      if (!into) merged.set(key, bucket);
      else
        for (const [provider, n] of bucket.counts)
          into.counts.set(provider, (into.counts.get(provider) ?? 0) + n);
    }
    let dropped = 0;
    for (const key of merged.keys()) {
      if (merged.size <= MAX_PENDING_BUCKETS) break;
      merged.delete(key);
      dropped += 1;
    }
    if (dropped)
      logger.warn({ dropped, kept: merged.size }, 'live-signal counters dropped: Redis unavailable too long');
    pending = merged;
  };

  const write = async () => {
    // `add` is synchronous with its clock read, so every event counted after this swap has atMs >= upTo.
    const upTo = now();
    const batch = pending;
    pending = new Map();
    const multi = redis.multi();
    for (const bucket of batch.values()) {
      for (const [provider, n] of bucket.counts) multi.hincrby(bucket.key, provider, n);
      multi.expire(bucket.key, bucket.ttl);
    }
    multi.zadd(keys.webhookFlushed, upTo, processId);
    // Processes gone without a goodbye (crash, kill -9) leave a watermark that stops moving: drop it.
    multi.zremrangebyscore(keys.webhookFlushed, '-inf', upTo - FLUSH_WATERMARK_STALE_MS);
    multi.expire(keys.webhookFlushed, BUCKET_TTL_SECONDS);
    try {
      const results = await multi.exec();
      const failed = results?.find(([err]) => err);
      // A command failing inside EXEC (a key of the wrong type) would fail again: report it, don't retry.
      if (failed) logger.warn({ err: failed[0]?.message }, 'live-signal counter write failed');
    } catch (err) {
      logger.debug(
        { err: (err as Error).message, buckets: batch.size },
        'live-signal flush failed, will retry',
      );
      restore(batch);
    }
  };

  const flush = () => {
    inFlight ??= write().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const keysOf = { seconds: NaN, minute: '', bucket: '' };
  const timer = setInterval(() => void flush(), opts.flushMs);
  timer.unref();

  return {
    add(provider, n, atMs) {
      const seconds = Math.floor(atMs / 1000);
      // Thousands of calls share one second: build its two key names once.
      if (seconds !== keysOf.seconds) {
        keysOf.seconds = seconds;
        keysOf.minute = keys.webhookMinute(Math.floor(seconds / 60));
        keysOf.bucket = keys.webhookBucket(Math.floor(seconds / BUCKET_SECONDS));
      }
      bump(keysOf.minute, MINUTE_TTL_SECONDS, provider, n);
      bump(keysOf.bucket, BUCKET_TTL_SECONDS, provider, n);
    },
    get pending() {
      return pending.size;
    },
    async flush() {
      // A flush already running took a snapshot; wait for it, then write what came after.
      await inFlight;
      await flush();
    },
    close() {
      closed ??= (async () => {
        clearInterval(timer);
        await inFlight;
        await flush();
        // Leaving: the stream must not wait for this process's next flush.
        if (pending.size === 0) await redis.zrem(keys.webhookFlushed, processId).catch(() => undefined);
      })();
      return closed;
    },
  };
}
