import { createHmac } from 'node:crypto';
import {
  appleDeliverySchema,
  garminActivitySchema,
  garminNotificationSchema,
  isGarminPing,
  stravaActivitySchema,
  stravaEventSchema,
} from '@ops-cockpit/core';
import {
  World,
  demoRoster,
  generateDeliveries,
  stravaDetailedActivity,
  type Delivery,
  type GeneratorOptions,
} from '../src/index.js';

const START = Date.UTC(2026, 10, 26, 18, 0, 0);
const RAW_SECRET = 'apple-health-demo-secret-0123456789';
const WHSEC_SECRET = `whsec_${Buffer.from('a-binary-key-of-some-length!').toString('base64')}`;

function options(overrides: Partial<GeneratorOptions> = {}): GeneratorOptions {
  return {
    world: new World({ roster: demoRoster() }),
    seed: 1234,
    simulatorUrl: 'http://127.0.0.1:9400',
    subscriptionId: 777,
    appleSecret: RAW_SECRET,
    idBase: 5_000_000,
    ...overrides,
  };
}

/** The Standard Webhooks computation written out independently of the code under test. */
function expectedSignature(secret: string, d: Delivery): string {
  const key = secret.startsWith('whsec_')
    ? Buffer.from(secret.slice(6), 'base64')
    : Buffer.from(secret, 'utf8');
  const mac = createHmac('sha256', key)
    .update(`${d.headers['webhook-id']}.${d.headers['webhook-timestamp']}.${d.body}`)
    .digest('base64');
  return `v1,${mac}`;
}

describe('traffic generator', () => {
  it('replays exactly for a fixed seed and count, and differs for another seed', () => {
    const a = generateDeliveries({ ...options(), count: 500, startMs: START });
    const b = generateDeliveries({ ...options(), count: 500, startMs: START });
    const c = generateDeliveries({ ...options({ seed: 4321 }), count: 500, startMs: START });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('produces bodies the exporter accepts, for all three providers and every action', () => {
    const deliveries = generateDeliveries({ ...options(), count: 3_000, startMs: START });
    const seen = new Set<string>();
    for (const d of deliveries) {
      seen.add(`${d.provider}:${d.action}`);
      const body: unknown = JSON.parse(d.body);
      if (d.provider === 'strava') {
        expect(d.path).toBe('/api/webhooks/strava');
        const e = stravaEventSchema.parse(body);
        expect(e.subscription_id).toBe(777);
        expect(e.object_type).toBe('activity');
        expect(Object.keys(body as object)).toEqual([
          'aspect_type',
          'event_time',
          'object_id',
          'object_type',
          'owner_id',
          'subscription_id',
          'updates',
        ]);
      } else if (d.provider === 'garmin') {
        expect(d.path).toBe('/api/webhooks/garmin');
        garminNotificationSchema.parse(body);
      } else {
        expect(d.path).toBe('/api/webhooks/apple-health');
        appleDeliverySchema.parse(body);
      }
    }
    expect([...seen].sort()).toEqual(
      [
        'apple_health:create',
        'apple_health:delete',
        'apple_health:duplicate',
        'apple_health:update',
        'garmin:duplicate',
        'garmin:ping',
        'garmin:push',
        'garmin:update',
        'strava:create',
        'strava:delete',
        'strava:duplicate',
        'strava:update',
      ].sort(),
    );
  });

  it('re-sends duplicates byte for byte', () => {
    const deliveries = generateDeliveries({ ...options(), count: 2_000, startMs: START });
    const bodies = new Set<string>();
    for (const d of deliveries) {
      if (d.action === 'duplicate') expect(bodies.has(d.body)).toBe(true);
      else bodies.add(d.body);
    }
  });

  it.each([
    ['raw', RAW_SECRET],
    ['whsec_', WHSEC_SECRET],
  ])('signs Apple Health deliveries as Standard Webhooks (%s secret)', (_label, secret) => {
    const deliveries = generateDeliveries({
      ...options({ appleSecret: secret }),
      count: 600,
      startMs: START,
    });
    const apple = deliveries.filter((d) => d.provider === 'apple_health');
    expect(apple.length).toBeGreaterThan(50);
    const firstIdOf = new Map<string, string>();
    for (const d of apple) {
      expect(d.headers['webhook-signature']).toBe(expectedSignature(secret, d));
      expect(d.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
      // A re-delivery keeps its message id, as Standard Webhooks retries do.
      const first = firstIdOf.get(d.body);
      if (first) expect(d.headers['webhook-id']).toBe(first);
      else firstIdOf.set(d.body, d.headers['webhook-id']!);
    }
    for (const d of apple) {
      const { workouts } = appleDeliverySchema.parse(JSON.parse(d.body));
      expect(demoRoster().some((u) => u.id === workouts[0]!.userId)).toBe(true);
    }
  });

  it('makes no Apple Health traffic without a secret', () => {
    const deliveries = generateDeliveries({
      ...options({ appleSecret: undefined }),
      count: 500,
      startMs: START,
    });
    expect(deliveries.some((d) => d.provider === 'apple_health')).toBe(false);
  });

  it('keeps the world in step with what it announces', () => {
    const opts = options();
    const deliveries = generateDeliveries({ ...opts, count: 1_500, startMs: START });
    const lastStrava = new Map<number, string>();
    for (const d of deliveries.filter((x) => x.provider === 'strava' && x.action !== 'duplicate')) {
      const e = stravaEventSchema.parse(JSON.parse(d.body));
      lastStrava.set(e.object_id, e.aspect_type);
    }
    for (const [id, aspect] of lastStrava) {
      const a = opts.world.activity('strava', String(id));
      if (aspect === 'delete') {
        expect(a).toBeUndefined();
      } else {
        const detailed = stravaActivitySchema.parse(stravaDetailedActivity(a!));
        expect(detailed.id).toBe(id);
      }
    }
    const pings = deliveries
      .filter((d) => d.action === 'ping')
      .flatMap((d) => garminNotificationSchema.parse(JSON.parse(d.body)).activities);
    expect(pings.length).toBeGreaterThan(10);
    for (const ping of pings) {
      if (!isGarminPing(ping)) throw new Error('ping expected');
      const callbackId = ping.callbackURL.split('/').pop()!;
      expect(ping.callbackURL.startsWith('http://127.0.0.1:9400/garmin/callback/')).toBe(true);
      const summaries = opts.world.garminCallback(callbackId)!;
      expect(summaries.length).toBeGreaterThanOrEqual(1);
      for (const s of summaries) expect(garminActivitySchema.parse(s).userId).toBe(ping.userId);
    }
  });

  it('only speaks for active users', () => {
    const opts = options();
    const active = new Set(opts.world.activeUsers.map((u) => u.stravaAthleteId));
    for (const d of generateDeliveries({ ...opts, count: 1_000, startMs: START })) {
      if (d.provider !== 'strava') continue;
      expect(active.has(stravaEventSchema.parse(JSON.parse(d.body)).owner_id)).toBe(true);
    }
  });
});
