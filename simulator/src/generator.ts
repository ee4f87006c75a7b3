import { signWebhook, type Provider } from '@ops-cockpit/core';
import {
  DEFAULT_EVENT_MIX,
  nextEvent,
  validateEventMix,
  withoutProviders,
  type EventMix,
} from './event-mix.js';
import { appleWorkout, garminSummary } from './provider-payloads.js';
import { hexString, intBetween, mulberry32, pick, type Rng } from './prng.js';
import { DEMO_NAMESPACE } from './roster.js';
import { uuidV5 } from './uuid.js';
import { planActivity, revisedWorkout, ACTIVITY_TYPES } from './workouts.js';
import type { SimActivity, World } from './world.js';

/**
 * Turns the event mix into concrete webhook deliveries, changing the world first so that what a webhook
 * announces is what the simulated API then returns. Deterministic for a given seed, id base and clock, so tests
 * can replay it; the only I/O-free clock input is the `nowMs` passed to `next`.
 */

export const WEBHOOK_PATHS: Readonly<Record<Provider, string>> = {
  strava: '/api/webhooks/strava',
  garmin: '/api/webhooks/garmin',
  apple_health: '/api/webhooks/apple-health',
};

export interface Delivery {
  provider: Provider;
  action: string;
  /** Path on the exporter. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface GeneratorOptions {
  world: World;
  seed: number;
  /** This simulator's base URL, for Garmin ping callbacks. */
  simulatorUrl: string;
  /** Strava's subscription id in every event (the exporter refuses another when it has one configured). */
  subscriptionId: number;
  /** Standard Webhooks secret for Apple Health; without it no Apple deliveries are made (they would be refused). */
  appleSecret?: string;
  mix?: EventMix;
  /** New ids count up from here; each run takes its own base so a restarted simulator never reuses an id. */
  idBase: number;
  /** New activities started within this many days (people sync late), so the 7-day heatmap fills fast. */
  historyDays?: number;
  /** Past deliveries per provider kept for re-sending as duplicates. */
  duplicateWindow?: number;
}

export interface EventGenerator {
  next(nowMs: number): Delivery;
}

interface Sent {
  action: string;
  body: string;
  /** Standard Webhooks message id: a re-delivery keeps it, with a new timestamp and signature. */
  messageId?: string;
}

const STRAVA_TITLES = ['Easy', 'Tempo', 'Long', 'Recovery', 'Commute', 'Hill repeats'] as const;

