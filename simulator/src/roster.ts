import type { Provider } from '@ops-cockpit/core';
import { stravaTokensFor } from './tokens.js';
import { URL_NAMESPACE, uuidV5 } from './uuid.js';

/**
 * The demo population, derived from the user's 1-based index alone, so the seed (which writes users and linked
 * accounts to Postgres) and the simulator (which answers for the same athletes) agree without sharing state.
 */

/** Namespace of every demo id: uuidv5(URL namespace, this URL). */
export const DEMO_NAMESPACE = uuidV5('https://ops-cockpit.example.test/demo', URL_NAMESPACE);

export const DEMO_USER_COUNT = 50;

/** Strava athlete ids are this plus the user's index (1001, 1002, ...). */
export const STRAVA_ATHLETE_BASE = 1000;

export const CREWS = ['Dawn Patrol', 'Hill Seekers', 'Pace Pack', 'Trail Blazers', 'Night Owls'] as const;

// A spread of zones so "local hour" differs from UTC hour, as it does for a real user base.
const TIME_ZONES = [
  'America/Los_Angeles',
  'America/New_York',
  'America/Chicago',
  'Europe/London',
  'America/Denver',
  'Europe/Berlin',
] as const;

// prettier-ignore
const FIRST_NAMES = [
  'Ava', 'Ben', 'Chloe', 'Diego', 'Elena', 'Felix', 'Grace', 'Hiro', 'Isla', 'Jonas',
  'Kira', 'Liam', 'Maya', 'Noah', 'Olivia', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tara',
  'Umar', 'Vera', 'Wes', 'Xena', 'Yusuf', 'Zoe', 'Aaron', 'Bea', 'Caleb', 'Dana',
];
// prettier-ignore
const LAST_NAMES = [
  'Alvarez', 'Brooks', 'Chen', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Jensen',
  'Kowalski', 'Lopez', 'Moreau', 'Nakamura', 'Okafor', 'Patel', 'Quiroga', 'Rossi', 'Schmidt', 'Tanaka',
  'Usman', 'Varga', 'Walsh',
];

// Days since their last activity for every fourth user: 2 to 30, most beyond the quiet list's 10-day cut.
const QUIET_DAYS = [2, 4, 6, 9, 11, 13, 15, 18, 21, 24, 27, 30] as const;

export interface DemoUser {
  /** 1-based position in the roster. */
  index: number;
  /** uuidv5(DEMO_NAMESPACE, `user-<index>`). */
  id: string;
  name: string;
  email: string;
  phone: string;
  crew: string;
  timezone: string;
  /** The device most of this user's history comes from. */
  primaryProvider: Provider;
  stravaAthleteId: number;
  stravaRefreshToken: string;
  garminUserId: string;
  garminAccessToken: string;
  /** 0 for active users; otherwise how many days ago their last activity started (2-30). */
  inactiveDays: number;
}

export function demoUserId(index: number): string {
  return uuidV5(`user-${index}`, DEMO_NAMESPACE);
}

/** Whose device each user mostly records with, by index % 10: half Strava, 3 in 10 Garmin, 2 in 10 Apple Health. */
const PRIMARY_PROVIDER_SLOTS: readonly Provider[] = [
  ...Array<Provider>(5).fill('strava'),
  ...Array<Provider>(3).fill('garmin'),
  ...Array<Provider>(2).fill('apple_health'),
];

function primaryProviderOf(index: number): Provider {
  return PRIMARY_PROVIDER_SLOTS[index % PRIMARY_PROVIDER_SLOTS.length]!;
}

export function demoUser(index: number): DemoUser {
  if (!Number.isInteger(index) || index < 1)
    throw new Error(`user index must be an integer >= 1, got ${index}`);
  const first = FIRST_NAMES[(index - 1) % FIRST_NAMES.length]!;
  const last = LAST_NAMES[(index * 7) % LAST_NAMES.length]!;
  const athleteId = STRAVA_ATHLETE_BASE + index;
  return {
    index,
    id: demoUserId(index),
    name: `${first} ${last}`,
    email: `user${index}@example.test`,
    // +1 555 numbers are reserved for fiction; seven digits keep it a valid E.164 length.
    phone: `+1555${String(index).padStart(7, '0')}`,
    crew: CREWS[(index - 1) % CREWS.length]!,
    timezone: TIME_ZONES[(index - 1) % TIME_ZONES.length]!,
    primaryProvider: primaryProviderOf(index),
    stravaAthleteId: athleteId,
    stravaRefreshToken: stravaTokensFor(athleteId).refreshToken,
    garminUserId: `garmin-user-${index}`,
    garminAccessToken: `garmin-token-${index}`,
    inactiveDays: index % 4 === 0 ? QUIET_DAYS[(index / 4 - 1) % QUIET_DAYS.length]! : 0,
  };
}

export function demoRoster(count: number = DEMO_USER_COUNT): DemoUser[] {
  if (!Number.isInteger(count) || count < 1 || count > 100_000) {
    throw new Error(`user count must be an integer 1-100000, got ${count}`);
  }
  return Array.from({ length: count }, (_, i) => demoUser(i + 1));
}
