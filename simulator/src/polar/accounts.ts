import type { DemoUser } from '../roster.js';
import { simulatorMac, simulatorMacMatches } from '../tokens.js';

/**
 * Which demo users are linked to Polar, and the AccessLink tokens they hold. Derived from the user's index alone,
 * like the rest of the roster, so the seed and the fake API agree without sharing state.
 */

/** Every fifth demo user (5, 10, 15, …) has a Polar account. */
export const POLAR_LINK_EVERY = 5;

/** Polar user ids are this plus the user's index (70005, 70010, …). */
export const POLAR_USER_BASE = 70_000;

export interface PolarLink {
  /** AccessLink's numeric user id, the `user_id` of its webhooks. */
  polarUserId: number;
  /** The user's AccessLink access token. AccessLink tokens do not expire and have no refresh token. */
  accessToken: string;
}

export function isPolarLinked(user: Pick<DemoUser, 'index'>): boolean {
  return user.index % POLAR_LINK_EVERY === 0;
}

/** A user's Polar link, or undefined for a user without a Polar account. */
export function polarLinkOf(user: Pick<DemoUser, 'index'>): PolarLink | undefined {
  if (!isPolarLinked(user)) return undefined;
  const polarUserId = POLAR_USER_BASE + user.index;
  return { polarUserId, accessToken: polarTokenFor(polarUserId) };
}

export function polarTokenFor(polarUserId: number): string {
  return `pat.${polarUserId}.${simulatorMac(`polar.${polarUserId}`)}`;
}

/** The Polar user id a token of ours belongs to; undefined for anything else. */
export function readPolarToken(token: string): number | undefined {
  const m = /^pat\.(\d{1,15})\.([A-Za-z0-9_-]{22})$/.exec(token);
  return m && simulatorMacMatches(`polar.${m[1]}`, m[2]!) ? Number(m[1]) : undefined;
}
