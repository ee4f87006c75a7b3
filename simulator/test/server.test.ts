import { stravaActivitySchema, stravaTokenSchema } from '@ops-cockpit/core';
import { demoUser, refreshTokenFor, type SimActivity } from '../src/index.js';
import { json, startSimulator, type RunningSimulator } from './helpers.js';

let sim: RunningSimulator;

beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(async () => {
  await sim.close();
});

function activity(externalId: string, index = 1): SimActivity {
  return {
    provider: 'strava',
    externalId,
    user: demoUser(index),
    name: 'Morning Run',
    sport: 'run',
    distanceM: 10234.5,
    movingTimeS: 3100,
    elapsedTimeS: 3300,
    // 07:15:09 in Los Angeles on a winter Friday.
    startMs: Date.UTC(2026, 10, 20, 15, 15, 9),
  };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function token(athleteId = 1001): Promise<string> {
  const res = await fetch(`${sim.url}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      client_id: '1',
      client_secret: 's',
      grant_type: 'refresh_token',
      refresh_token: refreshTokenFor(athleteId),
    }),
  });
  expect(res.status).toBe(200);
  return (await json(res)).access_token as string;
}

describe('fake Strava API', () => {
  it('answers the athlete with a bearer token and 401 without one', async () => {
    const res = await fetch(`${sim.url}/api/v3/athlete`, { headers: bearer(await token()) });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ id: 1001, resource_state: 3, firstname: 'Ava' });
    const anonymous = await fetch(`${sim.url}/api/v3/athlete`);
    expect(anonymous.status).toBe(401);
    expect(await json(anonymous)).toMatchObject({ message: 'Authorization Error' });
  });

  it('serves a DetailedActivity with Strava local-time conventions', async () => {
    sim.world.putActivity(activity('12345678901'));
    const res = await fetch(`${sim.url}/api/v3/activities/12345678901`, { headers: bearer(await token()) });
    expect(res.status).toBe(200);
    const body = await json(res);
    stravaActivitySchema.parse(body);
    expect(body).toMatchObject({
      id: 12345678901,
      athlete: { id: 1001 },
      name: 'Morning Run',
      type: 'Run',
      sport_type: 'Run',
      distance: 10234.5,
      moving_time: 3100,
      elapsed_time: 3300,
      start_date: '2026-11-20T15:15:09Z',
      start_date_local: '2026-11-20T07:15:09Z',
      timezone: '(GMT-08:00) America/Los_Angeles',
    });
  });

  it('answers 404 for unknown and deleted activities, 401 for another athlete', async () => {
    sim.world.putActivity(activity('1'));
    sim.world.putActivity(activity('2', 2));
    const auth = bearer(await token());
    const unknown = await fetch(`${sim.url}/api/v3/activities/999`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toMatchObject({ message: 'Record Not Found' });
    sim.world.deleteActivity('strava', '1');
    expect((await fetch(`${sim.url}/api/v3/activities/1`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${sim.url}/api/v3/activities/2`, { headers: auth })).status).toBe(401);
    expect(
      (await fetch(`${sim.url}/api/v3/activities/2`, { headers: bearer(await token(1002)) })).status,
    ).toBe(200);
  });

  it('refreshes tokens from a form body and refuses unknown refresh tokens with 400', async () => {
    const form = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshTokenFor(1003),
      }).toString(),
    });
    expect(form.status).toBe(200);
    const grant = await json(form);
    expect(grant.token_type).toBe('Bearer');
    expect(grant.expires_in).toBe(3600);
    expect(stravaTokenSchema.parse(grant).refresh_token).toBe(refreshTokenFor(1003));

    const bad = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'srt.1003.forged' }),
    });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ message: 'Bad Request', errors: [{ field: 'refresh_token' }] });
  });

  it('expires tokens by time and through the control endpoint, and a refresh restores access', async () => {
    const first = await token();
    sim.clock.now += 3_600_000;
    expect((await fetch(`${sim.url}/api/v3/athlete`, { headers: bearer(first) })).status).toBe(401);

    const second = await token();
    expect((await fetch(`${sim.url}/api/v3/athlete`, { headers: bearer(second) })).status).toBe(200);
    const expire = await fetch(`${sim.url}/control/tokens/expire`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ athleteId: 1001 }),
    });
    expect(await json(expire)).toEqual({ expired: 1001 });
    expect((await fetch(`${sim.url}/api/v3/athlete`, { headers: bearer(second) })).status).toBe(401);
    expect((await fetch(`${sim.url}/api/v3/athlete`, { headers: bearer(await token()) })).status).toBe(200);

    const bad = await fetch(`${sim.url}/control/tokens/expire`, { method: 'POST', body: '{"athleteId": 5}' });
    expect(bad.status).toBe(400);
  });
});

