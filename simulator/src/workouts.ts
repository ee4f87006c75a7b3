import type { Provider } from '@ops-cockpit/core';
import { between, weightedKey, type Rng } from './prng.js';
import { isWeekend, sampleStart, type StartWindow } from './rhythm.js';
import type { DemoUser } from './roster.js';
import type { SimActivity } from './world.js';

/** What an activity is: sport, distance and duration, with realistic ranges and paces. */

export const SPORTS = ['run', 'ride', 'walk'] as const;
export type Sport = (typeof SPORTS)[number];

export const SPORT_WEIGHTS: Readonly<Record<Sport, number>> = { run: 0.5, ride: 0.3, walk: 0.2 };

/** Distance range of each sport, in kilometres. */
export const DISTANCE_KM: Readonly<Record<Sport, { min: number; max: number }>> = {
  run: { min: 3, max: 21 },
  ride: { min: 15, max: 80 },
  walk: { min: 2, max: 8 },
};

/** Moving pace range, seconds per kilometre. */
const PACE_S_PER_KM: Readonly<Record<Sport, { min: number; max: number }>> = {
  run: { min: 270, max: 400 },
  ride: { min: 110, max: 170 },
  walk: { min: 560, max: 760 },
};

/** How each provider names the sports, as the worker stores them. */
export const ACTIVITY_TYPES: Readonly<Record<Provider, Readonly<Record<Sport, string>>>> = {
  strava: { run: 'Run', ride: 'Ride', walk: 'Walk' },
  garmin: { run: 'RUNNING', ride: 'CYCLING', walk: 'WALKING' },
  apple_health: { run: 'running', ride: 'cycling', walk: 'walking' },
  polar: { run: 'RUNNING', ride: 'CYCLING', walk: 'WALKING' },
};

export interface Workout {
  sport: Sport;
  /** Metres, to 0.1 m as Strava reports it. */
  distanceM: number;
  movingTimeS: number;
  /** Moving time plus stops. */
  elapsedTimeS: number;
}

/** Short outings are common and long ones rare on weekdays; weekends shift toward the long end. */
export function sampleDistanceM(rng: Rng, sport: Sport, weekend: boolean): number {
  const { min, max } = DISTANCE_KM[sport];
  const shaped = rng() ** (weekend ? 0.8 : 1.8);
  return Math.round((min + (max - min) * shaped) * 10_000) / 10;
}

export function workoutFor(rng: Rng, sport: Sport, distanceM: number): Workout {
  const pace = PACE_S_PER_KM[sport];
  const movingTimeS = Math.round((distanceM / 1000) * between(rng, pace.min, pace.max));
  return { sport, distanceM, movingTimeS, elapsedTimeS: Math.round(movingTimeS * between(rng, 1.02, 1.15)) };
}

export function sampleWorkout(rng: Rng, weekend: boolean): Workout {
  const sport = weightedKey(rng, SPORT_WEIGHTS);
  return workoutFor(rng, sport, sampleDistanceM(rng, sport, weekend));
}

/** A correction as after cropping a GPS track: distance within ±5 %, duration at the same pace. */
export function revisedWorkout(rng: Rng, w: Workout): Workout {
  const factor = between(rng, 0.95, 1.05);
  const { min, max } = DISTANCE_KM[w.sport];
  const distanceM = Math.round(Math.min(max * 1000, Math.max(min * 1000, w.distanceM * factor)) * 10) / 10;
  const scale = distanceM / w.distanceM;
  return {
    sport: w.sport,
    distanceM,
    movingTimeS: Math.round(w.movingTimeS * scale),
    elapsedTimeS: Math.round(w.elapsedTimeS * scale),
  };
}

/** Strava's default title: "Morning Run", "Lunch Ride", "Evening Walk". */
export function workoutName(sport: Sport, localHour: number): string {
  const part =
    localHour < 5
      ? 'Night'
      : localHour < 11
        ? 'Morning'
        : localHour < 14
          ? 'Lunch'
          : localHour < 17
            ? 'Afternoon'
            : localHour < 21
              ? 'Evening'
              : 'Night';
  return `${part} ${ACTIVITY_TYPES.strava[sport]}`;
}

/**
 * A new activity for a user: a start following the weekday/hour rhythm within the window, then a workout
 * (longer at weekends) that has ended by `window.latestMs`, since providers only report finished ones.
 */
export function planActivity(
  rng: Rng,
  opts: { provider: Provider; externalId: string; user: DemoUser; window: Omit<StartWindow, 'timeZone'> },
): SimActivity {
  const start = sampleStart(rng, { ...opts.window, timeZone: opts.user.timezone });
  const workout = sampleWorkout(rng, isWeekend(start.weekday));
  const latestStartMs = opts.window.latestMs - workout.elapsedTimeS * 1000;
  return {
    provider: opts.provider,
    externalId: opts.externalId,
    user: opts.user,
    name: workoutName(workout.sport, start.localHour),
    startMs: Math.min(start.startMs, latestStartMs),
    ...workout,
  };
}
