import {
  garminActivitySchema,
  garminEntryId,
  garminNotificationSchema,
  garminPingSchema,
  isGarminPing,
  type IngestEnvelope,
} from '@ops-cockpit/core';
import type { z } from 'zod';
import { HttpProblem, type FieldError } from '../http/problem.js';
import { REJECT_REASONS } from '../metrics.js';
import { fieldErrors } from '../http/field-errors.js';
import { countedAnswer, type WebhookAdapter } from './adapter.js';
import type { Delivery, DeliveryItem } from './delivery.js';
import { deliverToLinked, type LinkedAccounts } from './linked-accounts.js';

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value = body;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  return value;
}

/**
 * An entry is a ping or a summary; zod reports a bad one as "no branch matched". Name the fields of the branch
 * the entry means (a ping if it has `callbackURL`), so the client learns which field to fix.
 */
function garminFieldErrors(body: unknown, issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union') return fieldErrors([issue]);
    const entry = valueAt(body, issue.path);
    const meant =
      typeof entry === 'object' && entry !== null && 'callbackURL' in entry
        ? garminPingSchema
        : garminActivitySchema;
    const result = meant.safeParse(entry);
    return result.success ? fieldErrors([issue]) : fieldErrors(result.error.issues, issue.path);
  });
}

/**
 * A Garmin push or ping notification: one envelope per entry. Garmin does not sign its calls, so an entry
 * counts only if its `userId` is a linked Garmin account; the others are dropped (and counted by the caller).
 */
export function garminDelivery(body: unknown, accounts: LinkedAccounts, receivedAt: string): Delivery {
  const parsed = garminNotificationSchema.safeParse(body);
  if (!parsed.success) {
    throw new HttpProblem('validation-failed', 'the Garmin notification has missing or mistyped fields', {
      errors: garminFieldErrors(body, parsed.error.issues),
    });
  }
  const items: DeliveryItem[] = [];
  let rejected = 0;
  for (const entry of parsed.data.activities) {
    if (!accounts.has('garmin', entry.userId)) {
      rejected += 1;
      continue;
    }
    const eventId = garminEntryId(entry);
    const envelope: IngestEnvelope<'garmin'> = isGarminPing(entry)
      ? { provider: 'garmin', kind: 'garmin_ping', eventId, receivedAt, body: entry }
      : { provider: 'garmin', kind: 'garmin_activity', eventId, receivedAt, body: entry };
    items.push({ envelope, objectType: 'activity', aspectType: isGarminPing(entry) ? 'ping' : 'push' });
  }
  return {
    items,
    rejected: { reason: REJECT_REASONS.unknownUser, count: rejected },
    refusal: 'no entry belongs to a linked Garmin account',
  };
}

/**
 * Garmin pushes summaries inline or pings with a callback URL, unsigned: entries count only for linked accounts,
 * and a user we do not know is dropped (counted), never a reason to refuse the others.
 */
export const garminWebhook: WebhookAdapter<'garmin'> = {
  provider: 'garmin',
  path: '/api/webhooks/garmin',
  methods: ['POST'],
  linkedAccounts: true,
  urlToken: (ctx) => ({ secret: ctx.settings.garminWebhookToken, variable: 'GARMIN_WEBHOOK_TOKEN' }),
  eventLabels: [
    ['activity', 'push'],
    ['activity', 'ping'],
  ],
  rejectReasons: [REJECT_REASONS.unknownUser],
  deliver: (body, receivedAt, ctx) => deliverToLinked(ctx.linkedAccounts, garminDelivery, body, receivedAt),
  accepted: countedAnswer,
};
