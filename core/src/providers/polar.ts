import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import {
  COLUMN_LIMITS,
  dbText,
  distanceMeters,
  eventIsoInstant,
  inTimeWindow,
} from '../contracts/column-limits.js';

/**
 * Polar AccessLink API v3 (polar.com/accesslink-api): webhook payloads, their signature, the exercise resource.
 * Pure, so the exporter verifies, the worker reads and the simulator signs and serves with the same code.
 */

/** Polar's public AccessLink API, POLAR_API_URL's default. */
export const POLAR_API_DEFAULT_URL = 'https://www.polaraccesslink.com';

/** Header holding the hex HMAC-SHA256 of the raw body, keyed with the webhook's `signature_secret_key`. */
export const POLAR_SIGNATURE_HEADER = 'polar-webhook-signature';

/**
 * A hashed exercise id as AccessLink writes it (`aQlC83`, `2AC312F`). The charset is the SSRF guard too: the worker
 * puts the id into a path under its own API base, so an id can never climb out of `/v3/exercises/`.
 */
export const POLAR_ENTITY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** EXERCISE: a new training session of `user_id` can be fetched. `url` is Polar's, and never fetched as given. */
export const polarExerciseEventSchema = z.object({
  event: z.literal('EXERCISE'),
  user_id: z.number().int().nonnegative(),
  entity_id: z.string().regex(POLAR_ENTITY_ID, 'expected a hashed exercise id (1-64 of A-Za-z0-9_-)'),
  timestamp: eventIsoInstant,
  url: z.url({ protocol: /^https?$/ }).optional(),
});
export type PolarExerciseEvent = z.infer<typeof polarExerciseEventSchema>;

/**
 * PING: sent when a webhook is created or its URL changed, and it must be answered 200 for the change to take.
 * During creation it arrives before the signature key is handed over, so a receiver cannot verify it.
 */
export const polarPingSchema = z.object({
  event: z.literal('PING'),
  timestamp: z.iso.datetime({ offset: true }),
});
export type PolarPing = z.infer<typeof polarPingSchema>;

/** The deliveries the challenge subscribes to; Polar's other types (SLEEP, …) are not subscribed. */
export const polarWebhookSchema = z.discriminatedUnion('event', [polarExerciseEventSchema, polarPingSchema]);
export type PolarWebhook = z.infer<typeof polarWebhookSchema>;

/**
 * What the ingest envelope carries: the event without its `url`, so nothing downstream can fetch a host the
 * request named.
 */
export type PolarExerciseNotice = Omit<PolarExerciseEvent, 'url'>;

export function polarNotice(e: PolarExerciseEvent): PolarExerciseNotice {
  return { event: e.event, user_id: e.user_id, entity_id: e.entity_id, timestamp: e.timestamp };
}

/**
 * An exercise is immutable once in AccessLink and has one hashed id, so a re-sent notification (a retry carries a
 * new `timestamp`) is the same event.
 */
export function polarEventId(e: Pick<PolarExerciseEvent, 'user_id' | 'entity_id'>): string {
  return `exercise:${e.user_id}:${e.entity_id}`;
}

/** The `Polar-Webhook-Signature` value for a body: lowercase hex of HMAC-SHA256(key, raw body). */
export function signPolarWebhook(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export type PolarSignatureFailure = 'missing_signature' | 'bad_signature';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Checks the header against the raw body, before anyone parses it. Null when valid, else why not. The comparison
 * is constant-time over the 32 digest bytes; hex case does not matter.
 */
export function verifyPolarSignature(opts: {
  secret: string;
  signature: string | undefined;
  body: Buffer;
}): PolarSignatureFailure | null {
  const signature = opts.signature?.trim();
  if (!signature) return 'missing_signature';
  if (!HEX_SHA256.test(signature)) return 'bad_signature';
  const expected = createHmac('sha256', opts.secret).update(opts.body).digest();
  return timingSafeEqual(Buffer.from(signature, 'hex'), expected) ? null : 'bad_signature';
}

const ISO_DURATION = /^P(?:(\d{1,4})D)?(?:T(?:(\d{1,5})H)?(?:(\d{1,7})M)?(?:(\d{1,9}(?:\.\d{1,9})?)S)?)?$/;

/** Seconds of an ISO 8601 duration as Polar writes it (`PT2H44M`, `PT1H2M3.5S`); undefined for anything else. */
export function isoDurationSeconds(value: string): number | undefined {
  const m = ISO_DURATION.exec(value);
  if (!m || value === 'P' || value.endsWith('T')) return undefined;
  const [, d, h, min, s] = m;
  return Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3_600 + Number(min ?? 0) * 60 + Number(s ?? 0);
}

/** Wall-clock time without a zone (`2008-10-13T10:40:02`, fractions allowed), as Polar's `start_time`. */
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?$/;

/** The shape, and no date Date.parse would roll over (`02-30` → `03-01`). */
function isRealLocalTime(s: string): boolean {
  if (!LOCAL_DATE_TIME.test(s)) return false;
  const ms = Date.parse(`${s}Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === s.slice(0, 19);
}

/** The fields the worker reads from GET /v3/exercises/{exerciseId}; others (heart rate, zones…) pass untouched. */
export const polarExerciseSchema = z.object({
  id: z.string().regex(POLAR_ENTITY_ID),
  upload_time: z.string().optional(),
  /** Start in the local time set on the training computer; `start_time_utc_offset` says which zone that was. */
  start_time: z
    .string()
    .refine(isRealLocalTime, {
      message: 'expected a real local time YYYY-MM-DDTHH:MM:SS without a zone',
      abort: true,
    })
    // Local time is within a day of the instant, so the window is checked on it as if it were UTC.
    .refine((s) => inTimeWindow(Date.parse(`${s}Z`) / 1000), 'must lie between 2000-01-01 and now'),
  /** Minutes east of UTC when the session started. */
  start_time_utc_offset: z
    .number()
    .int()
    .min(-18 * 60)
    .max(18 * 60),
  duration: z
    .string()
    .refine((s) => isoDurationSeconds(s) !== undefined, {
      message: 'expected an ISO 8601 duration like PT1H2M3S',
      abort: true,
    })
    .refine(
      (s) => Math.round(isoDurationSeconds(s) ?? 0) <= COLUMN_LIMITS.durationSMax,
      'longer than activities.moving_time_s can hold',
    ),
  /** Metres; absent for sessions without distance (gym, yoga). */
  distance: distanceMeters.optional(),
  sport: dbText(COLUMN_LIMITS.typeLength),
  detailed_sport_info: z.string().optional(),
});
export type PolarExercise = z.infer<typeof polarExerciseSchema>;

/** The instant a Polar exercise started: its local wall-clock time less its offset. */
export function polarStartEpochSeconds(
  e: Pick<PolarExercise, 'start_time' | 'start_time_utc_offset'>,
): number {
  const localAsUtcMs = Date.parse(`${e.start_time}Z`);
  return Math.floor(localAsUtcMs / 1000) - e.start_time_utc_offset * 60;
}
