// The review queue of activities held as impossible for their kind, on the real app, Postgres and Redis: who may
// read and decide, bad input, and approvals that move the challenge total and the heatmap by exactly the activity.
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { createRedisKeys, inTransaction, upsertActivity, type ActivityInput } from '@ops-cockpit/core';
import { startApp, type RunningApp } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const ADA = 'ada-token-0123456789abcdef';
const GRAFANA = 'grafana-token-0123456789abcdef';
const VIEWER = 'viewer-token-0123456789abcdef';
const FORGED = 'run: distance 1609.344 km over 350 km';

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;
let userId: string;

beforeAll(async () => {
  db = await createTestDatabase('quarantine');
  redis = await createTestRedis('quarantine');
  app = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    operatorTokens: `ada:${ADA},grafana:${GRAFANA}`,
    viewerTokens: `val:${VIEWER}`,
  });
  const { rows } = await db.pool.query(`INSERT INTO users (name) VALUES ('Ada Runner') RETURNING id`);
  userId = rows[0].id;
});
afterAll(async () => {
  await app?.close();
  await redis?.close();
  await db?.drop();
});

async function call(method: string, path: string, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: (text ? JSON.parse(text) : null) as Json,
  };
}

/** Stores an activity as the worker would, judged impossible (`implausible`) or not. */
async function store(externalId: string, distanceM: number, implausible?: string): Promise<number> {
  const input: ActivityInput = {
    provider: 'garmin',
    externalId,
    userId,
    type: 'RUNNING',
    distanceM,
    movingTimeS: 3600,
    startDate: new Date(Date.now() - 3_600_000),
    startDateLocal: new Date(Date.now() - 3_600_000).toISOString().slice(0, 19),
    sourceUpdatedAt: new Date(),
    ...(implausible ? { implausible } : {}),
  };
  await inTransaction(db.pool, (c) => upsertActivity(c, input));
  const { rows } = await db.pool.query('SELECT id FROM activities WHERE external_id = $1', [externalId]);
  return Number(rows[0].id);
}

const totalMeters = async () => (await call('GET', '/api/ops/challenge')).body.totalMeters as number;
const heatmapSum = async () =>
  ((await call('GET', '/api/ops/heatmap')).body.matrix as number[][]).flat().reduce((a, b) => a + b, 0);
const metric = async (line: RegExp) => {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  return Number(line.exec(text)?.[1]);
};

describe('who may read and decide', () => {
  it('operators only, even while reads are open; unauthenticated callers learn nothing of ids', async () => {
    expect((await call('GET', '/api/ops/quarantine')).status).toBe(401);
    expect((await call('GET', '/api/ops/quarantine', VIEWER)).status).toBe(403);
    expect((await call('GET', '/api/ops/quarantine', ADA)).status).toBe(200);
    for (const path of ['/api/ops/quarantine/1/approve', '/api/ops/quarantine/abc/reject']) {
      expect((await call('POST', path)).status).toBe(401);
      expect((await call('POST', path, VIEWER)).status).toBe(403);
    }
  });

  it('refuses a bad id or a forged X-Grafana-User with a problem naming the field, changing nothing', async () => {
    const id = await store('bad-input-1', 700_000, FORGED);
    for (const [path, headers, field] of [
      ['/api/ops/quarantine/abc/approve', {}, 'id'],
      ['/api/ops/quarantine/0/approve', {}, 'id'],
      ['/api/ops/quarantine/99999999999999999/reject', {}, 'id'],
      [`/api/ops/quarantine/${id}/approve`, { 'x-grafana-user': 'mallory' }, 'X-Grafana-User'],
    ] as const) {
      const res = await call('POST', path, ADA, headers);
      expect({
        path,
        status: res.status,
        type: res.type,
        fields: res.body.errors?.map((e: Json) => e.field),
      }).toEqual({
        path,
        status: 400,
        type: expect.stringContaining('application/problem+json'),
        fields: [field],
      });
    }
    expect((await call('GET', '/api/ops/quarantine?limit=0', ADA)).body.errors[0].field).toBe('limit');
    const unknown = await call('POST', '/api/ops/quarantine/987654321/approve', ADA);
    expect([unknown.status, unknown.body.type]).toEqual([404, expect.stringContaining('not-found')]);
    const { rows } = await db.pool.query('SELECT review FROM activities WHERE id = $1', [id]);
    expect(rows[0].review).toBe('quarantined');
    await call('POST', `/api/ops/quarantine/${id}/reject`, ADA);
  });
});

describe('round trips', () => {
  it('approve: the total and the heatmap move by exactly the activity, once, audited under the Grafana login', async () => {
    const total0 = await totalMeters();
    const id = await store('forged-push', 1_609_344, FORGED);
    await store('plausible-run', 10_000);
    expect(await totalMeters()).toBe(total0 + 10_000);
    const queue = await call('GET', '/api/ops/quarantine', ADA);
    expect(queue.body.total).toBe(1);
    expect(queue.body.activities).toEqual([
      expect.objectContaining({
        id,
        externalId: 'forged-push',
        userName: 'Ada Runner',
        reason: FORGED,
        category: 'run',
      }),
    ]);
    expect(await metric(/^ops_quarantine_pending (\d+)$/m)).toBe(1);
    // The held activity is not in the heatmap: the plausible one is its only cell.
    const cells1 = await heatmapSum();
    expect(cells1).toBe(1);

    const approved = await call('POST', `/api/ops/quarantine/${id}/approve`, GRAFANA, {
      'x-grafana-user': 'ada@example.test',
    });
    expect(approved).toMatchObject({
      status: 200,
      body: { id, review: 'approved', deltaM: 1_609_344, reviewedBy: 'ada@example.test' },
    });
    expect(await totalMeters()).toBe(total0 + 10_000 + 1_609_344);
    // The heatmap's cache is dropped by the approval, not left to expire.
    expect(await heatmapSum()).toBe(cells1 + 1);
    expect(await redis.redis.get(createRedisKeys(redis.prefix).heatmapVersion)).toBe('1');
    const again = await call('POST', `/api/ops/quarantine/${id}/approve`, ADA);
    expect([again.status, again.body.review]).toEqual([409, 'approved']);
    expect(await totalMeters()).toBe(total0 + 10_000 + 1_609_344);
    expect((await call('GET', '/api/ops/quarantine', ADA)).body).toEqual({ total: 0, activities: [] });
    const { rows } = await db.pool.query(
      'SELECT action, actor, delta_m::float AS delta FROM activity_reviews WHERE activity_id = $1',
      [id],
    );
    expect(rows).toEqual([{ action: 'approve', actor: 'ada@example.test', delta: 1_609_344 }]);
    expect(await metric(/^ops_quarantine_reviews_total\{action="approve"\} (\d+)$/m)).toBe(1);
  });

  it('reject: nothing moves, and the decision stands', async () => {
    const total0 = await totalMeters();
    const id = await store('forged-2', 2_000_000, FORGED);
    const rejected = await call('POST', `/api/ops/quarantine/${id}/reject`, ADA);
    expect(rejected).toMatchObject({
      status: 200,
      body: { id, review: 'rejected', deltaM: 0, reviewedBy: 'ada' },
    });
    expect(await totalMeters()).toBe(total0);
    expect((await call('POST', `/api/ops/quarantine/${id}/approve`, ADA)).status).toBe(409);
    expect(await totalMeters()).toBe(total0);
    expect(await metric(/^ops_quarantine_pending (\d+)$/m)).toBe(0);
  });
});
