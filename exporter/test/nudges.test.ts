import { Queue } from 'bullmq';
import { closeRedis, createRedis, createRedisKeys, requestNudge, type Redis } from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  silentLogger,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { startApp, type RunningApp } from './harness.js';

// Response bodies are checked field by field; the test reads them loosely typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const ADA = 'ada-token-0123456789abcdef';

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;
let bull: Redis;
let queue: Queue;

beforeAll(async () => {
  db = await createTestDatabase('nudgeapi');
  redis = await createTestRedis('nudgeapi');
  app = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    operatorTokens: `ada:${ADA}`,
  });
  bull = createRedis({ url: redis.url, role: 'blocking', logger: silentLogger, name: 'test-nudge-queue' });
  queue = new Queue('nudge', { connection: bull, prefix: createRedisKeys(redis.prefix).bullPrefix });
});
afterAll(async () => {
  await queue?.close();
  if (bull) await closeRedis(bull);
  await app?.close();
  await redis?.close();
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query('TRUNCATE users CASCADE');
  await queue.obliterate({ force: true });
});

/** A user quiet since `daysAgo` days (an activity then, or sign-up then when `signUpOnly`). */
async function user(name: string, daysAgo: number, opts: { signUpOnly?: boolean; crew?: string } = {}) {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (name, crew, email, created_at, last_activity_at)
     VALUES ($1, $2, 'u@example.test', now() - make_interval(days => $3 + 100),
             CASE WHEN $4 THEN NULL ELSE now() - make_interval(days => $3) END)
     RETURNING id`,
    [name, opts.crew ?? null, daysAgo, opts.signUpOnly ?? false],
  );
  if (opts.signUpOnly) {
    await db.pool.query(`UPDATE users SET created_at = now() - make_interval(days => $2) WHERE id = $1`, [
      rows[0]!.id,
      daysAgo,
    ]);
  }
  return rows[0]!.id;
}

async function quiet(query = '') {
  const res = await fetch(`${app.url}/api/ops/quiet-users${query}`);
  return { status: res.status, body: (await res.json()) as Json };
}

async function nudge(body: unknown, headers: Record<string, string> = { authorization: `Bearer ${ADA}` }) {
  const res = await fetch(`${app.url}/api/ops/nudge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}

