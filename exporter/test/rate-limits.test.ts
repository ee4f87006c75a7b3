import { closeRedis, createRedis, waitForRedis } from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  silentLogger,
  startPrivateRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { HttpProblem } from '../src/http/problem.js';
import { redisRateLimitStore } from '../src/security/rate-limit.js';
import { startApp, type RunningApp } from './harness.js';
import { postJson, type Json } from './webhooks-support.js';

const ADA = 'ada-operator-token-0123456789';
const BOB = 'bob-operator-token-0123456789';

let db: TestDatabase;
let redis: TestRedis;
/** Two replicas on one Redis prefix, as two exporter processes behind a load balancer. */
let replicas: RunningApp[];

beforeAll(async () => {
  db = await createTestDatabase('ratelimit');
  redis = await createTestRedis('ratelimit');
  const settings = {
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    operatorTokens: `ada:${ADA},bob:${BOB}`,
    chaos: { enabled: true },
    rateLimits: { windowSeconds: 60, nudge: 3, chaos: 2 },
  };
  replicas = [await startApp(settings), await startApp(settings)];
});

afterAll(async () => {
  for (const app of replicas ?? []) await app.close();
  await redis?.close();
  await db?.drop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const unknownUser = { userId: '00000000-0000-4000-8000-000000000000' };

async function nudgeRows(): Promise<number> {
  return (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM nudges')).rows[0]!.n;
}

describe('rate limits', () => {
  it('limits nudges per operator across replicas, answering 429 with Retry-After and writing nothing', async () => {
    const [a, b] = replicas as [RunningApp, RunningApp];
    const statuses = [];
    for (const app of [a, b, a]) {
      const res = await postJson(`${app.url}/api/ops/nudge`, unknownUser, bearer(ADA));
      statuses.push(res.status);
      expect(res.headers.get('ratelimit-policy')).toMatch(/^"nudge"; q=3; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    }
    expect(statuses).toEqual([404, 404, 404]);

    const { rows } = await db.pool.query<{ id: string }>(
      "INSERT INTO users (name, email) VALUES ('Quinn', 'q@example.test') RETURNING id",
    );
    const limited = await postJson(`${b.url}/api/ops/nudge`, { userId: rows[0]!.id }, bearer(ADA));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('ratelimit')).toMatch(/^"nudge"; r=0; t=\d+$/);
    const body = (await limited.json()) as Json;
    expect(body).toMatchObject({ type: 'https://ops-cockpit.dev/problems/rate-limited', status: 429 });
    expect(body.detail).toBe('more than 3 nudge requests in 60 s; retry after Retry-After');
    expect(await nudgeRows()).toBe(0);

    // Another operator has a budget of their own.
    const other = await postJson(`${a.url}/api/ops/nudge`, { userId: rows[0]!.id }, bearer(BOB));
    expect(other.status).toBe(202);
    expect(await nudgeRows()).toBe(1);
  });

  it('limits chaos mutations, not chaos reads', async () => {
    const [a, b] = replicas as [RunningApp, RunningApp];
    const put = await fetch(`${a.url}/api/ops/chaos/latency`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...bearer(ADA) },
      body: JSON.stringify({ target: 'provider', delayMs: 10 }),
    });
    expect(put.status).toBe(200);
    const del = await fetch(`${b.url}/api/ops/chaos/latency`, { method: 'DELETE', headers: bearer(ADA) });
    expect(del.status).toBe(200);
    const restore = await fetch(`${a.url}/api/ops/chaos/restore`, { method: 'POST', headers: bearer(ADA) });
    expect(restore.status).toBe(429);
    const events = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM chaos_events');
    expect(events.rows[0]!.n).toBe(2);
    for (let i = 0; i < 5; i += 1) {
      expect((await fetch(`${b.url}/api/ops/chaos`, { headers: bearer(ADA) })).status).toBe(200);
    }
  });

  it('counts nothing for a caller without a valid token: 401 comes first', async () => {
    const [a] = replicas as [RunningApp];
    for (let i = 0; i < 5; i += 1) {
      const res = await postJson(`${a.url}/api/ops/nudge`, unknownUser, bearer('nobody-token-0123456789'));
      expect(res.status).toBe(401);
    }
  });

  it('answers 503 while its Redis is down, even when Redis was down at start, and counts again once back', async () => {
    const server = await startPrivateRedis();
    const client = createRedis({
      url: server.url,
      role: 'command',
      logger: silentLogger,
      name: 'test-ratelimit',
    });
    try {
      await waitForRedis(client, 5_000);
      await server.stop();
      const store = redisRateLimitStore(client, 'ops_t_ratelimit:');
      await store.init?.({ windowMs: 60_000 } as Parameters<NonNullable<typeof store.init>>[0]);
      const failed = await Promise.resolve(store.increment('operator:ada')).catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(HttpProblem);
      expect(failed).toMatchObject({ status: 503, type: 'dependency-unavailable' });

      await server.start();
      await waitForRedis(client, 10_000);
      const counts = [];
      for (let i = 0; i < 3; i += 1) counts.push((await store.increment('operator:ada')).totalHits);
      expect(counts).toEqual([1, 2, 3]);
    } finally {
      await closeRedis(client);
      await server.destroy();
    }
  });
});
