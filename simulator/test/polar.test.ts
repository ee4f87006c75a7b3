import {
  isoDurationSeconds,
  polarExerciseSchema,
  polarStartEpochSeconds,
  polarWebhookSchema,
  verifyPolarSignature,
} from '@ops-cockpit/core';
import {
  World,
  createEventGenerator,
  demoRoster,
  demoUser,
  isoDuration,
  offsetSecondsAt,
  polarLinkOf,
  polarPing,
  polarTokenFor,
  readPolarToken,
  type EventMix,
  type SimActivity,
} from '../src/index.js';
import { json, startSimulator, type RunningSimulator } from './helpers.js';

const SECRET = 'polar-signature-secret-key-0123';

function polarActivity(externalId: string, index = 5): SimActivity {
  return {
    provider: 'polar',
    externalId,
    user: demoUser(index),
    name: 'Morning Run',
    sport: 'run',
    distanceM: 10234.5,
    movingTimeS: 3100,
    elapsedTimeS: 3723,
    // 17:15:09 in Denver (user 5's zone, UTC-7 in November).
    startMs: Date.UTC(2026, 10, 21, 0, 15, 9),
  };
}

describe('Polar demo accounts', () => {
  it('link every fifth user, with ids 70000 + index and tokens only this simulator mints', () => {
    expect(demoRoster(20).flatMap((u) => (polarLinkOf(u) ? [polarLinkOf(u)!.polarUserId] : []))).toEqual([
      70005, 70010, 70015, 70020,
    ]);
    expect(polarLinkOf(demoUser(7))).toBeUndefined();
    expect(readPolarToken(polarTokenFor(70005))).toBe(70005);
    expect(readPolarToken(polarTokenFor(70005).replace('70005', '70010'))).toBeUndefined();
    expect(readPolarToken('pat.70005.short')).toBeUndefined();
  });

  it('write durations as AccessLink does', () => {
    expect(isoDuration(9_840)).toBe('PT2H44M');
    expect(isoDuration(3_723)).toBe('PT1H2M3S');
    expect(isoDuration(59)).toBe('PT59S');
    expect(isoDuration(0)).toBe('PT0S');
    for (const s of [0, 59, 60, 3_599, 3_600, 3_723, 86_399])
      expect(isoDurationSeconds(isoDuration(s))).toBe(s);
  });
});

