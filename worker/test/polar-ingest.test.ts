import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen, urlOf, type IngestEnvelope, type PolarExerciseNotice } from '@ops-cockpit/core';
import { createTestDatabase, type TestDatabase } from '@ops-cockpit/core/testing';
// The simulator is the provider here: its real HTTP server and fake AccessLink, on loopback.
import {
  demoUser,
  polarEntityId,
  polarLinkOf,
  polarTokenFor,
  seedDemo,
  type SimActivity,
} from '../../simulator/src/index.js';
import { startSimulator, type RunningSimulator } from '../../simulator/test/helpers.js';
import { processEnvelope, type ProcessDeps } from '../src/ingest/process.js';
import { createIngestAdapters } from '../src/ingest/registry.js';
import { callsTo } from './calls-support.js';
import { ProviderError } from '../src/providers/errors.js';
import { PolarClient, polarExerciseUrl } from '../src/providers/polar-client.js';
import type { PolarRateLimit } from '../src/providers/polar-rate-limit.js';

let db: TestDatabase;
let sim: RunningSimulator;
let deps: ProcessDeps;
let counter = 0;

beforeAll(async () => {
  db = await createTestDatabase('ipolar');
  // Demo users 5 and 10 are linked to Polar (70005, 70010).
  await seedDemo(db.pool, { users: 10, days: 1 });
});

beforeEach(async () => {
  sim = await startSimulator({ polarLimits: { shortLimit: 50, longLimit: 1_000 } });
  deps = {
    pool: db.pool,
    adapters: createIngestAdapters({
      call: callsTo([sim.url]),
      settings: { POLAR_API_URL: sim.url },
    }),
  };
});

afterEach(async () => {
  await sim.close();
});

afterAll(async () => {
  await db?.drop();
});

/** A new exercise of demo user `index` in the fake AccessLink, and the notice of its webhook. */
function announce(index = 5): { notice: PolarExerciseNotice; activity: SimActivity } {
  const user = demoUser(index);
  const activity: SimActivity = {
    provider: 'polar',
    externalId: polarEntityId(1_000_000 + counter++),
    user,
    name: 'Evening Ride',
    sport: 'ride',
    distanceM: 25_340.7,
    movingTimeS: 3_500,
    elapsedTimeS: 3_723,
    startMs: Date.UTC(2026, 10, 20, 17, 30, 0),
  };
  sim.world.putActivity(activity);
  const notice: PolarExerciseNotice = {
    event: 'EXERCISE',
    user_id: polarLinkOf(user)!.polarUserId,
    entity_id: activity.externalId,
    timestamp: '2026-11-20T19:00:00Z',
  };
  return { notice, activity };
}

function envelope(notice: PolarExerciseNotice): IngestEnvelope<'polar'> {
  return {
    provider: 'polar',
    kind: 'polar_exercise',
    eventId: 'x',
    receivedAt: new Date().toISOString(),
    body: notice,
  };
}

async function stored(externalId: string) {
  const { rows } = await db.pool.query(
    `SELECT user_id, type, distance_m::float AS d, moving_time_s, start_date, start_date_local::text AS local
       FROM activities WHERE provider = 'polar' AND external_id = $1`,
    [externalId],
  );
  return rows[0];
}