export function createEventGenerator(opts: GeneratorOptions): EventGenerator {
  const { world } = opts;
  if (world.activeUsers.length === 0)
    throw new Error('the world has no active users to generate traffic for');
  if (!Number.isSafeInteger(opts.idBase) || opts.idBase < 1) {
    throw new Error(`idBase must be a positive safe integer, got ${opts.idBase}`);
  }
  const rng: Rng = mulberry32(opts.seed);
  const baseMix = validateEventMix(opts.mix ?? DEFAULT_EVENT_MIX);
  const mix = opts.appleSecret ? baseMix : withoutProviders(baseMix, ['apple_health']);
  const historyDays = opts.historyDays ?? 7;
  const window = opts.duplicateWindow ?? 50;
  const sent: Record<Provider, Sent[]> = { strava: [], garmin: [], apple_health: [] };
  let counter = 0;
  const nextId = () => opts.idBase + counter++;

  const remember = (provider: Provider, entry: Sent) => {
    const list = sent[provider];
    list.push(entry);
    if (list.length > window) list.shift();
  };

  const newActivity = (
    provider: Provider,
    externalId: string,
    nowMs: number,
    user = pick(rng, world.activeUsers),
  ) => {
    const a = planActivity(rng, {
      provider,
      externalId,
      user,
      window: { endMs: nowMs, days: historyDays, latestMs: nowMs - 5 * 60_000 },
    });
    world.putActivity(a);
    return a;
  };

  const revise = (a: SimActivity): SimActivity => {
    const revised = { ...a, ...revisedWorkout(rng, a) };
    world.putActivity(revised);
    return revised;
  };

  const json = (provider: Provider, action: string, body: unknown): Delivery => {
    const text = JSON.stringify(body);
    remember(provider, { action, body: text });
    return {
      provider,
      action,
      path: WEBHOOK_PATHS[provider],
      headers: { 'Content-Type': 'application/json' },
      body: text,
    };
  };

  const apple = (action: string, body: string, messageId: string, nowMs: number): Delivery => {
    const timestamp = Math.floor(nowMs / 1000);
    return {
      provider: 'apple_health',
      action,
      path: WEBHOOK_PATHS.apple_health,
      headers: {
        'Content-Type': 'application/json',
        'webhook-id': messageId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(opts.appleSecret!, messageId, timestamp, body),
      },
      body,
    };
  };

  function strava(action: string, nowMs: number): Delivery {
    const event = (a: SimActivity, aspect: 'create' | 'update' | 'delete', updates: Record<string, string>) =>
      json('strava', action, {
        aspect_type: aspect,
        event_time: Math.floor(nowMs / 1000),
        object_id: Number(a.externalId),
        object_type: 'activity',
        owner_id: a.user.stravaAthleteId,
        subscription_id: opts.subscriptionId,
        updates,
      });
    if (action === 'update') {
      const before = world.randomLive('strava', rng)!;
      const title = `${pick(rng, STRAVA_TITLES)} ${ACTIVITY_TYPES.strava[before.sport]}`;
      const after = revise({ ...before, name: title });
      return event(after, 'update', { title });
    }
    if (action === 'delete') {
      const gone = world.randomLive('strava', rng)!;
      world.deleteActivity('strava', gone.externalId);
      return event(gone, 'delete', {});
    }
    return event(newActivity('strava', String(nextId()), nowMs), 'create', {});
  }

  function garmin(action: string, nowMs: number): Delivery {
    if (action === 'ping') {
      const user = pick(rng, world.activeUsers);
      const callbackId = `cb${nextId()}`;
      const summaries = Array.from({ length: intBetween(rng, 1, 3) }, () =>
        garminSummary(newActivity('garmin', `sim-${nextId()}`, nowMs, user)),
      );
      world.registerGarminCallback(callbackId, summaries);
      const end = Math.floor(nowMs / 1000);
      return json('garmin', action, {
        activities: [
          {
            userId: user.garminUserId,
            userAccessToken: user.garminAccessToken,
            uploadStartTimeInSeconds: end - 3600,
            uploadEndTimeInSeconds: end,
            callbackURL: `${opts.simulatorUrl}/garmin/callback/${callbackId}`,
          },
        ],
      });
    }
    const a =
      action === 'update'
        ? revise(world.randomLive('garmin', rng)!)
        : newActivity('garmin', `sim-${nextId()}`, nowMs);
    return json('garmin', action, { activities: [garminSummary(a)] });
  }

  function appleHealth(action: string, nowMs: number): Delivery {
    let workout;
    if (action === 'update') {
      workout = appleWorkout(revise(world.randomLive('apple_health', rng)!));
    } else if (action === 'delete') {
      const gone = world.randomLive('apple_health', rng)!;
      world.deleteActivity('apple_health', gone.externalId);
      workout = appleWorkout(gone, { deleted: true });
    } else {
      const id = uuidV5(`workout-${nextId()}`, DEMO_NAMESPACE).toUpperCase();
      workout = appleWorkout(newActivity('apple_health', id, nowMs));
    }
    const body = JSON.stringify({ workouts: [workout] });
    const messageId = `msg_${hexString(rng, 26)}`;
    remember('apple_health', { action, body, messageId });
    return apple(action, body, messageId, nowMs);
  }

  return {
    next(nowMs: number): Delivery {
      const planned = nextEvent(rng, mix, {
        liveActivities: (p) => world.liveCount(p),
        hasDelivered: (p) => sent[p].length > 0,
      });
      if (planned.action === 'duplicate') {
        const previous = pick(rng, sent[planned.provider]);
        if (planned.provider === 'apple_health') {
          return apple('duplicate', previous.body, previous.messageId!, nowMs);
        }
        return {
          provider: planned.provider,
          action: 'duplicate',
          path: WEBHOOK_PATHS[planned.provider],
          headers: { 'Content-Type': 'application/json' },
          body: previous.body,
        };
      }
      if (planned.provider === 'strava') return strava(planned.action, nowMs);
      if (planned.provider === 'garmin') return garmin(planned.action, nowMs);
      return appleHealth(planned.action, nowMs);
    },
  };
}

/** A fixed batch, one delivery every `intervalMs` from `startMs`: what tests and load scripts replay. */
export function generateDeliveries(
  opts: GeneratorOptions & { count: number; startMs: number; intervalMs?: number },
): Delivery[] {
  const generator = createEventGenerator(opts);
  return Array.from({ length: opts.count }, (_, i) =>
    generator.next(opts.startMs + i * (opts.intervalMs ?? 100)),
  );
}

/** A run's id base: distinct across restarts (seconds since the epoch x 100 000 leaves room for any rate). */
export function idBaseFor(nowMs: number): number {
  return Math.floor(nowMs / 1000) * 100_000;
}
