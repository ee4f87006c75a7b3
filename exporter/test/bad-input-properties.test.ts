import http from 'node:http';
import fc from 'fast-check';
import {
  CHAOS_MODES,
  chaosFaultInputSchema,
  isChaosMode,
  modeIssues,
  Secret,
  signWebhook,
} from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { startApp, type RunningApp } from './harness.js';
import {
  anyBody,
  anyBytes,
  anyJsonText,
  contentEncodings,
  contentTypes,
  rawExchange,
  runs,
  shapedLike,
  snapshotWrites,
  type Writes,
} from './properties-support.js';

/**
 * Properties over the real webhook, Alertmanager and operator endpoints: whatever a client sends that is not a
 * valid request gets a 4xx (never a 5xx, never a crash), and nothing is queued or written for it.
 */

const OPERATOR = 'ada-operator-token-0123456789';
const AM_TOKEN = 'am-token-0123456789abcdef';
const APPLE_SECRET = 'apple-health-shared-secret-0123';
const STRAVA_TOKEN = 'strava-verify-token-0123';
const GARMIN_USER = 'g-linked-user';

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;
let before: Writes;

beforeAll(async () => {
  db = await createTestDatabase('badprops');
  redis = await createTestRedis('badprops');
  const { rows } = await db.pool.query<{ id: string }>(
    "INSERT INTO users (name, email) VALUES ('Gale', 'g@example.test') RETURNING id",
  );
  await db.pool.query(
    "INSERT INTO provider_accounts (user_id, provider, external_user_id) VALUES ($1, 'garmin', $2)",
    [rows[0]!.id, GARMIN_USER],
  );
  app = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    operatorTokens: `ada:${OPERATOR}`,
    alertmanagerToken: AM_TOKEN,
    chaos: { enabled: true },
    webhooks: { appleHealthSecret: new Secret(APPLE_SECRET), stravaVerifyToken: new Secret(STRAVA_TOKEN) },
  });
  before = await snapshotWrites(db.pool, redis.redis, redis.prefix);
});

afterAll(async () => {
  await app?.close();
  await redis?.close();
  await db?.drop();
});

/** Every property ends here: the process still answers, and nothing was written by any run. */
async function expectNothingWritten(): Promise<void> {
  expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  expect(await snapshotWrites(db.pool, redis.redis, redis.prefix)).toEqual(before);
}

interface Sent {
  method?: string;
  path: string;
  body?: string | Uint8Array;
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
  headers?: Record<string, string>;
}

/** One request; resolves with its status after checking a refusal is a problem+json 4xx. */
async function send(req: Sent): Promise<number> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.contentType !== undefined) headers['content-type'] = req.contentType;
  if (req.contentEncoding !== undefined) headers['content-encoding'] = req.contentEncoding;
  const res = await fetch(`${app.url}${req.path}`, {
    method: req.method ?? 'POST',
    headers,
    body: req.body,
  });
  const text = await res.text();
  if (res.status >= 400 && res.status < 500 && res.status !== 405) {
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(text)).toMatchObject({ status: res.status });
  }
  return res.status;
}

function expect4xx(status: number, what: unknown): void {
  if (status < 400 || status > 499) throw new Error(`answered ${status} to ${JSON.stringify(what)}`);
}

const stravaFields = [
  'object_type',
  'object_id',
  'aspect_type',
  'updates',
  'owner_id',
  'subscription_id',
  'event_time',
];
const garminFields = [
  'userId',
  'summaryId',
  'activityType',
  'startTimeInSeconds',
  'startTimeOffsetInSeconds',
  'durationInSeconds',
  'distanceInMeters',
  'callbackURL',
];
const appleFields = ['id', 'userId', 'type', 'start', 'end', 'timezone', 'distanceMeters', 'deleted'];

/** A body for a provider: random JSON or bytes, or objects shaped like its payload with random values. */
const webhookBody = fc.oneof(
  anyBody,
  shapedLike(stravaFields).map((o) => JSON.stringify(o)),
  fc.array(shapedLike(garminFields), { maxLength: 3 }).map((activities) => JSON.stringify({ activities })),
  fc.array(shapedLike(appleFields), { maxLength: 3 }).map((workouts) => JSON.stringify({ workouts })),
);

