import { createHash, timingSafeEqual } from 'node:crypto';
import { stravaEventId, stravaEventSchema, type Secret } from '@ops-cockpit/core';
import { HttpProblem } from '../http/problem.js';
import { fieldErrors } from '../http/field-errors.js';
import { REJECT_REASONS } from '../metrics.js';
import type { WebhookAdapter } from './adapter.js';
import type { Delivery } from './delivery.js';

/** Constant-time string equality; hashing first makes the lengths equal and hides the expected length. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The subscription check Strava makes when a subscription is created: echo `hub.challenge` if the verify
 * token is ours. Returns the answer body; throws HttpProblem otherwise.
 */
export function stravaHandshake(
  query: URLSearchParams,
  verifyToken: Secret | undefined,
): Record<string, string> {
  if (verifyToken === undefined) throw new HttpProblem('forbidden', 'STRAVA_VERIFY_TOKEN is not set');
  const token = query.get('hub.verify_token');
  if (token === null || !sameSecret(token, verifyToken.reveal())) {
    throw new HttpProblem('forbidden', 'hub.verify_token does not match');
  }
  if (query.get('hub.mode') !== 'subscribe') {
    throw new HttpProblem('bad-request', 'hub.mode must be subscribe', {
      errors: [{ field: 'hub.mode', message: 'expected "subscribe"' }],
    });
  }
  const challenge = query.get('hub.challenge');
  if (!challenge) {
    throw new HttpProblem('bad-request', 'hub.challenge is missing', {
      errors: [{ field: 'hub.challenge', message: 'required' }],
    });
  }
  return { 'hub.challenge': challenge };
}

/** One Strava event is one delivery and one envelope. `subscriptionId` 0 accepts any subscription. */
export function stravaDelivery(body: unknown, subscriptionId: number, receivedAt: string): Delivery {
  const parsed = stravaEventSchema.safeParse(body);
  if (!parsed.success) {
    throw new HttpProblem('validation-failed', 'the Strava event has missing or mistyped fields', {
      errors: fieldErrors(parsed.error.issues),
    });
  }
  const event = parsed.data;
  if (subscriptionId !== 0 && event.subscription_id !== subscriptionId) {
    return {
      items: [],
      rejected: { reason: REJECT_REASONS.subscriptionMismatch, count: 1 },
      // Never the right id: a forger would learn the one value that makes its events pass.
      refusal: 'subscription_id does not match this endpoint',
    };
  }
  return {
    items: [
      {
        envelope: {
          provider: 'strava',
          kind: 'strava_event',
          eventId: stravaEventId(event),
          receivedAt,
          body: event,
        },
        objectType: event.object_type,
        aspectType: event.aspect_type,
      },
    ],
  };
}

/** Strava's answers, rendered once. */
const STRAVA_ACCEPTED = JSON.stringify({ status: 'accepted' });
const STRAVA_DUPLICATE = JSON.stringify({ status: 'accepted', duplicate: true });

/** Strava: a GET subscription check, then one signed-by-subscription event per POST (it does not sign bodies). */
export const stravaWebhook: WebhookAdapter<'strava'> = {
  provider: 'strava',
  path: '/api/webhooks/strava',
  methods: ['GET', 'POST'],
  // Events only: the GET handshake is Strava's own check of the verify token.
  urlToken: (ctx) => ({ secret: ctx.settings.stravaWebhookToken, variable: 'STRAVA_WEBHOOK_TOKEN' }),
  eventLabels: ['activity', 'athlete'].flatMap((object) =>
    ['create', 'update', 'delete'].map((aspect) => [object, aspect] as const),
  ),
  rejectReasons: [REJECT_REASONS.subscriptionMismatch],
  handshake: (query, ctx) => stravaHandshake(query, ctx.settings.stravaVerifyToken),
  deliver: (body, receivedAt, ctx) => stravaDelivery(body, ctx.settings.stravaSubscriptionId, receivedAt),
  accepted: (_appended, duplicates) => (duplicates ? STRAVA_DUPLICATE : STRAVA_ACCEPTED),
};