describe('fake Polar AccessLink', () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });

  const get = (id: string, token?: string) =>
    fetch(`${sim.url}/v3/exercises/${id}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});

  it("serves an exercise to its owner's token, in local time with the offset in minutes", async () => {
    sim.world.putActivity(polarActivity('PABC1'));
    const res = await get('PABC1', polarTokenFor(70005));
    expect(res.status).toBe(200);
    const body = await json(res);
    const exercise = polarExerciseSchema.parse(body);
    expect(exercise).toMatchObject({
      id: 'PABC1',
      start_time: '2026-11-20T17:15:09',
      start_time_utc_offset: -420,
      duration: 'PT1H2M3S',
      distance: 10234.5,
      sport: 'RUNNING',
    });
    expect(polarStartEpochSeconds(exercise) * 1000).toBe(Date.UTC(2026, 10, 21, 0, 15, 9));
    expect(offsetSecondsAt(demoUser(5).timezone, polarActivity('x').startMs)).toBe(-420 * 60);
    expect(body.polar_user).toBe('https://www.polaraccesslink.com/v3/users/70005');
  });

  it('answers 401 without a token, with a forged or a revoked one', async () => {
    sim.world.putActivity(polarActivity('PABC1'));
    expect((await get('PABC1')).status).toBe(401);
    expect((await get('PABC1', 'pat.70005.AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
    sim.world.polarAccess.revoke(70005);
    const revoked = await get('PABC1', polarTokenFor(70005));
    expect(revoked.status).toBe(401);
    expect(await json(revoked)).toMatchObject({ status: 401, errorType: 'UNAUTHORIZED' });
  });

  it("answers 404 for an unknown id, a malformed one and another user's exercise", async () => {
    sim.world.putActivity(polarActivity('PABC1'));
    expect((await get('PNOPE', polarTokenFor(70005))).status).toBe(404);
    expect((await get('..%2F..%2Fusers', polarTokenFor(70005))).status).toBe(404);
    const other = await get('PABC1', polarTokenFor(70010));
    expect(other.status).toBe(404);
    expect(await json(other)).toMatchObject({ status: 404, errorType: 'NOT_FOUND' });
  });

  it('sends the rate-limit headers on every answer and 429 past the 15-minute limit', async () => {
    await sim.close();
    sim = await startSimulator({ polarLimits: { shortLimit: 2, longLimit: 10 } });
    // 14:10:00 UTC: the 15-minute window resets in 5 minutes, the day in 9 h 50 min.
    sim.clock.now = Date.UTC(2026, 10, 20, 14, 10, 0);
    sim.world.putActivity(polarActivity('PABC1'));
    const token = polarTokenFor(70005);
    const first = await get('PABC1', token);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-usage')).toBe('1,1');
    expect(first.headers.get('ratelimit-limit')).toBe('2,10');
    expect(first.headers.get('ratelimit-reset')).toBe(`300,${9 * 3600 + 50 * 60}`);
    expect((await get('PNOPE', token)).headers.get('ratelimit-usage')).toBe('2,2');
    const over = await get('PABC1', token);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('300');
    // The next window starts afresh.
    sim.clock.now += 5 * 60_000;
    const next = await get('PABC1', token);
    expect(next.status).toBe(200);
    expect(next.headers.get('ratelimit-usage')).toBe('1,4');
  });

  it('refuses other methods', async () => {
    const res = await fetch(`${sim.url}/v3/exercises/PABC1`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});

describe('Polar webhook traffic', () => {
  const now = Date.UTC(2026, 10, 20, 12, 0, 0);
  const POLAR_ONLY: EventMix = {
    providers: { strava: 0, garmin: 0, apple_health: 0, polar: 1 },
    actions: {
      strava: { create: 1, update: 0, delete: 0, duplicate: 0 },
      garmin: { push: 1, ping: 0, update: 0, duplicate: 0 },
      apple_health: { create: 1, update: 0, delete: 0, duplicate: 0 },
      polar: { create: 0.8, duplicate: 0.2 },
    },
  };
  const generator = (world: World, seed = 1, polarSecret: string | undefined = SECRET) =>
    createEventGenerator({
      world,
      seed,
      simulatorUrl: 'http://127.0.0.1:1',
      subscriptionId: 0,
      ...(polarSecret ? { polarSecret } : {}),
      mix: POLAR_ONLY,
      idBase: 1,
    });

  it('puts each exercise in the world before announcing it, signed, for a Polar-linked user', () => {
    const world = new World({ roster: demoRoster() });
    const traffic = generator(world);
    let creates = 0;
    let duplicates = 0;
    for (let i = 0; i < 60; i++) {
      const d = traffic.next(now + i * 1000);
      expect(d).toMatchObject({ provider: 'polar', path: '/api/webhooks/polar' });
      const signature = d.headers['polar-webhook-signature'];
      expect(verifyPolarSignature({ secret: SECRET, signature, body: Buffer.from(d.body) })).toBeNull();
      const event = polarWebhookSchema.parse(JSON.parse(d.body));
      if (event.event !== 'EXERCISE') throw new Error('expected an exercise');
      expect(event.timestamp).toBe(
        new Date(Math.floor((now + i * 1000) / 1000) * 1000).toISOString().replace('.000', ''),
      );
      const stored = world.activity('polar', event.entity_id)!;
      expect(polarLinkOf(stored.user)?.polarUserId).toBe(event.user_id);
      if (d.action === 'duplicate') duplicates++;
      else {
        creates++;
        expect(stored.startMs).toBeLessThanOrEqual(now + i * 1000 - 5 * 60_000 - stored.elapsedTimeS * 1000);
      }
    }
    expect(world.liveCount('polar')).toBe(creates);
    expect(duplicates).toBeGreaterThan(3);
  });

  it('sends no Polar traffic without the signature key, and the PING unsigned unless given one', () => {
    const world = new World({ roster: demoRoster() });
    const mix = { ...POLAR_ONLY, providers: { ...POLAR_ONLY.providers, strava: 1 } };
    const traffic = createEventGenerator({
      world,
      seed: 2,
      simulatorUrl: 'http://127.0.0.1:1',
      subscriptionId: 0,
      mix,
      idBase: 1,
    });
    for (let i = 0; i < 50; i++) expect(traffic.next(now + i).provider).toBe('strava');
    const ping = polarPing(now);
    expect(JSON.parse(ping.body)).toEqual({ event: 'PING', timestamp: '2026-11-20T12:00:00Z' });
    expect(ping.headers['polar-webhook-signature']).toBeUndefined();
    expect(polarPing(now, { secret: SECRET }).headers['polar-webhook-signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for the same seed', () => {
    const run = () => {
      const t = generator(new World({ roster: demoRoster() }), 3);
      return [0, 1, 2, 3].map((i) => t.next(now + i).body);
    };
    expect(run()).toEqual(run());
  });
});