describe('bad input gets a 4xx and changes nothing', () => {
  it('webhooks: random JSON, bytes, shapes, content types and encodings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('strava', 'garmin', 'apple-health'),
        webhookBody,
        fc.option(contentTypes, { nil: undefined, freq: 8 }),
        contentEncodings,
        fc.boolean(),
        async (provider, body, contentType, contentEncoding, signed) => {
          const headers: Record<string, string> = {};
          // Signed Apple deliveries get past the signature into parsing and validation; unsigned ones are 401s.
          if (provider === 'apple-health' && signed) {
            const ts = Math.floor(Date.now() / 1000);
            const raw = typeof body === 'string' ? body : Buffer.from(body);
            Object.assign(headers, {
              'webhook-id': 'msg_p',
              'webhook-timestamp': String(ts),
              'webhook-signature': signWebhook(APPLE_SECRET, 'msg_p', ts, raw),
            });
          }
          const req = { path: `/api/webhooks/${provider}`, body, contentType, contentEncoding, headers };
          expect4xx(await send(req), req);
        },
      ),
      runs(200),
    );
    await expectNothingWritten();
  });

  it('webhooks: random Strava handshakes and random methods', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('hub.mode', 'hub.verify_token', 'hub.challenge', 'x'), fc.string(), {
          maxKeys: 4,
        }),
        fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'GET'),
        fc.constantFrom('strava', 'garmin', 'apple-health'),
        async (query, method, provider) => {
          const path = `/api/webhooks/${provider}?${new URLSearchParams(query).toString()}`;
          const status = await send({ method, path });
          // Only Strava's GET with the right token, mode and a challenge is a handshake, and that is never random.
          expect4xx(status, { method, path });
        },
      ),
      runs(150),
    );
    await expectNothingWritten();
  });

  it('Alertmanager: random notifications with the right token', async () => {
    const alert = shapedLike(['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'fingerprint']);
    const notification = fc.oneof(
      anyBody,
      shapedLike(['version', 'status', 'receiver', 'groupKey', 'externalURL']).chain((o) =>
        fc.array(alert, { maxLength: 3 }).map((alerts) => JSON.stringify({ ...o, alerts })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        notification,
        fc.option(contentTypes, { nil: undefined, freq: 8 }),
        async (body, contentType) => {
          const req = {
            path: '/api/alertmanager',
            body,
            contentType,
            headers: { authorization: `Bearer ${AM_TOKEN}` },
          };
          expect4xx(await send(req), req);
        },
      ),
      runs(150),
    );
    await expectNothingWritten();
  });

  it('operator endpoints: random nudges, chaos faults and acknowledgements with an operator token', async () => {
    const operator = { authorization: `Bearer ${OPERATOR}` };
    const chaosMode = fc.oneof(fc.constantFrom(...CHAOS_MODES), fc.string({ maxLength: 12 }));
    const chaosBody = fc.oneof(
      anyBody,
      shapedLike(['target', 'providers', 'probability', 'delayMs', 'jitterMs', 'ttlSeconds', 'extra']).map(
        (o) => JSON.stringify(o),
      ),
    );
    /** A valid fault is not bad input (chaos.test.ts covers those): such runs are skipped. */
    const isValidFault = (mode: string, body: string | Uint8Array) => {
      if (!isChaosMode(mode) || typeof body !== 'string') return false;
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        return false;
      }
      const parsed = chaosFaultInputSchema.safeParse(json);
      return parsed.success && modeIssues(mode, parsed.data).length === 0;
    };
    const request = fc.oneof(
      fc.record({
        path: fc.constant('/api/ops/nudge'),
        body: fc.oneof(
          anyBody,
          shapedLike(['userId', 'channel', 'extra']).map((o) => JSON.stringify(o)),
        ),
      }),
      fc.tuple(chaosMode, chaosBody).map(([mode, body]) => ({
        method: 'PUT',
        mode,
        path: `/api/ops/chaos/${encodeURIComponent(mode)}`,
        body,
      })),
      fc.record({
        path: fc
          .oneof(fc.string({ maxLength: 20 }), fc.bigInt({ min: -1n, max: 10n ** 20n }).map(String))
          .map((id) => `/api/ops/incidents/${encodeURIComponent(id)}/acknowledge`),
        body: anyBody,
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        request,
        fc.option(contentTypes, { nil: undefined, freq: 8 }),
        contentEncodings,
        async (req, contentType, contentEncoding) => {
          fc.pre(!('mode' in req) || !isValidFault(req.mode, req.body));
          const sent = { ...req, contentType, contentEncoding, headers: operator };
          expect4xx(await send(sent), sent);
        },
      ),
      runs(200),
    );
    await expectNothingWritten();
  });

  it('read endpoints: random query strings never get a 5xx', async () => {
    const params = fc.dictionary(
      fc.constantFrom('window', 'minutes', 'days', 'limit', 'cursor', 'state', 'x'),
      fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.integer().map(String),
        fc.constantFrom('1h', '24h', '0', '-1', '1e3'),
      ),
      { maxKeys: 4 },
    );
    const path = fc.constantFrom(
      '/api/ops/provider-health',
      '/api/ops/throughput',
      '/api/ops/quiet-users',
      '/api/ops/incidents',
      '/api/ops/heatmap',
      '/api/ops/challenge',
      '/api/ops/status',
      '/api/ops/chaos',
    );
    await fc.assert(
      fc.asyncProperty(path, params, async (p, query) => {
        const url = `${p}?${new URLSearchParams(query).toString()}`;
        const status = await send({ method: 'GET', path: url });
        if (status !== 200) expect4xx(status, url);
      }),
      runs(150),
    );
    await expectNothingWritten();
  });

  it('random bytes on the socket get a 4xx or a closed connection, never a crash', async () => {
    const { port } = new URL(app.url);
    const garbage = fc.oneof(
      anyBytes.filter((b) => b.length > 0),
      // A request line that starts well, then garbage: into the parser's header and body states.
      fc
        .tuple(
          fc.constantFrom('GET / HTTP/1.1\r\n', 'POST /api/webhooks/strava HTTP/1.1\r\nHost: x\r\n'),
          anyBytes,
        )
        .map(([head, tail]) => new Uint8Array([...Buffer.from(head), ...tail, 0x0d, 0x0a, 0x0d, 0x0a])),
      anyJsonText.map((t) => new Uint8Array(Buffer.from(t))),
    );
    await fc.assert(
      fc.asyncProperty(garbage, async (bytes) => {
        const answer = await rawExchange(Number(port), bytes);
        // Every status line on the connection (pipelining may carry several) is a 4xx.
        for (const [, status] of answer.matchAll(/HTTP\/1\.1 (\d{3})/g)) {
          if (!/^4\d\d$/.test(status!))
            throw new Error(`answered ${status} to ${Buffer.from(bytes).toString('hex')}`);
        }
      }),
      runs(150),
    );
    await expectNothingWritten();
  });
});