describe('Garmin callbacks', () => {
  it('returns registered summaries and 404 otherwise', async () => {
    const summary = {
      userId: 'garmin-user-1',
      summaryId: 'sim-1',
      activityType: 'RUNNING',
      startTimeInSeconds: 1_790_000_000,
      startTimeOffsetInSeconds: -28_800,
      durationInSeconds: 1800,
      distanceInMeters: 5000,
    };
    sim.world.registerGarminCallback('cb1', [summary]);
    const res = await fetch(`${sim.url}/garmin/callback/cb1`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ activities: [summary] });
    expect((await fetch(`${sim.url}/garmin/callback/nope`)).status).toBe(404);
  });
});

describe('control endpoint', () => {
  const put = (target: string, body: unknown) =>
    fetch(`${sim.url}/control/${target}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function timed(
    url: string,
    init?: RequestInit,
  ): Promise<{ status: number; ms: number; res: Response }> {
    const started = performance.now();
    const res = await fetch(url, init);
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started, res };
  }

  it('adds the configured latency to that provider only', async () => {
    sim.world.registerGarminCallback('cb', []);
    const auth = bearer(await token());
    await timed(`${sim.url}/api/v3/athlete`, { headers: auth }); // warm the connection
    expect((await put('strava', { latencyMs: 200 })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const { status, ms } = await timed(`${sim.url}/api/v3/athlete`, { headers: auth });
      expect(status).toBe(200);
      expect(ms).toBeGreaterThanOrEqual(195);
      expect(ms).toBeLessThan(400);
    }
    const garmin = await timed(`${sim.url}/garmin/callback/cb`);
    expect(garmin.ms).toBeLessThan(150);
    expect(await json(await fetch(`${sim.url}/control`))).toEqual({
      strava: { latencyMs: 200, bodyDelayMs: 0, errorRate: 0, errorStatus: 503 },
      garmin: { latencyMs: 0, bodyDelayMs: 0, errorRate: 0, errorStatus: 503 },
      polar: { latencyMs: 0, bodyDelayMs: 0, errorRate: 0, errorStatus: 503 },
    });
  });

  it('fails every request at error rate 1 with the set status, and none after a reset', async () => {
    const auth = bearer(await token());
    await put('strava', { errorRate: 1, errorStatus: 500 });
    for (let i = 0; i < 20; i++) {
      const { status, res } = await timed(`${sim.url}/api/v3/athlete`, { headers: auth });
      expect(status).toBe(500);
      expect(res.headers.get('x-simulator-fault')).toBe('injected');
    }
    const oauth = await fetch(`${sim.url}/oauth/token`, { method: 'POST', body: '{}' });
    expect(oauth.status).toBe(500);
    await put('garmin', { errorRate: 1, errorStatus: 503 });
    expect((await fetch(`${sim.url}/garmin/callback/x`)).status).toBe(503);
    expect((await fetch(`${sim.url}/control/reset`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${sim.url}/api/v3/athlete`, { headers: auth })).status).toBe(200);
  });

  it('answers 429 with Retry-After and Strava rate-limit headers', async () => {
    await put('strava', { errorRate: 1, errorStatus: 429, retryAfterSeconds: 7 });
    const res = await fetch(`${sim.url}/api/v3/athlete`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('x-ratelimit-limit')).toBe('100,1000');
    expect(await json(res)).toMatchObject({ message: 'Rate Limit Exceeded' });
  });

  it('fails about the configured share of requests', async () => {
    await sim.close();
    let i = 0;
    sim = await startSimulator({ random: () => (i++ % 10) / 10 });
    await put('garmin', { errorRate: 0.3, errorStatus: 503 });
    sim.world.registerGarminCallback('cb', []);
    const statuses = [];
    for (let n = 0; n < 20; n++) statuses.push((await fetch(`${sim.url}/garmin/callback/cb`)).status);
    expect(statuses.filter((s) => s === 503)).toHaveLength(6);
  });

  it('refuses a bad body with 400 naming each field, and an unknown target with 404', async () => {
    const res = await put('strava', { latencyMs: -5, errorRate: 2, errorStatus: 418, latency: 3 });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await json(res);
    const fields = (body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['errorRate', 'errorStatus', 'latency', 'latencyMs']);
    expect(body.detail).toContain('latencyMs');
    const malformed = await fetch(`${sim.url}/control/strava`, { method: 'PUT', body: '{nope' });
    expect(malformed.status).toBe(400);
    expect((await put('apple_health', {})).status).toBe(404);
    expect((await fetch(`${sim.url}/control/strava`)).status).toBe(405);
    expect(await json(await fetch(`${sim.url}/control`))).toMatchObject({ strava: { latencyMs: 0 } });
  });
});

describe('healthz and unknown paths', () => {
  it('answers', async () => {
    const res = await fetch(`${sim.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: 'ok' });
    expect((await fetch(`${sim.url}/nope`)).status).toBe(404);
  });
});
