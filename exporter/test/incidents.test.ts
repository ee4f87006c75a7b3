import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { startApp, type RunningApp } from './harness.js';

// Response bodies are checked field by field; the test reads them loosely typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const AM_TOKEN = 'am-token-0123456789';
const ADA = 'ada-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef';

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;

beforeAll(async () => {
  db = await createTestDatabase('incidents');
  redis = await createTestRedis('incidents');
  app = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    alertmanagerToken: AM_TOKEN,
    operatorTokens: `ada:${ADA},bob:${BOB}`,
  });
});
afterAll(async () => {
  await app?.close();
  await redis?.close();
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query('TRUNCATE incidents');
});

/** The body Alertmanager 0.25 really sent (shared/FACTS.md), with this test's alerts. */
function notification(alerts: Json[], status = 'firing'): Json {
  return {
    receiver: 'ops-cockpit-exporter',
    status,
    alerts,
    groupLabels: { alertname: 'ProviderDown' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    version: '4',
    groupKey: '{}:{alertname="ProviderDown"}',
    truncatedAlerts: 0,
  };
}

function alert(overrides: Json = {}): Json {
  return {
    status: 'firing',
    labels: { alertname: 'ProviderDown', provider: 'strava', severity: 'critical' },
    annotations: { summary: 'strava is down', description: 'every probe failed' },
    startsAt: '2026-11-26T08:39:05.815Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=ops_provider_probe_success+%3D%3D+0',
    fingerprint: 'bff4b508465281bd',
    ...overrides,
  };
}

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/api/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${AM_TOKEN}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}

async function rows(): Promise<Json[]> {
  const { rows } = await db.pool.query(
    `SELECT message, level, source, fingerprint, labels, generator_url, started_at, resolved_at
       FROM incidents ORDER BY id`,
  );
  return rows;
}

async function list(state?: string) {
  const res = await fetch(`${app.url}/api/ops/incidents${state ? `?state=${state}` : ''}`);
  return { status: res.status, body: (await res.json()) as Json };
}

async function acknowledge(id: number | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/api/ops/incidents/${id}/acknowledge`, { method: 'POST', headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}

async function status(): Promise<Json> {
  return (await fetch(`${app.url}/api/ops/status`)).json();
}

describe('POST /api/alertmanager', () => {
  it('opens one incident per firing alert, however often Alertmanager repeats it', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await post(notification([alert()]));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ firing: 1, resolved: 0, ignored: 0 });
    }
    expect(await rows()).toEqual([
      {
        message: 'strava is down',
        level: 'critical',
        source: 'alertmanager',
        fingerprint: 'bff4b508465281bd',
        labels: { alertname: 'ProviderDown', provider: 'strava', severity: 'critical' },
        generator_url: 'http://127.0.0.1:9090/graph?g0.expr=ops_provider_probe_success+%3D%3D+0',
        started_at: new Date('2026-11-26T08:39:05.815Z'),
        resolved_at: null,
      },
    ]);
  });

  it('resolves from endsAt, never reopens on a late firing, and opens anew when the alert fires again', async () => {
    await post(notification([alert()]));
    const resolved = alert({ status: 'resolved', endsAt: '2026-11-26T08:45:00.5Z' });
    expect((await post(notification([resolved], 'resolved'))).body).toEqual({
      firing: 0,
      resolved: 1,
      ignored: 0,
    });
    await post(notification([alert()])); // a retried, older notification arriving late
    await post(notification([resolved], 'resolved'));
    let all = await rows();
    expect(all).toHaveLength(1);
    expect(all[0].resolved_at).toEqual(new Date('2026-11-26T08:45:00.5Z'));

    // The same alert firing again is a new activation: Prometheus gives it a new startsAt.
    await post(notification([alert({ startsAt: '2026-11-26T09:00:00Z' })]));
    all = await rows();
    expect(all.map((r) => r.resolved_at)).toEqual([new Date('2026-11-26T08:45:00.5Z'), null]);
  });

  it('records a resolved alert whose firing it never heard, already resolved', async () => {
    await post(notification([alert({ status: 'resolved', endsAt: '2026-11-26T08:50:00Z' })], 'resolved'));
    expect((await rows()).map((r) => [r.fingerprint, r.resolved_at])).toEqual([
      ['bff4b508465281bd', new Date('2026-11-26T08:50:00Z')],
    ]);
  });

  it('maps severity to level and takes the alert name when there is no summary', async () => {
    const cases: Array<[string | undefined, string]> = [
      ['critical', 'critical'],
      ['error', 'error'],
      ['page', 'error'],
      ['warning', 'warn'],
      ['info', 'warn'],
      [undefined, 'warn'],
    ];
    const alerts = cases.map(([severity], i) =>
      alert({
        labels: { alertname: `Alert${i}`, ...(severity ? { severity } : {}) },
        annotations: i === 0 ? { summary: 'with summary' } : {},
        fingerprint: `fp${i}`,
      }),
    );
    expect((await post(notification(alerts))).status).toBe(200);
    const { rows: got } = await db.pool.query('SELECT fingerprint, level, message FROM incidents ORDER BY 1');
    expect(got).toEqual(
      cases.map(([, level], i) => ({
        fingerprint: `fp${i}`,
        level,
        message: i === 0 ? 'with summary' : `Alert${i}`,
      })),
    );
  });

  it('skips alerts labelled incident="false" (the calm-score alert) and keeps the others', async () => {
    const calm = alert({
      labels: { alertname: 'CalmScoreLow', severity: 'critical', incident: 'false' },
      fingerprint: 'calm',
    });
    expect((await post(notification([calm, alert()]))).body).toEqual({ firing: 1, resolved: 0, ignored: 1 });
    expect((await rows()).map((r) => r.fingerprint)).toEqual(['bff4b508465281bd']);
  });

  it('answers 401 without the bearer token or with another one, with a Bearer challenge', async () => {
    for (const headers of [
      { authorization: '' },
      { authorization: `Bearer ${ADA}` },
      { authorization: AM_TOKEN },
    ]) {
      const res = await post(notification([alert()]), headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="ops-cockpit"');
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.type).toBe('https://ops-cockpit.dev/problems/unauthorized');
    }
    expect(await rows()).toEqual([]);
  });

  it('refuses every notification when ALERTMANAGER_TOKEN is not set', async () => {
    const other = await startApp({ pool: db.pool, redis: redis.redis, prefix: redis.prefix });
    try {
      const res = await fetch(`${other.url}/api/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${AM_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(notification([alert()])),
      });
      expect(res.status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('answers 422 naming each bad field, and writes nothing even when other alerts are valid', async () => {
    const bad = notification([
      alert(),
      alert({ fingerprint: 'second', startsAt: 'yesterday', labels: { alertname: 7 } }),
    ]);
    delete bad.version;
    const res = await post(bad);
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('https://ops-cockpit.dev/problems/validation-failed');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'alerts.1.labels.alertname',
      'alerts.1.startsAt',
      'version',
    ]);
    expect((await post(notification([]))).body.errors).toEqual([
      { field: 'alerts', message: expect.stringMatching(/>=1/) },
    ]);
    expect(await rows()).toEqual([]);
  });

  it('answers 400 to malformed JSON and 415 to another media type', async () => {
    expect((await post('{"alerts": [')).status).toBe(400);
    const res = await post(JSON.stringify(notification([alert()])), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await rows()).toEqual([]);
  });
});

