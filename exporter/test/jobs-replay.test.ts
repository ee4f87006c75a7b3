import { Queue, UnrecoverableError, Worker } from 'bullmq';
import {
  INGEST_FIELD,
  closeRedis,
  createRedis,
  createRedisKeys,
  type IngestEnvelope,
  type StandaloneRedis,
  type RedisKeys,
} from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  silentLogger,
  waitFor,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { startApp, type RunningApp } from './harness.js';

// Response bodies are checked field by field; the test reads them loosely typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const TOKEN = 'replay-operator-token-0123456789';
const VIEWER = 'replay-viewer-token-0123456789';

let db: TestDatabase;
let redis: TestRedis;
let keys: RedisKeys;
let app: RunningApp;
let bull: StandaloneRedis;
let housekeeping: Queue;

beforeAll(async () => {
  db = await createTestDatabase('replay');
  redis = await createTestRedis('replay');
  keys = createRedisKeys(redis.prefix);
  app = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    operatorTokens: `ops:${TOKEN}`,
    viewerTokens: `eve:${VIEWER}`,
  });
  bull = createRedis({ url: redis.url, role: 'blocking', logger: silentLogger, name: 'test-replay' });
  housekeeping = new Queue('housekeeping', { connection: bull, prefix: keys.bullPrefix });
});

afterAll(async () => {
  await housekeeping?.obliterate({ force: true });
  await housekeeping?.close();
  if (bull) await closeRedis(bull);
  await app?.close();
  await redis?.close();
  await db?.drop();
});

beforeEach(async () => {
  await redis.redis.del(keys.ingestDeadLetter, keys.ingestStream);
});

const auth = { authorization: `Bearer ${TOKEN}` };

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Json };
}

const replay = (body: unknown, headers?: Record<string, string>) =>
  call('POST', '/api/ops/jobs/replay', body, headers);

function envelope(summaryId: string): IngestEnvelope {
  return {
    provider: 'garmin',
    kind: 'garmin_activity',
    eventId: `activity:${summaryId}`,
    receivedAt: '2026-06-01T10:00:00.000Z',
    body: {
      userId: 'garmin-user-1',
      userAccessToken: 'secret-access-token',
      summaryId,
      activityType: 'RUNNING',
      startTimeInSeconds: 1_780_000_000,
      startTimeOffsetInSeconds: 0,
      durationInSeconds: 1800,
      distanceInMeters: 5000,
    },
  } as IngestEnvelope;
}

/** A dead letter as the worker writes it. */
async function deadLetter(summaryId: string): Promise<string> {
  return (await redis.redis.xadd(
    keys.ingestDeadLetter,
    '*',
    INGEST_FIELD,
    JSON.stringify(envelope(summaryId)),
    'reason',
    'GET http://garmin/callback: HTTP 503',
    'source_id',
    '1-0',
    'attempts',
    '5',
  ))!;
}

/** Summary ids on the ingest stream, in order. */
async function ingested(): Promise<string[]> {
  const entries = (await redis.redis.xrange(keys.ingestStream, '-', '+')) as [string, string[]][];
  return entries.map(([, f]) => (JSON.parse(f[1]!) as { body: { summaryId: string } }).body.summaryId);
}

async function replayedMetric(source: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  return Number(new RegExp(`^ops_jobs_replayed_total\\{source="${source}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
}

describe('access', () => {
  it('lets only an operator read the listing (even with reads open) and replay', async () => {
    expect((await call('GET', '/api/ops/jobs/failed', undefined, {})).status).toBe(401);
    const viewerRead = await call('GET', '/api/ops/jobs/failed', undefined, {
      authorization: `Bearer ${VIEWER}`,
    });
    expect(viewerRead.status).toBe(403);
    expect((await call('GET', '/api/ops/jobs/failed')).status).toBe(200);
    const anonymous = await replay({ source: 'nudge' }, {});
    const stranger = await replay({ source: 'nudge' }, { authorization: 'Bearer not-an-operator-token-000' });
    const viewer = await replay({ source: 'nudge' }, { authorization: `Bearer ${VIEWER}` });
    expect([anonymous.status, stranger.status, viewer.status]).toEqual([401, 401, 403]);
    expect(viewer.type).toContain('application/problem+json');
  });
});

describe('bad input', () => {
  it.each([
    ['{"source":', 'malformed-json', null],
    ['[1]', 'bad-request', '(root)'],
    [{}, 'bad-request', 'source'],
    [{ source: 'ingest' }, 'bad-request', 'source'],
    [{ source: 'nudge', ids: 'abc' }, 'bad-request', 'ids'],
    [{ source: 'nudge', ids: [] }, 'bad-request', 'ids'],
    [{ source: 'nudge', ids: [''] }, 'bad-request', 'ids.0'],
    [{ source: 'nudge', limit: 0 }, 'bad-request', 'limit'],
    [{ source: 'nudge', limit: 1001 }, 'bad-request', 'limit'],
    [{ source: 'nudge', limit: 2.5 }, 'bad-request', 'limit'],
    [{ source: 'nudge', ids: ['a'], limit: 5 }, 'bad-request', 'limit'],
    [{ source: 'nudge', idz: ['a'] }, 'bad-request', 'idz'],
    [{ source: 'ingest-dead-letter', ids: ['1-0', 'DROP'] }, 'bad-request', 'ids.1'],
  ])('%j is a 400 naming the field', async (body, type, field) => {
    const res = await replay(body);
    expect(res.status).toBe(400);
    expect(res.body.type).toBe(`https://ops-cockpit.dev/problems/${type}`);
    if (field) expect(res.body.errors.map((e: Json) => e.field)).toContain(field);
  });

  it('names a bad source or limit of the listing', async () => {
    const bad = await call('GET', '/api/ops/jobs/failed?source=ingest');
    expect([bad.status, bad.body.errors[0].field]).toEqual([400, 'source']);
    const limit = await call('GET', '/api/ops/jobs/failed?limit=0');
    expect([limit.status, limit.body.errors[0].field]).toEqual([400, 'limit']);
  });
});

