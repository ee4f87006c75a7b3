import type { Provider } from './providers.js';

/**
 * Every Redis key the system uses, built in one place under one prefix so that a deployment (or a test run)
 * owns a disjoint key space and `SCAN prefix:*` finds all of it.
 *
 * Redis Cluster runs a script or a MULTI only when all its keys hash to one slot. Keys used together therefore
 * share a hash tag, the `{family}` after the prefix: `{ingest}` (stream, dedup markers, retry state, dead
 * letters: the append script and the consumer's transactions), `{webhooks}` (live-signal counters and flush
 * watermarks), `{heatmap}` (cache and version, read in one MGET), `{chaos}`, and `{bull}` for BullMQ (which
 * needs one slot per queue). Keys only ever used alone (budgets, rate-limit counters, idempotency, probe locks)
 * carry no tag, so they spread over the cluster. The tag holds the family, not the prefix: deployments sharing
 * one cluster put a family on the same slot, which changes nothing but where it lives.
 */
export interface RedisKeys {
  readonly prefix: string;
  /** Stream of accepted webhook deliveries, read by the worker's consumer group. */
  readonly ingestStream: string;
  /** Prefix handed to BullMQ, which appends `:<queue>:<suffix>`. */
  readonly bullPrefix: string;
  /** Hash provider → accepted webhook events in one UTC minute (epoch minute). Expires after 2 h. */
  webhookMinute(minute: number): string;
  /** Hash provider → accepted webhook events in one 5-second bucket (epoch seconds / 5). Expires. */
  webhookBucket(bucket: number): string;
  /**
   * Sorted set exporter process → epoch ms before which all its live-signal counts are written (its flush
   * watermark); the stream reads a 5-second bucket only once every live process's watermark has passed its end.
   */
  readonly webhookFlushed: string;
  /** Stream of ingest entries that failed permanently after their retries. */
  readonly ingestDeadLetter: string;
  /** Hash entry id → retry state of ingest entries waiting for their next attempt. */
  readonly ingestRetry: string;
  /** Marker that a provider event was already accepted (deduplication window). */
  seenEvent(provider: Provider, eventId: string): string;
  /** Hash of active chaos faults, field = mode. */
  readonly chaosFaults: string;
  /** Pub/sub channel announcing a chaos change. */
  readonly chaosChannel: string;
  /** Cached heatmap JSON, with the rollup version it was read at. */
  readonly heatmapCache: string;
  /** Counter the worker bumps after a batch that moved the hourly rollup: a cached heatmap of another is stale. */
  readonly heatmapVersion: string;
  /** Stored response of an idempotent mutation. */
  idempotency(scope: string, key: string): string;
  /** Prefix of one rate limiter's hit counters (the limiter appends its client key); they expire per window. */
  rateLimit(limiter: string): string;
  /** A provider's request budget (hash): limits, and usage per class and window, shared by every worker. */
  budget(provider: string): string;
}

export function createRedisKeys(prefix: string): RedisKeys {
  if (!/^[A-Za-z0-9_\-:.]{1,64}$/.test(prefix)) {
    throw new Error(`redis key prefix must be 1-64 letters, digits or '_-:.', got ${JSON.stringify(prefix)}`);
  }
  const key = (...parts: string[]) => [prefix, ...parts].join(':');
  const ingest = (...parts: string[]) => key('{ingest}', ...parts);
  return {
    prefix,
    ingestStream: ingest(),
    bullPrefix: key('{bull}'),
    webhookMinute: (minute) => key('{webhooks}', 'm', String(minute)),
    webhookBucket: (bucket) => key('{webhooks}', 's5', String(bucket)),
    webhookFlushed: key('{webhooks}', 'flushed'),
    ingestDeadLetter: ingest('dead'),
    ingestRetry: ingest('retry'),
    seenEvent: (provider, eventId) => ingest('seen', provider, eventId),
    chaosFaults: key('{chaos}', 'faults'),
    chaosChannel: key('chaos', 'changed'),
    heatmapCache: key('{heatmap}', 'cache'),
    heatmapVersion: key('{heatmap}', 'version'),
    idempotency: (scope, k) => key('idem', scope, k),
    rateLimit: (limiter) => `${key('ratelimit', limiter)}:`,
    budget: (provider) => key('budget', provider),
  };
}
