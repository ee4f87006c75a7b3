import { createTestRedis, silentLogger, waitFor, type TestRedis } from '../testing/index.js';
import { createChaosFlags, createChaosStore, type ChaosFlags, type ChaosStore } from './chaos-store.js';
import type { ChaosFault } from '../contracts/chaos.js';
import { createRedis } from '../platform/redis.js';
import { createRedisKeys, type RedisKeys } from '../contracts/redis-keys.js';

let t: TestRedis;
let keys: RedisKeys;
let store: ChaosStore;
const flagsToClose: ChaosFlags[] = [];

beforeAll(async () => {
  t = await createTestRedis('chaos');
  keys = createRedisKeys(t.prefix);
  store = createChaosStore({ redis: t.redis, keys, maxActive: 2 });
});
beforeEach(() => store.restore());
afterAll(async () => {
  await Promise.all(flagsToClose.map((f) => f.close()));
  await t?.close();
});

function fault(overrides: Partial<ChaosFault>): ChaosFault {
  return {
    mode: 'outage',
    target: 'ingest',
    providers: ['strava'],
    probability: 100,
    delayMs: 0,
    jitterMs: 0,
    expiresAtMs: Date.now() + 60_000,
    setBy: 'ada',
    ...overrides,
  };
}

function flags(enabled = true, refreshMs = 60_000): ChaosFlags {
  const f = createChaosFlags({
    enabled,
    store,
    connectSubscriber: () => createRedis({ url: t.url, role: 'blocking', logger: silentLogger, name: 'sub' }),
    channel: keys.chaosChannel,
    refreshMs,
    logger: silentLogger,
  });
  flagsToClose.push(f);
  return f;
}

describe('chaos store', () => {
  it('sets, replaces, lists and clears faults by mode', async () => {
    expect(await store.set(fault({}))).toEqual({ ok: true, active: 1 });
    expect(await store.set(fault({ probability: 50 }))).toEqual({ ok: true, active: 1 });
    expect(await store.set(fault({ mode: 'latency', delayMs: 10 }))).toEqual({ ok: true, active: 2 });
    expect((await store.list()).map((f) => [f.mode, f.probability])).toEqual([
      ['outage', 50],
      ['latency', 100],
    ]);
    expect((await store.clear('outage'))?.mode).toBe('outage');
    expect(await store.clear('outage')).toBeUndefined();
    expect((await store.list()).map((f) => f.mode)).toEqual(['latency']);
  });

  it('refuses more than maxActive faults, counting expired ones as gone', async () => {
    await store.set(fault({}));
    await store.set(fault({ mode: 'rate_limit' }));
    expect(await store.set(fault({ mode: 'latency', delayMs: 5 }))).toEqual({ ok: false, maxActive: 2 });
    // Replacing an active mode is no new fault.
    expect(await store.set(fault({ probability: 10 }))).toEqual({ ok: true, active: 2 });
    await t.redis.hset(
      keys.chaosFaults,
      'rate_limit',
      JSON.stringify(fault({ expiresAtMs: Date.now() - 1 })),
    );
    expect(await store.set(fault({ mode: 'latency', delayMs: 5 }))).toEqual({ ok: true, active: 2 });
    expect(await t.redis.hexists(keys.chaosFaults, 'rate_limit')).toBe(0);
  });

  it('ends a fault by itself: unlisted after its TTL, and the hash expires with its last fault', async () => {
    await store.set(fault({ expiresAtMs: Date.now() + 1_000 }));
    const pttl = await t.redis.pttl(keys.chaosFaults);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1_000);
    expect(await store.list()).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await store.list()).toEqual([]);
    expect(await t.redis.exists(keys.chaosFaults)).toBe(0);
  });

  it('restores calm in one MULTI: returns what was active and leaves nothing', async () => {
    await store.set(fault({}));
    await store.set(fault({ mode: 'duplicates' }));
    expect((await store.restore()).map((f) => f.mode)).toEqual(['outage', 'duplicates']);
    expect(await t.redis.exists(keys.chaosFaults)).toBe(0);
    expect(await store.restore()).toEqual([]);
  });
});

describe('chaos flags', () => {
  it('follow changes through pub/sub within 1 s, without the periodic re-read', async () => {
    const a = flags();
    const b = flags();
    await Promise.all([a.start(), b.start()]);
    // Subscriptions are confirmed asynchronously; wait until both answer to a change.
    await store.set(fault({}));
    await waitFor(() => a.active().length === 1 && b.active().length === 1, 'first change');
    for (const change of [() => store.clear('outage'), () => store.set(fault({ mode: 'rate_limit' }))]) {
      const before = JSON.stringify(b.active());
      const started = performance.now();
      await change();
      await waitFor(() => JSON.stringify(b.active()) !== before, 'propagation', { intervalMs: 5 });
      expect(performance.now() - started).toBeLessThan(1_000);
    }
    expect(b.decide('ingest', 'strava').abort?.status).toBe(429);
    expect(b.decide('ingest', 'garmin')).toEqual({ delayMs: 0, duplicate: false, injected: [] });
  });

  it('re-read periodically as a safety net (a change made without announcement)', async () => {
    const f = flags(true, 100);
    await f.start();
    await t.redis.hset(keys.chaosFaults, 'outage', JSON.stringify(fault({})));
    await waitFor(() => f.active().length === 1, 'periodic re-read', { timeoutMs: 2_000 });
  });

  it('never read Redis nor apply a fault while disabled', async () => {
    await store.set(fault({}));
    const f = flags(false);
    await f.start();
    await f.refresh();
    expect(f.active()).toEqual([]);
    expect(f.decide('ingest', 'strava').injected).toEqual([]);
  });

  it('close twice safely', async () => {
    const f = flags();
    await f.start();
    await f.close();
    await f.close();
  });
});