describe('dead-lettered ingest entries', () => {
  it('lists them without their payload and replays each onto the ingest stream exactly once', async () => {
    const [a, b, c] = [await deadLetter('a'), await deadLetter('b'), await deadLetter('c')];
    const list = await call('GET', '/api/ops/jobs/failed?source=ingest-dead-letter');
    expect(list.status).toBe(200);
    expect(list.body.counts['ingest-dead-letter']).toBe(3);
    expect(list.body.failed.map((f: Json) => f.id)).toEqual([a, b, c]);
    expect(list.body.failed[0]).toEqual({
      source: 'ingest-dead-letter',
      id: a,
      name: 'garmin:garmin_activity',
      reason: 'GET http://garmin/callback: HTTP 503',
      failedAt: expect.any(String),
      attempts: 5,
      data: {
        provider: 'garmin',
        kind: 'garmin_activity',
        eventId: 'activity:a',
        receivedAt: expect.any(String),
        streamId: '1-0',
      },
    });
    expect(JSON.stringify(list.body)).not.toContain('secret-access-token');

    const one = await replay({ source: 'ingest-dead-letter', ids: [a] });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      source: 'ingest-dead-letter',
      count: 1,
      replayed: [{ id: a, newId: expect.any(String) }],
    });
    const [entry] = (await redis.redis.xrange(keys.ingestStream, '-', '+')) as [string, string[]][];
    expect(entry![1]).toEqual([INGEST_FIELD, JSON.stringify(envelope('a')), 'replayed_from', a]);

    // A second click: the entry is no longer a dead letter, so nothing happens, and the answer says which id.
    const again = await replay({ source: 'ingest-dead-letter', ids: [a, b] });
    expect(again.status).toBe(404);
    expect(again.body.errors).toEqual([{ field: 'ids.0', message: `no dead letter ${a}` }]);
    expect(await redis.redis.xlen(keys.ingestDeadLetter)).toBe(2); // b was not moved either: all or nothing

    // Two operators at once, and one id named twice: b is appended once.
    const both = await Promise.all([
      replay({ source: 'ingest-dead-letter', ids: [b, b] }),
      replay({ source: 'ingest-dead-letter', ids: [b] }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 404]);
    expect(await ingested()).toEqual(['a', 'b']);

    // Without ids: the oldest ones, then nothing left.
    const rest = await replay({ source: 'ingest-dead-letter' });
    expect([rest.status, rest.body.count, rest.body.replayed[0].id]).toEqual([200, 1, c]);
    const none = await replay({ source: 'ingest-dead-letter', limit: 10 });
    expect([none.status, none.body.count]).toEqual([200, 0]);
    expect(await ingested()).toEqual(['a', 'b', 'c']);
    expect(await redis.redis.xlen(keys.ingestDeadLetter)).toBe(0);
    expect(await replayedMetric('ingest-dead-letter')).toBe(3);
  });
});

describe('failed BullMQ jobs', () => {
  it('retries a failed job once, from failed only, with its attempts reset', async () => {
    let runs = 0;
    const connection = bull.duplicate();
    const worker = new Worker(
      'housekeeping',
      async () => {
        runs += 1;
        if (runs === 1) throw new UnrecoverableError('database gone');
        return 'ok';
      },
      { connection, prefix: keys.bullPrefix },
    );
    try {
      const job = await housekeeping.add('recompute-challenge', {}, { attempts: 3 });
      await waitFor(async () => (await job.getState()) === 'failed', 'job failed');
      const list = await call('GET', '/api/ops/jobs/failed?source=housekeeping');
      expect(list.body.counts.housekeeping).toBe(1);
      expect(list.body.failed).toEqual([
        expect.objectContaining({
          source: 'housekeeping',
          id: job.id,
          name: 'recompute-challenge',
          reason: 'database gone',
        }),
      ]);

      const unknown = await replay({ source: 'housekeeping', ids: ['no-such-job'] });
      expect([unknown.status, unknown.body.errors[0]]).toEqual([
        404,
        { field: 'ids.0', message: 'no failed job no-such-job (state: unknown)' },
      ]);
      const first = await replay({ source: 'housekeeping', ids: [job.id] });
      expect(first.body).toEqual({
        source: 'housekeeping',
        count: 1,
        replayed: [{ id: job.id, name: 'recompute-challenge' }],
      });
      await waitFor(async () => (await job.getState()) === 'completed', 'job completed');
      expect(runs).toBe(2);
      expect((await housekeeping.getJob(job.id!))!.attemptsMade).toBe(1); // counted afresh from the replay
      const second = await replay({ source: 'housekeeping', ids: [job.id] });
      expect(second.status).toBe(404);
      expect(second.body.errors[0].message).toContain('state: completed');
      expect(runs).toBe(2);
      expect(await replayedMetric('housekeeping')).toBe(1);
    } finally {
      await worker.close();
      await closeRedis(connection);
    }
  });
});
