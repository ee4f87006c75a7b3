import {
  ADA,
  AM_TOKEN,
  alert,
  db,
  notification,
  post,
  redis,
  rows,
  setupIncidentsApp,
} from './incidents-support.js';
import { startApp } from './harness.js';

setupIncidentsApp();

describe('POST /api/alertmanager', () => {
  it('answers 422 naming the label for a NUL Postgres cannot store, and records nothing', async () => {
    const res = await post(notification([alert({ labels: { alertname: 'Provider\u0000Down' } })]));
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body.errors)).toContain('alerts.0.labels.alertname');
    expect(await rows()).toEqual([]);
  });

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
