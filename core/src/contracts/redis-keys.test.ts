import { createRedisKeys } from './redis-keys.js';

describe('redis keys', () => {
  it('puts every key under the prefix', () => {
    const keys = createRedisKeys('ops-test');
    const all = [
      keys.ingestStream,
      keys.bullPrefix,
      keys.webhookMinute(29_000_000),
      keys.webhookBucket(348_000_000),
      keys.ingestDeadLetter,
      keys.ingestRetry,
      keys.seenEvent('strava', '123:create'),
      keys.chaosFaults,
      keys.chaosChannel,
      keys.heatmapCache,
      keys.heatmapVersion,
      keys.webhookFlushed,
      keys.idempotency('nudge', 'abc'),
      keys.rateLimit('nudge'),
    ];
    for (const k of all) expect(k.startsWith('ops-test:')).toBe(true);
    expect(new Set(all).size).toBe(all.length);
    expect(keys.webhookMinute(29_000_000)).toBe('ops-test:{webhooks}:m:29000000');
  });

  // Redis Cluster hashes only the part between the first '{' and the next '}' when it is not empty.
  const tagOf = (key: string) => {
    const open = key.indexOf('{');
    const close = open < 0 ? -1 : key.indexOf('}', open + 1);
    return close > open + 1 ? key.slice(open + 1, close) : key;
  };

  it('keeps the keys of each script and transaction in one hash slot', () => {
    const keys = createRedisKeys('ops-test');
    const together = [
      // the append script, the consumer's XACK+HDEL and dead-letter MULTIs, the replay script
      [keys.ingestStream, keys.seenEvent('polar', 'a:b'), keys.ingestRetry, keys.ingestDeadLetter],
      // the live-signal flush MULTI
      [keys.webhookMinute(1), keys.webhookBucket(2), keys.webhookFlushed],
      // the heatmap MGET
      [keys.heatmapCache, keys.heatmapVersion],
      // BullMQ appends ':<queue>:<suffix>' to its prefix
      [`${keys.bullPrefix}:probe:wait`, `${keys.bullPrefix}:nudge:meta`],
    ];
    for (const group of together) expect(new Set(group.map(tagOf))).toEqual(new Set([tagOf(group[0]!)]));
    expect(new Set(together.map((g) => tagOf(g[0]!))).size).toBe(together.length);
    // Keys used alone spread over the slots.
    expect(tagOf(keys.budget('strava'))).toBe(keys.budget('strava'));
    expect(tagOf(keys.idempotency('nudge', 'k'))).toBe(keys.idempotency('nudge', 'k'));
  });

  it('rejects a prefix that would break key patterns', () => {
    expect(() => createRedisKeys('a b')).toThrow('redis key prefix must be 1-64 letters');
    expect(() => createRedisKeys('x*')).toThrow('"x*"');
    expect(() => createRedisKeys('')).toThrow();
  });
});
