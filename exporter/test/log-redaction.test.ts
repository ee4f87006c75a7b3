import { signWebhook } from '@ops-cockpit/core';
import { waitFor, type ServiceProcess } from '@ops-cockpit/core/testing';
import { startExporterProcess, type ExporterProcess } from './process-support.js';

/**
 * The real exporter process, logging everything (LOG_LEVEL=trace) through its real pino logger to stdout, is
 * sent requests that carry every kind of secret it knows, valid and wrong, in headers, query strings and bodies.
 * No secret may show up in its output or in any answer.
 */

const SECRETS = {
  operator: 'op-secret-Zq81kLm2Xv7Rt0Pw',
  viewer: 'viewer-secret-Hy62Nc5Bd9Ju4Ks',
  strava: 'strava-verify-secret-Tg35Lp8Qw1',
  apple: 'apple-signing-secret-Mf47Vz2Yx6Ce',
  alertmanager: 'am-secret-Wd93Rk4Hs0Gn',
  dbPassword: 'db-pass-Uj28Ei5Oa7',
  cookie: 'cookie-secret-Bv14Tn6Lq3',
  apiKey: 'api-key-secret-Px72Sd9Fw5',
  stranger: 'stranger-token-Kc58Jm0Zr4Ya',
  garmin: 'garmin-url-token-Rb63Xe1Wq8Zt',
};

let exporter: ExporterProcess;
let svc: ServiceProcess;
let base: string;

beforeAll(async () => {
  exporter = await startExporterProcess(
    'redact',
    {
      LOG_LEVEL: 'trace',
      OPS_OPERATOR_TOKENS: `ada:${SECRETS.operator}`,
      OPS_VIEWER_TOKENS: `vic:${SECRETS.viewer}`,
      OPS_READ_OPEN: 'false',
      STRAVA_VERIFY_TOKEN: SECRETS.strava,
      APPLE_HEALTH_WEBHOOK_SECRET: SECRETS.apple,
      ALERTMANAGER_TOKEN: SECRETS.alertmanager,
      GARMIN_WEBHOOK_TOKEN: SECRETS.garmin,
      WEBHOOK_TOKENS_REQUIRED: 'true',
    },
    { databasePassword: SECRETS.dbPassword },
  );
  ({ svc, url: base } = exporter);
});

afterAll(async () => {
  await exporter?.close();
});

describe('secrets in requests', () => {
  it('never reach the log or an answer', async () => {
    const answers: string[] = [];
    const statuses: number[] = [];
    const send = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${base}${path}`, init);
      statuses.push(res.status);
      answers.push(JSON.stringify([...res.headers]), await res.text());
    };
    const json = (token: string, extra: Record<string, string> = {}) => ({
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      cookie: `session=${SECRETS.cookie}`,
      'x-api-key': SECRETS.apiKey,
      ...extra,
    });

    // Ready first: on a loaded machine the pool's first connections can take long enough for a 503.
    await waitFor(async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), 'exporter ready', {
      timeoutMs: 20_000,
    });
    // Operator actions, with the right token, a viewer's, a stranger's; one with the secret in a broken body.
    const nudge = JSON.stringify({ userId: '00000000-0000-4000-8000-000000000000' });
    for (const token of [SECRETS.operator, SECRETS.viewer, SECRETS.stranger]) {
      await send('/api/ops/nudge', { method: 'POST', headers: json(token), body: nudge });
    }
    await send('/api/ops/nudge', {
      method: 'POST',
      headers: json(SECRETS.operator),
      body: `{"userId":"${SECRETS.operator}"`,
    });
    await send('/api/ops/chaos/outage', { method: 'PUT', headers: json(SECRETS.operator), body: '{}' });
    // Reads with a token in the header and, wrongly, in the query string.
    await send(`/api/ops/challenge?access_token=${SECRETS.viewer}&api_key=${SECRETS.apiKey}`, {
      headers: json(SECRETS.viewer),
    });
    await send(`/api/ops/quiet-users?days=3&token=${SECRETS.stranger}`, { headers: json(SECRETS.stranger) });
    await send(`/api/ops/no-such-route?secret=${SECRETS.operator}`, { headers: json(SECRETS.operator) });
    // Strava's subscription check, with the right and a wrong verify token.
    for (const token of [SECRETS.strava, SECRETS.stranger]) {
      await send(`/api/webhooks/strava?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=c1`);
    }
    // Apple Health deliveries signed with the real secret and with another one.
    const body = JSON.stringify({ workouts: [] });
    const timestamp = Math.floor(Date.now() / 1000);
    const signatures = [];
    for (const secret of [SECRETS.apple, SECRETS.stranger]) {
      const signature = signWebhook(secret, 'msg_1', timestamp, body);
      signatures.push(signature.slice(3));
      await send('/api/webhooks/apple-health', {
        method: 'POST',
        headers: json(SECRETS.operator, {
          'webhook-id': 'msg_1',
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        }),
        body,
      });
    }
    // Alertmanager with its token (and a body it refuses) and with another.
    for (const token of [SECRETS.alertmanager, SECRETS.stranger]) {
      await send('/api/alertmanager', { method: 'POST', headers: json(token), body: '{"alerts":"no"}' });
    }

    // Garmin with its URL token (and a body it refuses) and with another.
    for (const token of [SECRETS.garmin, SECRETS.stranger]) {
      await send(`/api/webhooks/garmin?token=${token}`, { method: 'POST', headers: json(token), body: '{}' });
    }

    // The requests did what they should, so the log has real lines about each of them.
    expect(statuses).toEqual([
      404, 403, 401, 400, 403, 200, 401, 404, 200, 403, 422, 401, 422, 401, 422, 401,
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const log = svc.stdout() + svc.stderr();
    expect(log).toContain('"url":"/api/ops/nudge"');
    expect(log).toContain('"authorization":"[redacted]"');
    expect(log).toContain('"cookie":"[redacted]"');
    expect(log).toContain('/api/ops/challenge?access_token=%5Bredacted%5D&api_key=%5Bredacted%5D');
    expect(log).toContain('"provider":"apple_health"');

    for (const [name, secret] of Object.entries(SECRETS)) {
      expect([name, log.includes(secret)]).toEqual([name, false]);
      expect([name, answers.some((a) => a.includes(secret))]).toEqual([name, false]);
    }
    for (const signature of signatures) expect(log).not.toContain(signature);
  });
});
