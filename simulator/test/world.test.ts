import {
  SEED_TOKEN_EXPIRES_AT,
  World,
  demoRoster,
  demoUser,
  mintAccessToken,
  mulberry32,
  readAccessToken,
  readRefreshToken,
  refreshTokenFor,
  stravaTokensFor,
  type SimActivity,
} from '../src/index.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

function activity(externalId: string): SimActivity {
  return {
    provider: 'strava',
    externalId,
    user: demoUser(1),
    name: 'Morning Run',
    sport: 'run',
    distanceM: 5000,
    movingTimeS: 1500,
    elapsedTimeS: 1600,
    startMs: NOW - 3_600_000,
  };
}

describe('tokens', () => {
  it('reads back what was minted and nothing forged', () => {
    const token = mintAccessToken({ athleteId: 1001, issuedAtMs: NOW, expiresAt: NOW / 1000 + 60 });
    expect(readAccessToken(token)).toEqual({ athleteId: 1001, issuedAtMs: NOW, expiresAt: NOW / 1000 + 60 });
    expect(readAccessToken(token.replace('sat.1001.', 'sat.1002.'))).toBeUndefined();
    expect(readAccessToken('not-a-token')).toBeUndefined();
    expect(readRefreshToken(refreshTokenFor(1001))).toBe(1001);
    expect(readRefreshToken(`${refreshTokenFor(1001)}x`)).toBeUndefined();
  });

  it('gives the seed tokens that expired long ago, and the same ones every time', () => {
    expect(stravaTokensFor(1001)).toEqual(stravaTokensFor(1001));
    expect(stravaTokensFor(1001).expiresAt.getTime()).toBe(SEED_TOKEN_EXPIRES_AT * 1000);
    expect(stravaTokensFor(1001).expiresAt.getTime()).toBeLessThan(NOW);
  });
});

describe('world', () => {
  it('authenticates issued tokens until they expire by time or by control', () => {
    const world = new World({ roster: demoRoster(3), tokenTtlSeconds: 60 });
    const grant = world.issueToken(1001, NOW);
    expect(grant.expiresIn).toBe(60);
    expect(world.authenticate(`Bearer ${grant.accessToken}`, NOW + 59_000)).toMatchObject({ ok: true });
    expect(world.authenticate(`Bearer ${grant.accessToken}`, NOW + 60_000)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(world.authenticate(undefined, NOW)).toEqual({ ok: false, reason: 'missing' });
    expect(world.authenticate('Bearer nonsense', NOW)).toEqual({ ok: false, reason: 'invalid' });
    expect(world.authenticate(`Bearer ${stravaTokensFor(1001).accessToken}`, NOW)).toEqual({
      ok: false,
      reason: 'expired',
    });

    const other = world.issueToken(1002, NOW);
    world.expireTokens(NOW + 1_000, 1001);
    const fresh = world.refresh(grant.refreshToken, NOW + 1_000)!;
    expect(world.authenticate(`Bearer ${grant.accessToken}`, NOW + 1_000)).toMatchObject({ ok: false });
    expect(world.authenticate(`Bearer ${fresh.accessToken}`, NOW + 1_000)).toMatchObject({ ok: true });
    expect(world.authenticate(`Bearer ${other.accessToken}`, NOW + 1_000)).toMatchObject({ ok: true });
    world.expireTokens(NOW + 2_000);
    expect(world.authenticate(`Bearer ${other.accessToken}`, NOW + 2_000)).toMatchObject({ ok: false });
    expect(world.refresh('srt.1001.wrong', NOW)).toBeUndefined();
    expect(world.refresh(refreshTokenFor(9999), NOW)).toBeUndefined();
  });

  it('keeps activities, deletes them, and forgets the oldest beyond its bound', () => {
    const world = new World({ roster: demoRoster(3), maxActivities: 3 });
    for (const id of ['1', '2', '3', '4']) world.putActivity(activity(id));
    expect(world.activity('strava', '1')).toBeUndefined();
    expect(world.liveCount('strava')).toBe(3);
    expect(world.deleteActivity('strava', '3')?.externalId).toBe('3');
    expect(world.activity('strava', '3')).toBeUndefined();
    expect(world.liveCount('strava')).toBe(2);
    const rng = mulberry32(1);
    for (let i = 0; i < 20; i++) expect(['2', '4']).toContain(world.randomLive('strava', rng)!.externalId);
    expect(world.randomLive('garmin', rng)).toBeUndefined();
  });

  it('leaves quiet users out of the active set', () => {
    const world = new World({ roster: demoRoster() });
    expect(world.activeUsers).toHaveLength(38);
    expect(world.activeUsers.every((u) => u.inactiveDays === 0)).toBe(true);
  });
});
