import type { IncomingHttpHeaders } from 'node:http';
import {
  POLAR_SIGNATURE_HEADER,
  polarPingSchema,
  polarWebhookSchema,
  verifyPolarSignature,
  polarEventId,
  polarNotice,
  type IngestEnvelope,
  type PolarExerciseEvent,
  type PolarSignatureFailure,
  type Secret,
} from '@ops-cockpit/core';
import { HttpProblem } from '../http/problem.js';
import { fieldErrors } from '../http/field-errors.js';
import { countedAnswer, type WebhookAdapter } from './adapter.js';
import type { Delivery } from './delivery.js';

/** What a Polar delivery turns out to be: the creation PING (answered 200, nothing appended), or an exercise. */
export type PolarReading = { kind: 'ping' } | { kind: 'exercise'; event: PolarExerciseEvent };

const SIGNATURE_DETAIL: Record<PolarSignatureFailure, string> = {
  missing_signature: 'Polar-Webhook-Signature is required',
  bad_signature: 'Polar-Webhook-Signature does not match the body',
};

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether an unverified body is Polar's PING; it is parsed for that alone, and nothing else is read from it. */
function isPing(body: Buffer): boolean {
  try {
    return polarPingSchema.safeParse(JSON.parse(body.toString('utf8'))).success;
  } catch {
    return false;
  }
}

/**
 * Step 1 of a Polar delivery, on the raw body before it is parsed: `Polar-Webhook-Signature` must be the
 * HMAC-SHA256 of the body with POLAR_WEBHOOK_SECRET. A delivery that cannot be verified may still be the PING Polar
 * sends while the webhook is created, before it hands over the key: that one passes (it is answered 200 and
 * changes nothing), signed or not. Anything else unverifiable is 401, or 403 while POLAR_WEBHOOK_SECRET is unset.
 */
export function verifyPolarDelivery(
  headers: IncomingHttpHeaders,
  body: Buffer,
  secret: Secret | undefined,
): void {
  const failure = secret
    ? verifyPolarSignature({
        secret: secret.reveal(),
        signature: header(headers, POLAR_SIGNATURE_HEADER),
        body,
      })
    : 'no_secret';
  if (!failure || isPing(body)) return;
  if (failure === 'no_secret') throw new HttpProblem('forbidden', 'POLAR_WEBHOOK_SECRET is not set');
  throw new HttpProblem('unauthorized', SIGNATURE_DETAIL[failure], { reason: failure });
}

/**
 * Step 2, on the parsed body: a PING or an EXERCISE event, else 422 naming the field. Only a verified body, or a
 * PING, gets here.
 */
export function readPolarDelivery(body: unknown): PolarReading {
  const result = polarWebhookSchema.safeParse(body);
  if (!result.success) {
    throw new HttpProblem('validation-failed', 'the Polar delivery is not a PING or an EXERCISE event', {
      errors: fieldErrors(result.error.issues),
    });
  }
  return result.data.event === 'PING' ? { kind: 'ping' } : { kind: 'exercise', event: result.data };
}

/** A verified EXERCISE event as one envelope (without its `url`); a PING as nothing to append, answered 200. */
export function polarDelivery(body: unknown, receivedAt: string): Delivery {
  const reading = readPolarDelivery(body);
  if (reading.kind === 'ping') return { items: [] };
  const envelope: IngestEnvelope<'polar'> = {
    provider: 'polar',
    kind: 'polar_exercise',
    eventId: polarEventId(reading.event),
    receivedAt,
    body: polarNotice(reading.event),
  };
  return { items: [{ envelope, objectType: 'exercise', aspectType: 'create' }] };
}

/**
 * Polar AccessLink signs its deliveries (Polar-Webhook-Signature); no `refusal`, since the creation PING must be
 * answered 200 before POLAR_WEBHOOK_SECRET can even be known: verifyPolarDelivery refuses the rest.
 */
export const polarWebhook: WebhookAdapter<'polar'> = {
  provider: 'polar',
  path: '/api/webhooks/polar',
  methods: ['POST'],
  eventLabels: [['exercise', 'create']],
  rejectReasons: [],
  verify: (headers, body, _nowMs, ctx) => verifyPolarDelivery(headers, body, ctx.settings.polarSecret),
  deliver: polarDelivery,
  accepted: countedAnswer,
};
