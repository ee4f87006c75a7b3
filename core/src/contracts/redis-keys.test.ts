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
    expect(keys.webhookMinute(29_000_000)).toBe('ops-test:webhooks:m:29000000');
  });

  it('rejects a prefix that would break key patterns', () => {
    expect(() => createRedisKeys('a b')).toThrow('redis key prefix must be 1-64 letters');
    expect(() => createRedisKeys('x*')).toThrow('"x*"');
    expect(() => createRedisKeys('')).toThrow();
  });
});
