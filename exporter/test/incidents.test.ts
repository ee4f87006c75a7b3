import {
  ADA,
  GRAFANA,
  AM_TOKEN,
  BOB,
  acknowledge,
  alert,
  appUrl,
  db,
  list,
  notification,
  post,
  redis,
  setupIncidentsApp,
  status,
  type Json,
} from './incidents-support.js';
import { startApp } from './harness.js';

setupIncidentsApp();

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

  it("records the Grafana user only when Grafana's proxy token sends it, and only a login", async () => {
    const ids = await seed();
    // Another operator may not name someone else, however plausible the name (the red team's ceo@).
    for (const user of ['ceo@example.com', '<img src=x onerror=alert(1)>']) {
      const forged = await acknowledge(ids.b!, { authorization: `Bearer ${ADA}`, 'x-grafana-user': user });
      expect([user, forged.status]).toEqual([user, 400]);
      expect(forged.body.errors).toEqual([
        { field: 'X-Grafana-User', message: 'only the operator grafana may send it' },
      ]);
    }
    // From Grafana's token: a login is recorded, markup is refused.
    const markup = await acknowledge(ids.b!, {
      authorization: `Bearer ${GRAFANA}`,
      'x-grafana-user': '<img src=x onerror=alert(1)>',
    });
    expect(markup.status).toBe(400);
    expect(markup.body.errors[0].field).toBe('X-Grafana-User');
    expect((await list()).body.incidents.map((i: Json) => i.fingerprint)).toEqual(['b', 'a']);
    const res = await acknowledge(ids.b!, {
      authorization: `Bearer ${GRAFANA}`,
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

    const metrics = await (await fetch(`${appUrl()}/metrics`)).text();
    expect(metrics).toContain('ops_calm_score 20\n');
    expect(metrics).toContain('ops_calm_penalty{factor="open_incidents"} 10\n');
    expect(metrics).toContain('ops_calm_penalty{factor="provider_latency"} 20\n');
    expect(metrics).toContain('ops_calm_penalty{factor="provider_down"} 50\n');
    expect(metrics).toContain('ops_incidents_open{level="critical"} 1\n');
    expect(metrics).toContain('ops_incidents_open{level="warn"} 0\n');
    expect(metrics).toContain('ops_incidents_open{level="error"} 0\n');
  });
});
