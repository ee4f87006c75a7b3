import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  listen,
  polarNotice,
  polarWebhookSchema,
  urlOf,
  type PolarExerciseNotice,
  type Provider,
} from '@ops-cockpit/core';
import { createTestDatabase, type TestDatabase } from '@ops-cockpit/core/testing';
// The simulator is the provider here: its real HTTP server and fake AccessLink, on loopback.
import {
  PolarApiFake,
  createPolarTraffic,
  demoUser,
  mulberry32,
  polarTokenFor,
  seedDemo,
} from '../../simulator/src/index.js';
import { startSimulator, type RunningSimulator } from '../../simulator/test/helpers.js';
import { deauthorize, findAccount } from '../src/ingest/accounts.js';
import { ProviderError } from '../src/providers/errors.js';
import { PolarClient, polarExerciseUrl } from '../src/providers/polar-client.js';
import { preparePolarExercise, type PolarIngestDeps } from '../src/providers/polar-ingest.js';
import type { PolarRateLimit } from '../src/providers/polar-rate-limit.js';

// 'polar' joins core's Provider union together with the adapter registries; the schema accepts it already.
const POLAR = 'polar' as Provider;

let db: TestDatabase;
let sim: RunningSimulator;
let seen: PolarRateLimit[];
let client: PolarClient;
let deps: PolarIngestDeps;

beforeAll(async () => {
  db = await createTestDatabase('ipolar');
  await seedDemo(db.pool, { users: 10, days: 1 });
});

beforeEach(async () => {
  sim = await startSimulator({ polar: new PolarApiFake({ shortLimit: 50, longLimit: 1_000 }) });
  seen = [];
  client = new PolarClient({ baseUrl: sim.url, timeoutMs: 2_000, onRateLimit: (r) => seen.push(r) });
  deps = {
    client,
    account: (id) => findAccount(db.pool, POLAR, id),
    deauthorize: (id) => deauthorize(db.pool, POLAR, id),
  };
});

afterEach(async () => {
  await sim.close();
});

afterAll(async () => {
  await db?.drop();
});

/** A new exercise of demo user `index` in the fake API, and the notice its signed webhook carries. */
function announce(seed: number, index = 5): PolarExerciseNotice {
  const traffic = createPolarTraffic({
    api: sim.polar,
    users: [demoUser(index)],
    rng: mulberry32(seed),
    secret: 'polar-signature-secret-key-0123',
    idBase: seed * 1_000,
  });
  const event = polarWebhookSchema.parse(JSON.parse(traffic.exercise(Date.now()).body));
  if (event.event !== 'EXERCISE') throw new Error('expected an exercise');
  return polarNotice(event);
}

