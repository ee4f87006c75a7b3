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
  /** …and not more than a day ahead of this clock (a device with a wrong date), so no event is made "newer" than all. */
  futureSkewS: 86_400,
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

/** True when `epochS` lies in the window activity and event times must fall in, read against `nowMs`. */
export function inTimeWindow(epochS: number, nowMs = Date.now()): boolean {
  return epochS >= COLUMN_LIMITS.earliestEpochS && epochS <= nowMs / 1000 + COLUMN_LIMITS.futureSkewS;
}

const WINDOW_MESSAGE = 'must lie between 2000-01-01 and one day from now';

/** Unix seconds within the time window. */
export const epochSeconds = z
  .number()
  .int()
  .refine((s) => inTimeWindow(s), WINDOW_MESSAGE);

/** An ISO 8601 instant with its offset, within the time window. */
export const isoInstant = z.iso
  .datetime({ offset: true })
  // A malformed one has its format issue already: this refinement speaks only of the window.
  .refine((s) => Number.isNaN(Date.parse(s)) || inTimeWindow(Date.parse(s) / 1000), WINDOW_MESSAGE);
