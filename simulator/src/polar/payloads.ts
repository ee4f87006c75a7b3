import type { DemoUser } from '../roster.js';
import { localIso, offsetSecondsAt } from '../time-zones.js';
import type { Sport, Workout } from '../workouts.js';

/** How AccessLink writes the simulator's Polar exercises. Pure formatting. */

/** AccessLink's `sport` names of the simulated sports. */
export const POLAR_SPORTS: Readonly<Record<Sport, string>> = {
  run: 'RUNNING',
  ride: 'CYCLING',
  walk: 'WALKING',
};

/** A Polar exercise the fake API holds: the workout, whose it is, and its hashed id. */
export interface PolarExerciseRecord extends Workout {
  entityId: string;
  polarUserId: number;
  user: DemoUser;
  startMs: number;
}

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
export function polarExercise(e: PolarExerciseRecord, apiBase: string): Record<string, unknown> {
  const offsetSeconds = offsetSecondsAt(e.user.timezone, e.startMs);
  return {
    id: e.entityId,
    upload_time: new Date(e.startMs + (e.elapsedTimeS + 600) * 1000).toISOString(),
    polar_user: `${apiBase}/v3/users/${e.polarUserId}`,
    device: 'Polar Vantage V3',
    device_id: `SIM${String(e.user.index).padStart(5, '0')}`,
    start_time: localIso(e.startMs, offsetSeconds),
    start_time_utc_offset: offsetSeconds / 60,
    duration: isoDuration(e.elapsedTimeS),
    calories: Math.round(e.distanceM / 15),
    distance: e.distanceM,
    heart_rate: { average: 128 + (e.user.index % 20), maximum: 160 + (e.user.index % 25) },
    training_load: round(e.elapsedTimeS / 40, 2),
    sport: POLAR_SPORTS[e.sport],
    has_route: e.sport !== 'walk',
    detailed_sport_info: POLAR_SPORTS[e.sport],
  };
}
