import { between, intBetween, weightedIndex, type Rng } from './prng.js';
import { wallClockAt, wallClockToUtcMs } from './time-zones.js';

/**
 * When people work out, in their own local time: before and after work on weekdays, long late mornings at the
 * weekend. The heatmap (weekday x local hour) should show this shape back.
 */

// prettier-ignore
export const WEEKDAY_HOUR_WEIGHTS: readonly number[] = [
  0, 0, 0, 0, 0.1, 1.2, 5, 7, 4, 1.2, 0.8, 1, 2.4, 1.4, 0.8, 1, 2, 4.5, 6.5, 5, 2.4, 0.9, 0.3, 0.05,
];
// prettier-ignore
export const WEEKEND_HOUR_WEIGHTS: readonly number[] = [
  0, 0, 0, 0, 0, 0.2, 1.2, 3.5, 6.5, 8, 7, 5, 3, 2.4, 2, 2, 2.6, 3.2, 2.6, 1.5, 0.8, 0.3, 0.1, 0,
];
/** By weekday, 0 = Sunday (as Postgres `dow`): weekends busiest, Friday quietest. */
export const WEEKDAY_WEIGHTS: readonly number[] = [1.5, 0.9, 1, 1, 1, 0.7, 1.6];

const DAY_MS = 86_400_000;

export function isWeekend(weekday: number): boolean {
  return weekday === 0 || weekday === 6;
}

export interface PlannedStart {
  startMs: number;
  /** Local weekday, 0 = Sunday. */
  weekday: number;
  localHour: number;
}

export interface StartWindow {
  timeZone: string;
  /** The window is the `days` local calendar days ending with the local day of this instant. */
  endMs: number;
  days: number;
  /** Starts after this instant are redrawn (today's hours still to come). */
  latestMs: number;
}

/** A start time within the window, weighted by weekday and hour. Deterministic for a given rng state. */
export function sampleStart(rng: Rng, w: StartWindow): PlannedStart {
  if (!Number.isInteger(w.days) || w.days < 1) throw new Error(`days must be an integer >= 1, got ${w.days}`);
  const today = wallClockAt(w.timeZone, w.endMs);
  const dates = Array.from({ length: w.days }, (_, back) => {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day) - back * DAY_MS);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      weekday: d.getUTCDay(),
    };
  });
  const dayWeights = dates.map((d) => WEEKDAY_WEIGHTS[d.weekday]!);
  for (let attempt = 0; attempt < 20; attempt++) {
    const date = dates[weightedIndex(rng, dayWeights)]!;
    const hours = isWeekend(date.weekday) ? WEEKEND_HOUR_WEIGHTS : WEEKDAY_HOUR_WEIGHTS;
    const hour = weightedIndex(rng, hours);
    const startMs = wallClockToUtcMs(w.timeZone, {
      ...date,
      hour,
      minute: intBetween(rng, 0, 59),
      second: intBetween(rng, 0, 59),
    });
    if (startMs <= w.latestMs) return { startMs, weekday: date.weekday, localHour: hour };
  }
  // Only today's future hours kept coming up (a one-day window early in the morning): start just before the limit.
  const startMs = w.latestMs - Math.round(between(rng, 5, 60) * 60_000);
  const local = wallClockAt(w.timeZone, startMs);
  return {
    startMs,
    weekday: new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay(),
    localHour: local.hour,
  };
}
