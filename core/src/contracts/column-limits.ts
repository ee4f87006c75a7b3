import { z } from 'zod';

/**
 * What the database and the domain can hold, in one place: the webhook schemas (exporter, at the edge) and the
 * schemas of what the worker fetches are built from these, so a 2xx is only given to an event that can be
 * applied. core/test/column-limits.test.ts checks every figure against the migrated tables: the value at the
 * limit is stored, the one past it refused.
 */
export const COLUMN_LIMITS = {
  /** activities.external_id, provider_accounts.external_user_id (CHECK in 003; btree rows stay far under 2704 B). */
  idLength: 255,
  /** activities.type (CHECK in 003). */
  typeLength: 100,
  /** activities.distance_m numeric(12, 3): the largest value that still fits after rounding to millimetres. */
  distanceMMax: 999_999_999.999,
  /** activities.moving_time_s integer. */
  durationSMax: 2_147_483_647,
  /** Activity and event times: not before 2000-01-01 (no tracker the challenge reads is older; CHECK in 003)… */
  earliestEpochS: 946_684_800,
  /** …and an activity's start not more than a day ahead of this clock (a device with a wrong date)… */
  futureSkewS: 86_400,
  /**
   * …while a provider's event time (Strava's `event_time`, Polar's `timestamp`), which orders updates, may be
   * at most 5 minutes ahead: a forged future one would mark the real events after it stale until then.
   */
  eventSkewS: 300,
} as const;

const NUL = '\u0000';
/** A UTF-16 surrogate not in a pair: Postgres stores each as U+FFFD, so two such ids would become one. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Text for a text column: not empty, within `max` characters, no NUL (Postgres cannot store one), and
 * well-formed Unicode (a lone surrogate would be stored as U+FFFD: distinct ids would collide).
 */
export function dbText(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !s.includes(NUL), 'must not contain NUL (\\u0000)')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no lone surrogate)');
}

/** A provider's id of an activity or a user. */
export const providerId = dbText(COLUMN_LIMITS.idLength);

/** Metres, as activities.distance_m holds them. */
export const distanceMeters = z.number().nonnegative().max(COLUMN_LIMITS.distanceMMax);

/** Whole seconds of a duration, as activities.moving_time_s holds them. */
export const durationSeconds = z.number().int().nonnegative().max(COLUMN_LIMITS.durationSMax);

/**
 * True when `epochS` lies in the window activity times must fall in (or event times, with `skewS`
 * COLUMN_LIMITS.eventSkewS), read against `nowMs`.
 */
export function inTimeWindow(
  epochS: number,
  nowMs = Date.now(),
  skewS: number = COLUMN_LIMITS.futureSkewS,
): boolean {
  return epochS >= COLUMN_LIMITS.earliestEpochS && epochS <= nowMs / 1000 + skewS;
}

const WINDOW_MESSAGE = 'must lie between 2000-01-01 and one day from now';
const EVENT_WINDOW_MESSAGE = 'must lie between 2000-01-01 and 5 minutes from now';

/** Unix seconds within the time window. */
export const epochSeconds = z
  .number()
  .int()
  .refine((s) => inTimeWindow(s), WINDOW_MESSAGE);

/** A provider's event time in unix seconds: not ahead of now by more than the event skew. */
export const eventEpochSeconds = z
  .number()
  .int()
  .refine((s) => inTimeWindow(s, Date.now(), COLUMN_LIMITS.eventSkewS), EVENT_WINDOW_MESSAGE);

// A malformed instant has its format issue already: the window refinements speak only of the window.
const parsedInWindow = (s: string, skewS: number) =>
  Number.isNaN(Date.parse(s)) || inTimeWindow(Date.parse(s) / 1000, Date.now(), skewS);

/** An ISO 8601 instant with its offset, within the time window. */
export const isoInstant = z.iso
  .datetime({ offset: true })
  .refine((s) => parsedInWindow(s, COLUMN_LIMITS.futureSkewS), WINDOW_MESSAGE);

/** A provider's event time as an ISO 8601 instant: not ahead of now by more than the event skew. */
export const eventIsoInstant = z.iso
  .datetime({ offset: true })
  .refine((s) => parsedInWindow(s, COLUMN_LIMITS.eventSkewS), EVENT_WINDOW_MESSAGE);