describe('oversized input', () => {
  const big = JSON.stringify({ pad: 'x'.repeat(300 * 1024) });

  it('bodies over 256 KB → 413 on every endpoint that takes one, announced or streamed', async () => {
    for (const [path, headers] of [
      ['/api/webhooks/strava', {}],
      ['/api/webhooks/garmin', {}],
      ['/api/alertmanager', { authorization: `Bearer ${AM_TOKEN}` }],
      ['/api/ops/nudge', { authorization: `Bearer ${OPERATOR}` }],
      ['/api/ops/incidents/1/acknowledge', { authorization: `Bearer ${OPERATOR}` }],
    ] as const) {
      expect([path, await send({ path, body: big, contentType: 'application/json', headers })]).toEqual([
        path,
        413,
      ]);
    }
    expect(
      await send({
        method: 'PUT',
        path: '/api/ops/chaos/outage',
        body: big,
        contentType: 'application/json',
        headers: { authorization: `Bearer ${OPERATOR}` },
      }),
    ).toBe(413);

    // Chunked, with no Content-Length, to an express endpoint: refused (the rest is read and dropped, never
    // buffered, so the client can read the answer; an endless body is cut at HTTP_REQUEST_TIMEOUT_MS instead).
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${app.url}/api/ops/nudge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      for (let i = 0; i < 5; i += 1) req.write(`${'x'.repeat(64 * 1024)}`);
      req.end();
    });
    expect(status).toBe(413);
    await expectNothingWritten();
  });

  it('headers over 16 KB → 431 on both paths, and the server goes on', async () => {
    const { port } = new URL(app.url);
    for (const path of ['/api/webhooks/strava', '/api/ops/challenge']) {
      const answer = await rawExchange(
        Number(port),
        Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20 * 1024)}\r\n\r\n`),
      );
      expect([path, answer.slice(0, 12)]).toEqual([path, 'HTTP/1.1 431']);
    }
    await expectNothingWritten();
  });
});
