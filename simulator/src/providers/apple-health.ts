import { signWebhook } from '@ops-cockpit/core';
import { appleWorkout } from '../provider-payloads.js';
import { hexString } from '../prng.js';
import { DEMO_NAMESPACE } from '../roster.js';
import { uuidV5 } from '../uuid.js';
import type { Delivery, SimProvider, TrafficSettings } from './adapter.js';

const PATH = '/api/webhooks/apple-health';

/** A Standard Webhooks delivery: a re-delivery keeps its message id, with a new timestamp and signature. */
function signed(
  action: string,
  body: string,
  messageId: string,
  nowMs: number,
  settings: TrafficSettings,
): Delivery {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    provider: 'apple_health',
    action,
    path: PATH,
    headers: {
      'Content-Type': 'application/json',
      'webhook-id': messageId,
      'webhook-timestamp': String(timestamp),
      // Only sent when `sends` allowed it, so the secret is set.
      'webhook-signature': signWebhook(settings.appleSecret!, messageId, timestamp, body),
    },
    body,
  };
}

/** Apple Health: the app's iOS client posts signed workouts with its own user ids; there is no API to fake. */
export const appleHealthSim: SimProvider<'apple_health'> = {
  provider: 'apple_health',
  webhookPath: PATH,
  sends: (settings) => Boolean(settings.appleSecret),
  deliver(action, nowMs, kit) {
    const { world, rng } = kit;
    let workout;
    if (action === 'update') {
      workout = appleWorkout(kit.revise(world.randomLive('apple_health', rng)!));
    } else if (action === 'delete') {
      const gone = world.randomLive('apple_health', rng)!;
      world.deleteActivity('apple_health', gone.externalId);
      workout = appleWorkout(gone, { deleted: true });
    } else {
      const id = uuidV5(`workout-${kit.nextId()}`, DEMO_NAMESPACE).toUpperCase();
      workout = appleWorkout(kit.newActivity('apple_health', id, nowMs));
    }
    const body = JSON.stringify({ workouts: [workout] });
    const messageId = `msg_${hexString(rng, 26)}`;
    kit.remember('apple_health', { action, body, messageId });
    return signed(action, body, messageId, nowMs, kit.settings);
  },
  redeliver: (previous, nowMs, kit) =>
    signed('duplicate', previous.body, previous.messageId!, nowMs, kit.settings),
  // The worker stores the workout's start-to-end span: elapsed time.
  reportedMovingTimeS: (a) => a.elapsedTimeS,
  seedExternalId: (user, n) => uuidV5(`seed-workout-${user.index}-${n}`, DEMO_NAMESPACE).toUpperCase(),
  seedAccount: (user) => ({
    externalUserId: user.id,
    accessToken: null,
    refreshToken: null,
    tokenExpiresAt: null,
    scopes: null,
  }),
};
