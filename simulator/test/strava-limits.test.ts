// The fake Strava's application rate limits, as Strava documents them: both classes and both natural windows,
// refused requests counted, the four headers on every answer, Strava's 429 body over a limit.
import { stravaBudgetReport } from '@ops-cockpit/core';
import { StravaRateLimits, STRAVA_RATE_LIMIT_ERROR } from '../src/index.js';
import { startSimulator, type RunningSimulator } from './helpers.js';

describe('counting (a clock the test moves)', () => {
  const WINDOW = 10_000;
  const DAY = 60_000;
  let at = 0;
  const limits = () =>
    new StravaRateLimits(
      { overall: { '15m': 4, day: 6 }, read: { '15m': 3, day: 5 } },
      { shortSeconds: WINDOW / 1000, daySeconds: DAY / 1000 },
      () => at,
    );

  it('refuses past either class and either window, counts refused requests, and reopens at the boundaries', () => {
    const l = limits();
    at = 0;
    expect([1, 2, 3].map(() => l.admit('GET').allowed)).toEqual([true, true, true]);
    // Reads are spent (3 per window); a POST only counts overall.
    expect(l.admit('GET')).toMatchObject({ allowed: false });
    expect(l.admit('POST').allowed).toBe(false); // overall: 5 > 4
    expect(l.refused).toBe(2);
    expect(stravaBudgetReport(new Headers(l.headers()))).toEqual({
      overall: { limit: { '15m': 4, day: 6 }, usage: { '15m': 5, day: 5 } },
      read: { limit: { '15m': 3, day: 5 }, usage: { '15m': 4, day: 4 } },
    });
    // The next natural window: the short counts reset, the day's go on (refused requests included).
    at = WINDOW;
    expect(l.admit('GET').allowed).toBe(true); // read day 5 of 5, overall day 6 of 6
    expect(l.admit('GET').allowed).toBe(false); // the day's budget is spent
    at = DAY - 1;
    expect(l.admit('POST').allowed).toBe(false);
    at = DAY;
    expect(l.admit('GET').allowed).toBe(true);
    expect(stravaBudgetReport(new Headers(l.headers())).read?.usage).toEqual({ '15m': 1, day: 1 });
  });
});

describe('over HTTP', () => {
  let sim: RunningSimulator;
  const limits = new StravaRateLimits(
    { overall: { '15m': 200, day: 2000 }, read: { '15m': 2, day: 1000 } },
    { shortSeconds: 3600, daySeconds: 86_400 },
    Date.now,
  );
  beforeAll(async () => {
    sim = await startSimulator({ stravaLimits: limits });
  });
  afterAll(() => sim?.close());

  it('sends the four headers on every answer, errors included, and Strava’s 429 over the limit', async () => {
    const token = sim.world.issueToken(1001, Date.now()).accessToken;
    const get = (path: string, auth = `Bearer ${token}`) =>
      fetch(`${sim.url}${path}`, { headers: { authorization: auth } });
    const answers = [
      await get('/api/v3/athlete'),
      await get('/api/v3/activities/1', 'Bearer nope'),
      await get('/api/v3/athlete'),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 401, 429]);
    expect(answers.map((r) => r.headers.get('x-readratelimit-usage'))).toEqual(['1,1', '2,2', '3,3']);
    expect(answers.map((r) => r.headers.get('x-ratelimit-limit'))).toEqual([
      '200,2000',
      '200,2000',
      '200,2000',
    ]);
    expect(answers[2]!.headers.get('x-readratelimit-limit')).toBe('2,1000');
    expect(await answers[2]!.json()).toEqual(STRAVA_RATE_LIMIT_ERROR);
    // A refresh is not a read: it still goes through.
    const refresh = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'unknown' }),
    });
    expect(refresh.status).toBe(400);
    expect(refresh.headers.get('x-ratelimit-usage')).toBe('4,4');
    expect(limits.refused).toBe(1);
  });
});