describe('GET /api/ops/incidents and acknowledge', () => {
  async function seed() {
    await post(
      notification([
        alert({ fingerprint: 'a', startsAt: '2026-11-26T08:00:00Z' }),
        alert({
          fingerprint: 'b',
          startsAt: '2026-11-26T09:00:00Z',
          labels: { alertname: 'Slow' },
          annotations: {},
        }),
        alert({
          fingerprint: 'c',
          startsAt: '2026-11-26T10:00:00Z',
          status: 'resolved',
          endsAt: '2026-11-26T10:05:00Z',
        }),
      ]),
    );
    const { rows: ids } = await db.pool.query<{ id: number; fingerprint: string }>(
      'SELECT id, fingerprint FROM incidents',
    );
    return Object.fromEntries(ids.map((r) => [r.fingerprint, r.id]));
  }

  it('lists by state, newest first, in the documented shape', async () => {
    const ids = await seed();
    const open = await list();
    expect(open.status).toBe(200);
    expect(open.body.incidents).toEqual([
      {
        id: ids.b,
        message: 'Slow',
        level: 'warn',
        source: 'alertmanager',
        fingerprint: 'b',
        startedAt: '2026-11-26T09:00:00.000Z',
        acknowledgedAt: null,
        acknowledgedBy: null,
        resolvedAt: null,
      },
      expect.objectContaining({ id: ids.a, level: 'critical', message: 'strava is down' }),
    ]);
    expect((await list('resolved')).body.incidents.map((i: Json) => [i.fingerprint, i.resolvedAt])).toEqual([
      ['c', '2026-11-26T10:05:00.000Z'],
    ]);
    expect((await list('all')).body.incidents.map((i: Json) => i.fingerprint)).toEqual(['c', 'b', 'a']);
    expect((await list('acknowledged')).body.incidents).toEqual([]);
  });

  it('answers 400 naming state for an unknown state', async () => {
    const res = await list('closed');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('state');
  });

  it('acknowledges as the operator of the token, idempotently', async () => {
    const ids = await seed();
    const first = await acknowledge(ids.a!, { authorization: `Bearer ${BOB}` });
    expect(first.status).toBe(200);
    expect(first.body).toEqual(
      expect.objectContaining({ id: ids.a, fingerprint: 'a', acknowledgedBy: 'bob', resolvedAt: null }),
    );
    expect(Date.parse(first.body.acknowledgedAt)).toBeGreaterThan(Date.now() - 60_000);
    // Again, and by someone else: the first acknowledgement stands.
    const again = await acknowledge(ids.a!, { authorization: `Bearer ${ADA}` });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await list()).body.incidents.map((i: Json) => i.fingerprint)).toEqual(['b']);
    expect((await list('acknowledged')).body.incidents).toEqual([first.body]);
  });

  it('records the Grafana user when Grafana proxies the request with an operator token', async () => {
    const ids = await seed();
    const res = await acknowledge(ids.b!, {
      authorization: `Bearer ${ADA}`,
      'x-grafana-user': 'grace@example.org',
    });
    expect(res.status).toBe(200);
    expect(res.body.acknowledgedBy).toBe('grace@example.org');
  });

  it('answers 401 without a valid operator token, even with X-Grafana-User, and changes nothing', async () => {
    const ids = await seed();
    const attempts: Record<string, string>[] = [
      {},
      { 'x-grafana-user': 'grace' },
      { authorization: `Bearer ${AM_TOKEN}` },
      { authorization: `Bearer ${ADA}x` },
      { authorization: `Basic ${Buffer.from(`ada:${ADA}`).toString('base64')}` },
    ];
    for (const headers of attempts) {
      const res = await acknowledge(ids.a!, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="ops-cockpit"');
    }
    // Unknown ids are not revealed to an unauthenticated caller either.
    expect((await acknowledge(999_999)).status).toBe(401);
    const { rows: acked } = await db.pool.query('SELECT 1 FROM incidents WHERE acknowledged_at IS NOT NULL');
    expect(acked).toEqual([]);
  });

  it('answers 404 for an unknown id and 400 for an id that is not one', async () => {
    const auth = { authorization: `Bearer ${ADA}` };
    const missing = await acknowledge(999_999, auth);
    expect(missing.status).toBe(404);
    expect(missing.body.type).toBe('https://ops-cockpit.dev/problems/not-found');
    const bad = await acknowledge('abc', auth);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('id');
  });

  it('refuses every acknowledgement when no operator is configured', async () => {
    const ids = await seed();
    const other = await startApp({ pool: db.pool, redis: redis.redis, prefix: redis.prefix });
    try {
      const res = await fetch(`${other.url}/api/ops/incidents/${ids.a}/acknowledge`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADA}` },
      });
      expect(res.status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('GET /api/ops/status and the calm gauges', () => {
  beforeEach(async () => {
    await db.pool.query('TRUNCATE provider_health_logs');
  });

  it('is 100 and calm with nothing open', async () => {
    expect(await status()).toEqual({
      calmScore: 100,
      stressed: false,
      factors: [
        { name: 'open_incidents', penalty: 0, detail: '0 open incidents' },
        { name: 'provider_latency', penalty: 0, detail: 'no provider latency samples in the last hour' },
        { name: 'provider_down', penalty: 0, detail: 'all providers up' },
      ],
    });
  });

  it('counts open incidents only, and a slow and a down provider from the probe log', async () => {
    await post(
      notification([
        alert({ fingerprint: 'x' }),
        alert({ fingerprint: 'y', labels: { alertname: 'Slow', severity: 'warning' } }),
        alert({ fingerprint: 'z', status: 'resolved', endsAt: '2026-11-26T10:05:00Z' }),
      ]),
    );
    expect((await status()).calmScore).toBe(80);
    const { rows: y } = await db.pool.query(`SELECT id FROM incidents WHERE fingerprint = 'y'`);
    await acknowledge(y[0].id, { authorization: `Bearer ${ADA}` });
    expect((await status()).calmScore).toBe(90);

    // Garmin answered slowly for the last hour; Strava's last 3 probes failed.
    await db.pool.query(
      `INSERT INTO provider_health_logs (provider, status, latency_ms, "timestamp")
       VALUES ('garmin', 'success', 900, now() - interval '30 minutes'),
              ('strava', 'success', 300, now() - interval '20 minutes'),
              ('strava', 'error', NULL, now() - interval '3 minutes'),
              ('strava', 'error', NULL, now() - interval '2 minutes'),
              ('strava', 'error', NULL, now() - interval '1 minute')`,
    );
    const stressed = await status();
    expect(stressed).toEqual({
      calmScore: 20,
      stressed: true,
      factors: [
        { name: 'open_incidents', penalty: 10, detail: '1 open incident' },
        {
          name: 'provider_latency',
          penalty: 20,
          detail: 'average provider latency 600 ms over the last hour (limit 500 ms)',
        },
        { name: 'provider_down', penalty: 50, detail: 'down: strava' },
      ],
    });

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('ops_calm_score 20\n');
    expect(metrics).toContain('ops_calm_penalty{factor="open_incidents"} 10\n');
    expect(metrics).toContain('ops_calm_penalty{factor="provider_latency"} 20\n');
    expect(metrics).toContain('ops_calm_penalty{factor="provider_down"} 50\n');
    expect(metrics).toContain('ops_incidents_open{level="critical"} 1\n');
    expect(metrics).toContain('ops_incidents_open{level="warn"} 0\n');
    expect(metrics).toContain('ops_incidents_open{level="error"} 0\n');
  });
});
