import { createRedisKeys, recordBackendIncident } from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { startApp, type RunningApp } from './harness.js';
import { listedApp, routesOf, type AppRoute } from './routes-support.js';
import { postJson, stravaEvent } from './webhooks-support.js';

const OPERATOR = 'ada-operator-token-0123456789';
const VIEWER = 'vic-viewer-token-0123456789';
const ORIGIN = 'https://ops.example.test';

let db: TestDatabase;
let redis: TestRedis;
/** OPS_READ_OPEN=false, no CORS. */
let closed: RunningApp;
/** OPS_READ_OPEN=true (the default), CORS for ORIGIN. */
let open: RunningApp;
let userId: string;
let incidentId: number;

beforeAll(async () => {
  db = await createTestDatabase('security');
  redis = await createTestRedis('security');
  const common = {
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    operatorTokens: `ada:${OPERATOR}`,
    viewerTokens: `vic:${VIEWER}`,
    chaos: { enabled: true },
  };
  closed = await startApp({ ...common, readOpen: false });
  open = await startApp({ ...common, readOpen: true, corsOrigins: [ORIGIN] });
  const { rows } = await db.pool.query<{ id: string }>(
    "INSERT INTO users (name, email, created_at) VALUES ('Quinn', 'q@example.test', now() - interval '30 days') RETURNING id",
  );
  userId = rows[0]!.id;
  incidentId = (
    await recordBackendIncident(db.pool, { source: 'probe', key: 'k', message: 'm', level: 'warn' })
  ).id;
});

afterAll(async () => {
  await closed?.close();
  await open?.close();
  await redis?.close();
  await db?.drop();
});