describe('GET /api/ops/quiet-users', () => {
  it('lists users quiet for more than `days`, most inactive first, sign-up counting when never active', async () => {
    const a = await user('Active', 2);
    const b = await user('Quiet11', 11, { crew: 'Hill Goats' });
    const c = await user('NeverRan', 30, { signUpOnly: true });
    const d = await user('Quiet15', 15);
    const res = await quiet();
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.users.map((u: Json) => [u.id, u.daysInactive])).toEqual([
      [c, 30],
      [d, 15],
      [b, 11],
    ]);
    expect(res.body.users[0]).toMatchObject({
      name: 'NeverRan',
      crew: null,
      lastActivityAt: null,
      lastNudgeAt: null,
    });
    expect(res.body.users[2]).toMatchObject({ name: 'Quiet11', crew: 'Hill Goats' });
    expect((await quiet('?days=1')).body.users.map((u: Json) => u.id)).toContain(a);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/^ops_quiet_users 3$/m);
  });

  it('draws the line at exactly `days`: quiet just past it, not just short of it, by activity or sign-up', async () => {
    const at = async (name: string, minutes: number, signUpOnly = false) => {
      const { rows } = await db.pool.query<{ id: string }>(
        `INSERT INTO users (name, email, created_at, last_activity_at)
         VALUES ($1, 'u@example.test',
                 CASE WHEN $3 THEN now() - make_interval(mins => $2) ELSE now() - interval '200 days' END,
                 CASE WHEN $3 THEN NULL ELSE now() - make_interval(mins => $2) END)
         RETURNING id`,
        [name, minutes, signUpOnly],
      );
      return rows[0]!.id;
    };
    const tenDays = 10 * 24 * 60;
    await at('ShortOfTen', tenDays - 5);
    const past = await at('PastTen', tenDays + 5);
    await at('SignedUpShortOfTen', tenDays - 5, true);
    const signedUpPast = await at('SignedUpPastTen', tenDays + 5, true);
    for (const query of ['', '?days=10']) {
      const ids = (await quiet(query)).body.users.map((u: Json) => u.id);
      expect(ids.sort()).toEqual([past, signedUpPast].sort());
    }
    expect((await quiet('?days=9')).body.users).toHaveLength(4);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/^ops_quiet_users 2$/m);
  });

  it('pages through every quiet user without gaps or duplicates, ties broken by id', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push(await user(`U${i}`, 11 + (i % 5)));
    // Same activity time for a block of users: the id breaks the tie, so no row is lost between pages.
    await db.pool.query(
      `UPDATE users SET last_activity_at = date_trunc('day', now()) - interval '20 days' WHERE name LIKE 'U1%'`,
    );
    const seen: string[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const res = await quiet(`?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.users.length).toBeLessThanOrEqual(5);
      seen.push(...res.body.users.map((u: Json) => u.id));
      cursor = res.body.nextCursor ?? '';
      pages += 1;
    } while (cursor);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(23);
    expect([...seen].sort()).toEqual([...ids].sort());
    const { rows } = await db.pool.query<{ id: string }>(
      'SELECT id FROM users ORDER BY COALESCE(last_activity_at, created_at), id',
    );
    expect(seen).toEqual(rows.map((r) => r.id));
    // A page that holds exactly the rest has no next page.
    const all = await quiet('?limit=23');
    expect(all.body.users).toHaveLength(23);
    expect(all.body.nextCursor).toBeNull();
    expect((await quiet('?limit=22')).body.nextCursor).not.toBeNull();
  });

  it('shows until when each user is cooling down, from the rows the nudge endpoint checks', async () => {
    const fresh = await user('Fresh', 12);
    const queued = await user('Queued', 13);
    const sent = await user('SentLongAgo', 14);
    expect((await nudge({ userId: queued })).status).toBe(202);
    await db.pool.query(`UPDATE users SET last_nudge_at = now() - interval '25 hours' WHERE id = $1`, [sent]);
    const byId = new Map<string, Json>((await quiet()).body.users.map((u: Json) => [u.id, u]));
    expect(byId.get(fresh).cooldownUntil).toBeNull();
    expect(byId.get(sent).cooldownUntil).toBeNull();
    const until = Date.parse(byId.get(queued).cooldownUntil);
    expect(until).toBeGreaterThan(Date.now() + 23.9 * 3600_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    // The refusal agrees with what the list showed.
    const refused = await nudge({ userId: queued });
    expect(refused.status).toBe(409);
    expect(Math.abs(Date.now() + refused.body.retryAfterSeconds * 1000 - until)).toBeLessThan(5_000);
    await db.pool.query(`UPDATE users SET last_nudge_at = now() - interval '1 hour' WHERE id = $1`, [sent]);
    const later = (await quiet()).body.users.find((u: Json) => u.id === sent);
    expect(Date.parse(later.cooldownUntil)).toBeGreaterThan(Date.now() + 22.9 * 3600_000);
  });

  it('refuses bad parameters naming them', async () => {
    for (const [query, field] of [
      ['?days=0', 'days'],
      ['?days=x', 'days'],
      ['?limit=501', 'limit'],
      ['?cursor=garbage!', 'cursor'],
      [`?cursor=${Buffer.from('["a","b"]').toString('base64url')}`, 'cursor'],
    ]) {
      const res = await quiet(query);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe(field);
    }
  });
});

describe('POST /api/ops/nudge', () => {
  it('queues a nudge: a queued row by the operator and one job with retries, answered 202', async () => {
    const id = await user('Quiet', 12);
    const res = await nudge({ userId: id, channel: 'sms' });
    expect(res.status).toBe(202);
    const { nudgeId } = res.body;
    const { rows } = await db.pool.query('SELECT user_id, channel, status, requested_by FROM nudges');
    expect(rows).toEqual([{ user_id: id, channel: 'sms', status: 'queued', requested_by: 'ada' }]);
    const job = await queue.getJob(nudgeId);
    expect(job?.name).toBe('send');
    expect(job?.data).toEqual({ nudgeId, userId: id, channel: 'sms' });
    expect(job?.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential' } });
  });

  it('defaults to e-mail', async () => {
    const id = await user('Quiet', 12);
    expect((await nudge({ userId: id })).status).toBe(202);
    expect((await db.pool.query('SELECT channel FROM nudges')).rows).toEqual([{ channel: 'email' }]);
  });

  it('refuses a user nudged within the cooldown (409 with Retry-After), by row or by last_nudge_at', async () => {
    const id = await user('Quiet', 12);
    expect((await nudge({ userId: id })).status).toBe(202);
    const again = await nudge({ userId: id, channel: 'sms' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
    const other = await user('Other', 12);
    await db.pool.query(`UPDATE users SET last_nudge_at = now() - interval '2 hours' WHERE id = $1`, [other]);
    expect((await nudge({ userId: other })).status).toBe(409);
    await db.pool.query(`UPDATE users SET last_nudge_at = now() - interval '25 hours' WHERE id = $1`, [
      other,
    ]);
    expect((await nudge({ userId: other })).status).toBe(202);
    expect(await queue.count()).toBe(2);
  });

  it('takes a fractional cooldown (NUDGE_COOLDOWN_HOURS=0.5): refused within half an hour, allowed after', async () => {
    const id = await user('Quiet', 12);
    const ask = () =>
      requestNudge(db.pool, { userId: id, channel: 'email', requestedBy: 'ada', cooldownHours: 0.5 });
    expect((await ask()).kind).toBe('created');
    const refused = await ask();
    expect(refused).toEqual({ kind: 'cooling-down', retryAfterSeconds: expect.any(Number) });
    const { retryAfterSeconds } = refused as { retryAfterSeconds: number };
    expect(retryAfterSeconds).toBeGreaterThan(1_700);
    expect(retryAfterSeconds).toBeLessThanOrEqual(1_800);
    await db.pool.query(`UPDATE nudges SET created_at = now() - interval '31 minutes' WHERE user_id = $1`, [
      id,
    ]);
    await db.pool.query(`UPDATE users SET last_nudge_at = now() - interval '31 minutes' WHERE id = $1`, [id]);
    expect((await ask()).kind).toBe('created');
  });

  it('answers a retry with the same Idempotency-Key with the same nudge: one row, one job', async () => {
    const id = await user('Quiet', 12);
    const headers = { authorization: `Bearer ${ADA}`, 'idempotency-key': 'key-123' };
    const first = await nudge({ userId: id }, headers);
    const second = await nudge({ userId: id }, headers);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.nudgeId).toBe(first.body.nudgeId);
    // Redis lost the answer: the nudges row's unique key still gives it.
    await redis.redis.del(createRedisKeys(redis.prefix).idempotency('nudge', 'key-123'));
    expect((await nudge({ userId: id }, headers)).body.nudgeId).toBe(first.body.nudgeId);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM nudges')).rows[0].n).toBe(1);
    expect(await queue.count()).toBe(1);
    const reused = await nudge({ userId: id, channel: 'sms' }, headers);
    expect(reused.status).toBe(422);
    expect(reused.body.errors[0].field).toBe('Idempotency-Key');
  });

  it('lets one of several concurrent nudges through, and gives concurrent retries of one key one nudge', async () => {
    const id = await user('Quiet', 12);
    const racing = await Promise.all([1, 2, 3, 4].map(() => nudge({ userId: id })));
    expect(racing.map((r) => r.status).sort()).toEqual([202, 409, 409, 409]);
    const other = await user('Other', 12);
    const headers = { authorization: `Bearer ${ADA}`, 'idempotency-key': 'race-key' };
    const retries = await Promise.all([1, 2, 3].map(() => nudge({ userId: other }, headers)));
    expect(retries.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(new Set(retries.map((r) => r.body.nudgeId)).size).toBe(1);
    expect(await queue.count()).toBe(2);
  });

  it('answers 404 for an unknown user and 401 without an operator token', async () => {
    const unknown = await nudge({ userId: '0b6f3c2e-6f1a-4c1e-9a43-2f0e5c1d7a10' });
    expect(unknown.status).toBe(404);
    const id = await user('Quiet', 12);
    const none = await nudge({ userId: id }, {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await nudge({ userId: id }, { authorization: 'Bearer wrong-token' })).status).toBe(401);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM nudges')).rows[0].n).toBe(0);
  });

  it('refuses every bad input, naming the field', async () => {
    const id = await user('Quiet', 12);
    const cases: Array<[unknown, number, string]> = [
      ['{"userId":', 400, ''],
      ['[1]', 400, '(root)'],
      [{}, 422, 'userId'],
      [{ userId: 'not-a-uuid' }, 422, 'userId'],
      [{ userId: 42 }, 422, 'userId'],
      [{ userId: id, channel: 'pigeon' }, 422, 'channel'],
      [{ userId: id, extra: 1 }, 422, 'extra'],
    ];
    for (const [body, status, field] of cases) {
      const res = await nudge(body);
      expect([body, res.status]).toEqual([body, status]);
      if (field) expect(res.body.errors.map((e: Json) => e.field)).toContain(field);
    }
    const badKey = await nudge(
      { userId: id },
      { authorization: `Bearer ${ADA}`, 'idempotency-key': 'a'.repeat(256) },
    );
    expect(badKey.status).toBe(400);
    expect(badKey.body.errors[0].field).toBe('Idempotency-Key');
    expect((await db.pool.query('SELECT count(*)::int AS n FROM nudges')).rows[0].n).toBe(0);
  });
});
