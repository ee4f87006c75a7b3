import {
  appleDeliverySchema,
  appleWorkoutId,
  verifyWebhook,
  type IngestEnvelope,
  type Secret,
  type SignatureFailure,
} from '@ops-cockpit/core';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpProblem } from '../http/problem.js';
import { fieldErrors } from '../http/field-errors.js';
import { countedAnswer, type WebhookAdapter } from './adapter.js';
import type { Delivery } from './delivery.js';

const SIGNATURE_DETAIL: Record<SignatureFailure, string> = {
  missing_headers: 'webhook-id, webhook-timestamp and webhook-signature are required',
  bad_timestamp: 'webhook-timestamp must be unix seconds',
  stale_timestamp: 'webhook-timestamp is more than 5 minutes from now',
  bad_signature: 'no webhook-signature matches the body',
};

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(' ') : value;
}

/** Standard Webhooks check of the raw body, made before it is parsed. Throws HttpProblem (401) when it fails. */
export function verifyAppleSignature(
  headers: IncomingHttpHeaders,
  body: Buffer,
  secret: Secret,
  nowSeconds: number,
): void {
  const failure = verifyWebhook({
    secret: secret.reveal(),
    id: header(headers, 'webhook-id'),
    timestamp: header(headers, 'webhook-timestamp'),
    signature: header(headers, 'webhook-signature'),
    body,
    nowSeconds,
  });
  if (failure) throw new HttpProblem('unauthorized', SIGNATURE_DETAIL[failure], { reason: failure });
}

/** Workouts posted by the app's iOS client: one envelope per workout. */
export function appleDelivery(body: unknown, receivedAt: string): Delivery {
  const parsed = appleDeliverySchema.safeParse(body);
  if (!parsed.success) {
    throw new HttpProblem('validation-failed', 'the Apple Health delivery has missing or mistyped fields', {
      errors: fieldErrors(parsed.error.issues),
    });
  }
  return {
    items: parsed.data.workouts.map((workout) => {
      const envelope: IngestEnvelope<'apple_health'> = {
        provider: 'apple_health',
        kind: 'apple_workout',
        eventId: appleWorkoutId(workout),
        receivedAt,
        body: workout,
      };
      return { envelope, objectType: 'workout', aspectType: workout.deleted ? 'delete' : 'create' };
    }),
  };
}

/** The app's iOS client posts HealthKit workouts signed with Standard Webhooks; unsigned or unconfigured: refused. */
export const appleHealthWebhook: WebhookAdapter<'apple_health'> = {
  provider: 'apple_health',
  path: '/api/webhooks/apple-health',
  methods: ['POST'],
  eventLabels: [
    ['workout', 'create'],
    ['workout', 'delete'],
  ],
  rejectReasons: [],
  refusal: (ctx) =>
    ctx.settings.appleHealthSecret === undefined ? 'APPLE_HEALTH_WEBHOOK_SECRET is not set' : undefined,
  // Runs only after `refusal` let the delivery through, so the secret is set.
  verify: (headers, body, nowMs, ctx) =>
    verifyAppleSignature(headers, body, ctx.settings.appleHealthSecret!, Math.floor(nowMs / 1000)),
  deliver: appleDelivery,
  accepted: countedAnswer,
};
