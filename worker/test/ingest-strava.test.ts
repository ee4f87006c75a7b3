import type { IngestEnvelope, StravaEvent } from '@ops-cockpit/core';
import { createTestDatabase, type TestDatabase } from '@ops-cockpit/core/testing';
// The simulator is the provider here: its real HTTP server and world, on loopback.
import { generateDeliveries, idBaseFor, seedDemo } from '../../simulator/src/index.js';
import { startSimulator, type RunningSimulator } from '../../simulator/test/helpers.js';
import { processEnvelope, type ProcessDeps } from '../src/ingest/process.js';
import { ProviderError } from '../src/providers/errors.js';
import { createIngestAdapters } from '../src/ingest/registry.js';
import { callsTo } from './calls-support.js';

let db: TestDatabase;
let sim: RunningSimulator;
let deps: ProcessDeps;
let creates: StravaEvent[];

beforeAll(async () => {
  db = await createTestDatabase('istrava');
  sim = await startSimulator();
  await seedDemo(db.pool, { users: 10, days: 1 });
  deps = {
    pool: db.pool,
    adapters: createIngestAdapters({
      call: callsTo([sim.url]),
      settings: { STRAVA_API_URL: sim.url },
    }),
  };
  const deliveries = generateDeliveries({
    world: sim.world,
    seed: 7,
    simulatorUrl: sim.url,
    subscriptionId: 0,
    idBase: idBaseFor(Date.now()),
    count: 120,
    startMs: Date.now(),
  });
  creates = deliveries
    .filter((d) => d.provider === 'strava' && d.action === 'create')
    .map((d) => JSON.parse(d.body) as StravaEvent)
    // Later generated events may have deleted some again; keep those the API still serves.
    .filter((e) => sim.world.activity('strava', String(e.object_id)) !== undefined);
  expect(creates.length).toBeGreaterThan(4);
});

afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

function envelope(e: StravaEvent): IngestEnvelope {
  return {
    provider: 'strava',
    kind: 'strava_event',
    eventId: 'x',
    receivedAt: new Date().toISOString(),
    body: e,
  };
}

/** The athlete update Strava sends when an athlete withdraws the app's access (or a forger claims so). */
function revoked(athleteId: number): StravaEvent {
  return {
    object_type: 'athlete',
    object_id: athleteId,
    aspect_type: 'update',
    updates: { authorized: 'false' },
    owner_id: athleteId,
    subscription_id: 0,
    event_time: Math.floor(Date.now() / 1000),
  };
}

async function stored(id: number) {
  const { rows } = await db.pool.query(
    `SELECT distance_m::float AS d, deleted_at FROM activities WHERE provider = 'strava' AND external_id = $1`,
    [String(id)],
  );
  return rows[0];
}

it('fetches the activity with the athlete token, refreshing the expired seeded one first', async () => {
  const e = creates[0]!;
  const before = await db.pool.query(
    `SELECT access_token FROM provider_accounts WHERE external_user_id = $1`,
    [String(e.owner_id)],
  );
  expect(await processEnvelope(deps, envelope(e))).toBe('created');
  const api = sim.world.activity('strava', String(e.object_id))!;
  expect((await stored(e.object_id)).d).toBeCloseTo(api.distanceM, 3);
  const after = await db.pool.query(
    `SELECT access_token, token_expires_at FROM provider_accounts WHERE external_user_id = $1`,
    [String(e.owner_id)],
  );
  expect(after.rows[0].access_token).not.toBe(before.rows[0].access_token);
  expect(after.rows[0].token_expires_at.getTime()).toBeGreaterThan(Date.now());
});

it('refreshes and retries once when Strava answers 401 to a token it had issued', async () => {
  const e = creates[1]!;
  await processEnvelope(deps, envelope(creates[0]!)); // the account holds a fresh token now
  await fetch(`${sim.url}/control/tokens/expire`, { method: 'POST' });
  expect(await processEnvelope(deps, envelope(e))).toBe('created');
});

it('turns 429 and 5xx into transient errors carrying Retry-After, and leaves nothing written', async () => {
  const e = creates[2]!;
  await fetch(`${sim.url}/control/strava`, {
    method: 'PUT',
    body: JSON.stringify({ errorRate: 1, errorStatus: 429, retryAfterSeconds: 30 }),
  });
  try {
    const err = await processEnvelope(deps, envelope(e)).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).transient).toBe(true);
    expect((err as ProviderError).retryAfterSeconds).toBe(30);
    expect(await stored(e.object_id)).toBeUndefined();
  } finally {
    await fetch(`${sim.url}/control/reset`, { method: 'POST' });
  }
  expect(await processEnvelope(deps, envelope(e))).toBe('created');
});

it('treats an activity gone at Strava as missing, not as an error to retry', async () => {
  const e = creates[3]!;
  sim.world.deleteActivity('strava', String(e.object_id));
  expect(await processEnvelope(deps, envelope(e))).toBe('missing');
  expect(await stored(e.object_id)).toBeUndefined();
});

it('applies a delete only once Strava confirms it: 404 for the activity with the athlete token', async () => {
  const e = creates[0]!; // stored and live since the first test
  const forged: StravaEvent = {
    ...e,
    aspect_type: 'delete',
    updates: {},
    // After the create it deletes: generated event times run up to 12 s ahead of the clock.
    event_time: e.event_time + 1,
  };
  expect(await processEnvelope(deps, envelope(forged))).toBe('unconfirmed');
  expect((await stored(e.object_id)).deleted_at).toBeNull();
  sim.world.deleteActivity('strava', String(e.object_id)); // the athlete deletes it at Strava
  expect(await processEnvelope(deps, envelope(forged))).toBe('deleted');
  expect((await stored(e.object_id)).deleted_at).not.toBeNull();
});

it('deauthorizes only when Strava refuses the athlete token, refreshed or not', async () => {
  const e = creates[1]!;
  const forged = revoked(e.owner_id);
  expect(await processEnvelope(deps, envelope(forged))).toBe('unconfirmed');
  const { rows } = await db.pool.query(
    `SELECT deauthorized_at FROM provider_accounts WHERE provider = 'strava' AND external_user_id = $1`,
    [String(e.owner_id)],
  );
  expect(rows[0].deauthorized_at).toBeNull();
});

it('deauthorizes an athlete who revoked access, and skips their later events', async () => {
  const e = creates[4]!;
  sim.world.revokeAthlete(e.owner_id); // withdrawn at Strava: the tokens are refused from now on
  const deauth = revoked(e.owner_id);
  expect(await processEnvelope(deps, envelope(deauth))).toBe('deauthorized');
  const { rows } = await db.pool.query(
    `SELECT deauthorized_at, access_token FROM provider_accounts WHERE provider = 'strava' AND external_user_id = $1`,
    [String(e.owner_id)],
  );
  expect(rows[0].deauthorized_at).not.toBeNull();
  expect(rows[0].access_token).toBeNull();
  expect(await processEnvelope(deps, envelope(e))).toBe('skipped');
});