describe('Polar client', () => {
  it('reads an exercise with the user token and exposes the rate-limit headers', async () => {
    const seen: PolarRateLimit[] = [];
    const client = new PolarClient({
      baseUrl: sim.url,
      call: callsTo([sim.url]),
      onRateLimit: (r) => seen.push(r),
    });
    const { notice } = announce();
    const answer = await client.getExercise(polarTokenFor(notice.user_id), notice.entity_id);
    expect(answer.exercise.id).toBe(notice.entity_id);
    expect(answer.rateLimit).toMatchObject({
      usage: { short: 1, long: 1 },
      limit: { short: 50, long: 1_000 },
    });
    expect(client.lastRateLimit).toEqual(answer.rateLimit);
    expect(seen).toEqual([answer.rateLimit]);
  });

  it('turns 401, 404 and 429 into ProviderErrors, still reading the rate limits', async () => {
    const client = new PolarClient({ baseUrl: sim.url, call: callsTo([sim.url]) });
    const { notice } = announce();
    await expect(client.getExercise('pat.1.nope', notice.entity_id)).rejects.toMatchObject({
      failure: 'unauthorized',
    });
    await expect(client.getExercise(polarTokenFor(notice.user_id), 'PNOPE')).rejects.toMatchObject({
      failure: 'not_found',
    });
    expect(client.lastRateLimit?.usage).toEqual({ short: 2, long: 2 });
    await sim.close();
    sim = await startSimulator({ polarLimits: { shortLimit: 1, longLimit: 10 } });
    const limited = new PolarClient({ baseUrl: sim.url, call: callsTo([sim.url]) });
    const again = announce();
    await limited.getExercise(polarTokenFor(again.notice.user_id), again.notice.entity_id);
    const err = await limited
      .getExercise(polarTokenFor(again.notice.user_id), again.notice.entity_id)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).failure).toBe('rate_limited');
    expect((err as ProviderError).transient).toBe(true);
    expect((err as ProviderError).retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.lastRateLimit).toMatchObject({ usage: { short: 2 }, limit: { short: 1 } });
    expect(limited.lastRateLimit?.retryAfterSeconds).toBe((err as ProviderError).retryAfterSeconds);
  });

  it('only ever calls under its base URL, whatever the id says (no SSRF)', () => {
    expect(polarExerciseUrl('https://www.polaraccesslink.com', 'aQlC83').toString()).toBe(
      'https://www.polaraccesslink.com/v3/exercises/aQlC83',
    );
    expect(polarExerciseUrl('http://127.0.0.1:9400/polar/?x=1', 'aQlC83').toString()).toBe(
      'http://127.0.0.1:9400/polar/v3/exercises/aQlC83',
    );
    for (const bad of ['../users/1', 'a/b', '@evil.example', '%2e%2e', '', 'a'.repeat(65)]) {
      expect(() => polarExerciseUrl('https://www.polaraccesslink.com', bad)).toThrow(TypeError);
    }
  });
});

describe('the Polar ingest adapter', () => {
  it("stores a linked user's exercise: distance, start, local time at its offset, duration", async () => {
    const { notice, activity } = announce();
    expect(await processEnvelope(deps, envelope(notice))).toBe('created');
    // 17:30 UTC in Denver (user 5's zone, UTC-7 in November) is 10:30 local.
    expect(await stored(notice.entity_id)).toEqual({
      user_id: activity.user.id,
      type: 'CYCLING',
      d: 25_340.7,
      moving_time_s: 3_723,
      start_date: new Date('2026-11-20T17:30:00Z'),
      local: '2026-11-20 10:30:00',
    });
    // The same notice again (Polar re-sends) changes nothing.
    expect(await processEnvelope(deps, envelope(notice))).toBe('unchanged');
  });

  it('never fetches the url a notice came with: the envelope has none, the base URL decides', async () => {
    // A second server stands for a host a webhook's `url` might name: it must never be called.
    let hits = 0;
    const other = http.createServer((_req, res) => {
      hits += 1;
      res.end('{}');
    });
    const address: AddressInfo = await listen(other, '127.0.0.1', 0);
    try {
      const { notice } = announce();
      const withUrl = { ...notice, url: `${urlOf(address)}/v3/exercises/${notice.entity_id}` };
      expect(await processEnvelope(deps, envelope(withUrl))).toBe('created');
      expect(hits).toBe(0);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('skips an unknown Polar user', async () => {
    const { notice } = announce();
    expect(await processEnvelope(deps, envelope({ ...notice, user_id: 99_999 }))).toBe('skipped');
    expect(await stored(notice.entity_id)).toBeUndefined();
  });

  it('answers missing for an exercise Polar no longer has', async () => {
    const { notice } = announce();
    expect(await processEnvelope(deps, envelope({ ...notice, entity_id: 'PGONE' }))).toBe('missing');
  });

  it('deauthorizes a user whose token Polar refuses, and skips them afterwards', async () => {
    // Demo user 10 (Polar user 70010) alone loses access here; the other tests use user 5.
    const { notice } = announce(10);
    sim.world.polarAccess.revoke(notice.user_id);
    expect(await processEnvelope(deps, envelope(notice))).toBe('deauthorized');
    const { rows } = await db.pool.query(
      `SELECT deauthorized_at, access_token FROM provider_accounts WHERE provider = 'polar' AND external_user_id = $1`,
      [String(notice.user_id)],
    );
    expect(rows[0].deauthorized_at).toBeInstanceOf(Date);
    expect(rows[0].access_token).toBeNull();
    expect(await processEnvelope(deps, envelope(announce(10).notice))).toBe('skipped');
  });

  it('lets transient trouble through to be retried', async () => {
    const { notice } = announce();
    await sim.close();
    await expect(processEnvelope(deps, envelope(notice))).rejects.toMatchObject({
      failure: 'network',
      transient: true,
    });
    sim = await startSimulator();
  });
});