/** Everything a mutation could have changed. */
async function state() {
  const { rows } = await db.pool.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM nudges) AS nudges, (SELECT count(*)::int FROM chaos_events) AS "chaosEvents",
            (SELECT count(*)::int FROM incidents WHERE acknowledged_at IS NOT NULL) AS acknowledged`,
  );
  return { ...rows[0], faults: await redis.redis.hlen(createRedisKeys(redis.prefix).chaosFaults) };
}

const opsRoutes = routesOf(listedApp()).filter((r) => r.path.startsWith('/api/ops/'));
const mutations = opsRoutes.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
/** Reads for operators only, open reads or not: failure reasons speak of the inside, the review queue names users. */
const OPERATOR_READS = ['/api/ops/jobs/failed', '/api/ops/quarantine'];
const reads = opsRoutes.filter((r) => r.method === 'GET' && !OPERATOR_READS.includes(r.path));
const operatorReads = opsRoutes.filter((r) => r.method === 'GET' && OPERATOR_READS.includes(r.path));

/** A concrete URL for a route template, with a body that would succeed for an operator. */
function request(route: AppRoute): { path: string; body: unknown } {
  const path = route.path.replace(':mode', 'outage').replace(':id', String(incidentId));
  const body = route.path === '/api/ops/nudge' ? { userId, channel: 'email' } : { target: 'ingest' };
  return { path, body };
}

async function send(base: string, route: AppRoute, headers: Record<string, string>) {
  const { path, body } = request(route);
  const controller = new AbortController();
  const res = await fetch(`${base}${path}`, {
    method: route.method,
    headers: { 'content-type': 'application/json', ...headers },
    body: route.method === 'GET' ? undefined : JSON.stringify(body),
    signal: controller.signal,
  });
  // The SSE route never ends: its status and headers are all that is read.
  if (res.headers.get('content-type') === 'text/event-stream') controller.abort();
  return res;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('access control', () => {
  it('finds the routes it checks in the app itself, so a new one is covered without editing this test', () => {
    expect(mutations.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      expect.arrayContaining([
        'DELETE /api/ops/chaos/:mode',
        'POST /api/ops/chaos/restore',
        'POST /api/ops/incidents/:id/acknowledge',
        'POST /api/ops/nudge',
        'PUT /api/ops/chaos/:mode',
      ]),
    );
    expect(reads.length).toBeGreaterThanOrEqual(9);
  });

  it('every mutation needs an operator token: 401 without one or with another, 403 with a viewer token', async () => {
    const before = await state();
    for (const app of [open, closed]) {
      for (const route of mutations) {
        for (const headers of [
          {},
          bearer('not-a-known-token-0123456789'),
          { authorization: `Basic ${OPERATOR}` },
        ]) {
          const res = await send(app.url, route, headers);
          expect([route.path, res.status]).toEqual([route.path, 401]);
          expect(res.headers.get('www-authenticate')).toBe('Bearer realm="ops-cockpit"');
          expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        }
        const asViewer = await send(app.url, route, bearer(VIEWER));
        expect([route.path, asViewer.status]).toEqual([route.path, 403]);
      }
    }
    expect(await state()).toEqual(before);
  });

  it('refuses an unauthenticated mutation before reading its body', async () => {
    const res = await postJson(`${open.url}/api/ops/nudge`, '{"userId":');
    expect(res.status).toBe(401);
    const withToken = await postJson(`${open.url}/api/ops/nudge`, '{"userId":', bearer(OPERATOR));
    expect(withToken.status).toBe(400);
  });

  it('lets the operator act (the same requests with the operator token pass the check)', async () => {
    const res = await send(closed.url, { method: 'POST', path: '/api/ops/chaos/restore' }, bearer(OPERATOR));
    expect(res.status).toBe(200);
    const ack = await send(
      closed.url,
      { method: 'POST', path: '/api/ops/incidents/:id/acknowledge' },
      bearer(OPERATOR),
    );
    expect(ack.status).toBe(200);
    expect(((await ack.json()) as { acknowledgedBy: string }).acknowledgedBy).toBe('ada');
  });

  it('with OPS_READ_OPEN=false every read needs a viewer or operator token', async () => {
    for (const route of reads) {
      for (const headers of [{}, bearer('not-a-known-token-0123456789')]) {
        const res = await send(closed.url, route, headers);
        expect([route.path, res.status]).toEqual([route.path, 401]);
      }
      for (const token of [VIEWER, OPERATOR]) {
        const res = await send(closed.url, route, bearer(token));
        expect([route.path, res.status]).toEqual([route.path, 200]);
      }
    }
  });

  it('with OPS_READ_OPEN=true reads need no token', async () => {
    for (const route of reads) {
      const res = await send(open.url, route, {});
      expect([route.path, res.status]).toEqual([route.path, 200]);
    }
  });

  it('the failed-work listing needs an operator token whether reads are open or not', async () => {
    expect(operatorReads.map((r) => r.path)).toEqual(OPERATOR_READS);
    for (const base of [open.url, closed.url]) {
      for (const route of operatorReads) {
        const statuses = [
          (await send(base, route, {})).status,
          (await send(base, route, bearer(VIEWER))).status,
          (await send(base, route, bearer(OPERATOR))).status,
        ];
        expect([route.path, statuses]).toEqual([route.path, [401, 403, 200]]);
      }
    }
  });

  it('keeps health, readiness, metrics, the API document and the webhooks reachable without an ops token', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/api/openapi.yaml']) {
      expect([path, (await fetch(`${closed.url}${path}`)).status]).toEqual([path, 200]);
    }
    expect((await postJson(`${closed.url}/api/webhooks/strava`, stravaEvent())).status).toBe(200);
  });
});

describe('CORS', () => {
  const preflight = (base: string, origin: string) =>
    fetch(`${base}/api/ops/nudge`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });

  it('answers a preflight from a listed origin, naming the methods and headers it allows', async () => {
    const res = await preflight(open.url, ORIGIN);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe(
      'Authorization,Content-Type,Idempotency-Key',
    );
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const get = await fetch(`${open.url}/api/ops/challenge`, { headers: { origin: ORIGIN } });
    expect(get.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(get.headers.get('access-control-expose-headers')).toContain('Retry-After');
  });

  it('sends no CORS header to any other origin, nor to any origin when CORS_ORIGINS is empty', async () => {
    for (const [base, origin] of [
      [open.url, 'https://evil.example.test'],
      [open.url, `${ORIGIN}.evil.example.test`],
      [open.url, 'null'],
      [closed.url, ORIGIN],
    ] as const) {
      for (const res of [
        await preflight(base, origin),
        await fetch(`${base}/api/ops/challenge`, { headers: { origin } }),
      ]) {
        expect([origin, res.headers.get('access-control-allow-origin')]).toEqual([origin, null]);
        expect(res.headers.get('access-control-allow-methods')).toBeNull();
      }
    }
  });
});

describe('security headers', () => {
  it('are on every express answer: success, problem and unknown route alike', async () => {
    for (const [path, status] of [
      ['/api/ops/challenge', 200],
      ['/api/ops/quiet-users?days=0', 400],
      ['/no/such/route', 404],
      ['/metrics', 200],
    ] as const) {
      const res = await fetch(`${open.url}${path}`);
      expect([path, res.status]).toEqual([path, status]);
      const h = res.headers;
      expect(h.get('content-security-policy')).toBe(
        "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
      );
      expect(h.get('x-content-type-options')).toBe('nosniff');
      expect(h.get('x-frame-options')).toBe('DENY');
      expect(h.get('referrer-policy')).toBe('no-referrer');
      expect(h.get('strict-transport-security')).toMatch(/^max-age=\d+/);
      expect(h.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(h.get('cache-control')).toBe('no-store');
      expect(h.get('x-powered-by')).toBeNull();
    }
  });

  it('the lean webhook path sends nosniff on its answers, accepted or refused', async () => {
    for (const [path, body, status] of [
      ['/api/webhooks/strava', stravaEvent({ object_id: 77 }), 200],
      ['/api/webhooks/strava', '{', 400],
      ['/api/webhooks/nowhere', '{}', 404],
    ] as const) {
      const res = await postJson(`${open.url}${path}`, body);
      expect([path, res.status]).toEqual([path, status]);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});
