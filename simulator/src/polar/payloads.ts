import { localIso, offsetSecondsAt } from '../time-zones.js';
import { ACTIVITY_TYPES } from '../workouts.js';
import type { SimActivity } from '../world.js';
import { polarLinkOf } from './accounts.js';

/** How AccessLink writes the simulator's Polar exercises. Pure formatting. */

/** A hashed id in AccessLink's style (`aQlC83`): the counter in base 36, upper case, never a guessable small int. */
export function polarEntityId(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`exercise number must be a safe integer >= 0, got ${n}`);
  return `P${n.toString(36).toUpperCase()}`;
}

/** ISO 8601 duration as Polar writes it: `PT2H44M`, `PT1H2M3S`, zero parts left out. */
export function isoDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts = `${h ? `${h}H` : ''}${m ? `${m}M` : ''}${sec ? `${sec}S` : ''}`;
  return `PT${parts || '0S'}`;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * GET /v3/exercises/{exerciseId}: `start_time` is wall-clock time on the training computer with no zone, and
 * `start_time_utc_offset` the minutes east of UTC it was set to, as AccessLink documents.
 */
export function polarExercise(a: SimActivity, apiBase: string): Record<string, unknown> {
  const offsetSeconds = offsetSecondsAt(a.user.timezone, a.startMs);
  const sport = ACTIVITY_TYPES.polar[a.sport];
  return {
    id: a.externalId,
    upload_time: new Date(a.startMs + (a.elapsedTimeS + 600) * 1000).toISOString(),
    polar_user: `${apiBase}/v3/users/${polarLinkOf(a.user)?.polarUserId ?? 0}`,
    device: 'Polar Vantage V3',
    device_id: `SIM${String(a.user.index).padStart(5, '0')}`,
    start_time: localIso(a.startMs, offsetSeconds),
    start_time_utc_offset: offsetSeconds / 60,
    duration: isoDuration(a.elapsedTimeS),
    calories: Math.round(a.distanceM / 15),
    distance: a.distanceM,
    heart_rate: { average: 128 + (a.user.index % 20), maximum: 160 + (a.user.index % 25) },
    training_load: round(a.elapsedTimeS / 40, 2),
    sport,
    has_route: a.sport !== 'walk',
    detailed_sport_info: sport,
  };
}