describe('Polar client', () => {
  it('reads an exercise with the user token and exposes the rate-limit headers', async () => {
    const notice = announce(1);
    const answer = await client.getExercise(polarTokenFor(notice.user_id), notice.entity_id);
    expect(answer.exercise.id).toBe(notice.entity_id);
    expect(answer.rateLimit).toMatchObject({
      usage: { short: 1, long: 1 },
      limit: { short: 50, long: 1_000 },
    });
    expect(client.lastRateLimit).toEqual(answer.rateLimit);
    expect(seen).toHaveLength(1);
  });

  it('turns 401, 404 and 429 into ProviderErrors, still reading the rate limits', async () => {
    const notice = announce(2);
    await expect(client.getExercise('pat.1.nope', notice.entity_id)).rejects.toMatchObject({
      failure: 'unauthorized',
    });
    await expect(client.getExercise(polarTokenFor(notice.user_id), 'PNOPE')).rejects.toMatchObject({
      failure: 'not_found',
    });
    await sim.close();
    sim = await startSimulator({ polar: new PolarApiFake({ shortLimit: 1, longLimit: 10 }) });
    const limited = new PolarClient({ baseUrl: sim.url, timeoutMs: 2_000 });
    const again = announce(3);
    await limited.getExercise(polarTokenFor(again.user_id), again.entity_id);
    const err = await limited
      .getExercise(polarTokenFor(again.user_id), again.entity_id)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).failure).toBe('rate_limited');
    expect((err as ProviderError).transient).toBe(true);
    expect((err as ProviderError).retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.lastRateLimit).toMatchObject({ usage: { short: 2 }, limit: { short: 1 } });
    expect(limited.lastRateLimit?.retryAfterSeconds).toBe((err as ProviderError).retryAfterSeconds);
  });

  it('only ever calls under its base URL, whatever the id says (no SSRF)', async () => {
    expect(polarExerciseUrl('https://www.polaraccesslink.com', 'aQlC83').toString()).toBe(
      'https://www.polaraccesslink.com/v3/exercises/aQlC83',
    );
    expect(polarExerciseUrl('http://127.0.0.1:9400/polar/?x=1', 'aQlC83').toString()).toBe(
      'http://127.0.0.1:9400/polar/v3/exercises/aQlC83',
    );
    for (const bad of ['../users/1', 'a/b', '@evil.example', '%2e%2e', '', 'a'.repeat(65)]) {
      expect(() => polarExerciseUrl('https://www.polaraccesslink.com', bad)).toThrow(TypeError);
    }
    // A second server stands for the host a webhook's `url` might name: it must never be called.
    let hits = 0;
    const other = http.createServer((_req, res) => {
      hits += 1;
      res.end('{}');
    });
    const address: AddressInfo = await listen(other, '127.0.0.1', 0);
    try {
      const notice = announce(4);
      const event = { ...notice, url: `${urlOf(address)}/v3/exercises/${notice.entity_id}` };
      const prepared = await preparePolarExercise(deps, polarNotice({ ...event, event: 'EXERCISE' }));
      expect(prepared).toHaveProperty('fields');
      expect(hits).toBe(0);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});

describe('preparePolarExercise', () => {
  it("maps a linked user's exercise with the seeded token", async () => {
    const notice = announce(5);
    const stored = sim.polar.exercise(notice.entity_id)!;
    const prepared = await preparePolarExercise(deps, notice);
    expect(prepared).toEqual({
      fields: {
        externalId: notice.entity_id,
        userId: stored.user.id,
        type: { run: 'RUNNING', ride: 'CYCLING', walk: 'WALKING' }[stored.sport],
        distanceM: stored.distanceM,
        movingTimeS: stored.elapsedTimeS,
        startDate: new Date(Math.floor(stored.startMs / 1000) * 1000),
        startDateLocal: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/),
        sourceUpdatedAt: new Date(notice.timestamp),
      },
    });
  });

  it('skips an unknown Polar user without calling Polar', async () => {
    const notice = { ...announce(6), user_id: 99_999 };
    expect(await preparePolarExercise(deps, notice)).toEqual({ outcome: 'skipped' });
    expect(seen).toHaveLength(0);
  });

  it('answers missing for an exercise Polar no longer has', async () => {
    const notice = { ...announce(7), entity_id: 'PGONE' };
    expect(await preparePolarExercise(deps, notice)).toEqual({ outcome: 'missing' });
  });

  it('deauthorizes a user whose token Polar refuses, and skips them afterwards', async () => {
    // Demo user 10 (Polar user 70010) alone loses access here; the other tests use user 5.
    const notice = announce(8, 10);
    expect(notice.user_id).toBe(70_010);
    sim.polar.revoke(notice.user_id);
    expect(await preparePolarExercise(deps, notice)).toEqual({ outcome: 'deauthorized' });
    const { rows } = await db.pool.query(
      `SELECT deauthorized_at, access_token FROM provider_accounts WHERE provider = 'polar' AND external_user_id = $1`,
      [String(notice.user_id)],
    );
    expect(rows[0].deauthorized_at).toBeInstanceOf(Date);
    expect(rows[0].access_token).toBeNull();
    expect(await preparePolarExercise(deps, announce(18, 10))).toEqual({ outcome: 'skipped' });
  });

  it('lets transient trouble through to be retried', async () => {
    const notice = announce(9);
    await sim.close();
    await expect(preparePolarExercise(deps, notice)).rejects.toMatchObject({
      failure: 'network',
      transient: true,
    });
    sim = await startSimulator();
  });
});
