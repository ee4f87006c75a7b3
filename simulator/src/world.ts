import { PROVIDERS, type GarminActivity, type Provider } from '@ops-cockpit/core';
import { PolarAccess, type PolarLimits } from './polar/access.js';
import type { Rng } from './prng.js';
import type { DemoUser } from './roster.js';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  mintAccessToken,
  readAccessToken,
  readRefreshToken,
  refreshTokenFor,
} from './tokens.js';
import type { Workout } from './workouts.js';

/**
 * The simulated providers' state: who the athletes are, which tokens are good, and which activities exist. The
 * traffic generator changes it before announcing a change, so the API returns what the webhook promised.
 * In memory and free of I/O; the clock is passed in.
 */

export interface SimActivity extends Workout {
  provider: Provider;
  /** Strava: the numeric activity id as text; Garmin: summaryId; Apple: the workout UUID; Polar: the hashed id. */
  externalId: string;
  user: DemoUser;
  name: string;
  startMs: number;
}

export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  expiresIn: number;
}

export type AuthResult =
  { ok: true; athlete: DemoUser } | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

export interface WorldOptions {
  roster: readonly DemoUser[];
  tokenTtlSeconds?: number;
  /** Activities kept; beyond it the oldest are forgotten (and answer 404), so a long run stays bounded. */
  maxActivities?: number;
  /** Garmin callback payloads kept, oldest dropped first. */
  maxGarminCallbacks?: number;
  /** Polar AccessLink's request limits (default 500 per 15 minutes, 5,000 per day). */
  polarLimits?: PolarLimits;
}

/** Keys with O(1) add, remove and uniform random pick. */
class KeyBag {
  readonly #keys: string[] = [];
  readonly #index = new Map<string, number>();

  get size(): number {
    return this.#keys.length;
  }

  add(key: string): void {
    if (this.#index.has(key)) return;
    this.#index.set(key, this.#keys.length);
    this.#keys.push(key);
  }

  remove(key: string): void {
    const i = this.#index.get(key);
    if (i === undefined) return;
    const last = this.#keys.pop()!;
    this.#index.delete(key);
    if (last !== key) {
      this.#keys[i] = last;
      this.#index.set(last, i);
    }
  }

  pick(rng: Rng): string | undefined {
    return this.#keys.length ? this.#keys[Math.floor(rng() * this.#keys.length)] : undefined;
  }
}

function keyOf(provider: Provider, externalId: string): string {
  return `${provider}:${externalId}`;
}

export class World {
  readonly roster: readonly DemoUser[];
  /** Users who still work out; the quiet ones stay quiet so the quiet list keeps its members. */
  readonly activeUsers: readonly DemoUser[];
  readonly #byAthlete = new Map<number, DemoUser>();
  readonly #tokenTtlSeconds: number;
  readonly #maxActivities: number;
  readonly #maxGarminCallbacks: number;
  // Access tokens issued at or before these instants (ms) count as expired: per athlete, and for everyone.
  readonly #expiredUpTo = new Map<number, number>();
  #allExpiredUpTo = 0;
  // Insertion order is age order, which is what eviction needs.
  readonly #activities = new Map<string, SimActivity>();
  readonly #live = Object.fromEntries(PROVIDERS.map((p) => [p, new KeyBag()])) as Record<Provider, KeyBag>;
  readonly #garminCallbacks = new Map<string, GarminActivity[]>();
  /** Polar AccessLink's rate-limit windows and revoked users. */
  readonly polarAccess: PolarAccess;
  /** Strava athletes who withdrew the app's access: their access and refresh tokens are refused. */
  readonly #revokedAthletes = new Set<number>();

  constructor(opts: WorldOptions) {
    const ttl = opts.tokenTtlSeconds ?? ACCESS_TOKEN_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 1)
      throw new Error(`tokenTtlSeconds must be an integer >= 1, got ${ttl}`);
    this.#tokenTtlSeconds = ttl;
    this.#maxActivities = opts.maxActivities ?? 200_000;
    this.#maxGarminCallbacks = opts.maxGarminCallbacks ?? 10_000;
    this.polarAccess = new PolarAccess(opts.polarLimits);
    this.roster = opts.roster;
    this.activeUsers = opts.roster.filter((u) => u.inactiveDays === 0);
    for (const u of opts.roster) this.#byAthlete.set(u.stravaAthleteId, u);
  }

  athlete(athleteId: number): DemoUser | undefined {
    return this.#byAthlete.get(athleteId);
  }

  #expiredUpToFor(athleteId: number): number {
    return Math.max(this.#allExpiredUpTo, this.#expiredUpTo.get(athleteId) ?? 0);
  }

  /** A new access token; its issue time is kept past any expiry made in the same millisecond. */
  issueToken(athleteId: number, nowMs: number): TokenGrant {
    if (!this.#byAthlete.has(athleteId)) throw new Error(`unknown athlete ${athleteId}`);
    const issuedAtMs = Math.max(Math.floor(nowMs), this.#expiredUpToFor(athleteId) + 1);
    const expiresAt = Math.floor(issuedAtMs / 1000) + this.#tokenTtlSeconds;
    return {
      accessToken: mintAccessToken({ athleteId, issuedAtMs, expiresAt }),
      refreshToken: refreshTokenFor(athleteId),
      expiresAt,
      expiresIn: expiresAt - Math.floor(nowMs / 1000),
    };
  }

  /** The refresh_token grant; undefined for a token that is not one of ours. */
  refresh(refreshToken: string, nowMs: number): TokenGrant | undefined {
    const athleteId = readRefreshToken(refreshToken);
    return athleteId !== undefined && this.#byAthlete.has(athleteId) && !this.#revokedAthletes.has(athleteId)
      ? this.issueToken(athleteId, nowMs)
      : undefined;
  }

  /** Checks an `Authorization` header value. */
  authenticate(authorization: string | undefined, nowMs: number): AuthResult {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
    if (!m) return { ok: false, reason: 'missing' };
    const claims = readAccessToken(m[1]!);
    const athlete = claims && this.#byAthlete.get(claims.athleteId);
    if (!claims || !athlete || this.#revokedAthletes.has(claims.athleteId))
      return { ok: false, reason: 'invalid' };
    if (claims.expiresAt * 1000 <= nowMs || claims.issuedAtMs <= this.#expiredUpToFor(claims.athleteId)) {
      return { ok: false, reason: 'expired' };
    }
    return { ok: true, athlete };
  }

  /** The athlete withdraws the app's access at Strava (the deauthorization Strava then announces by webhook). */
  revokeAthlete(athleteId: number): void {
    this.#revokedAthletes.add(athleteId);
  }

  /** Expires every access token issued so far, of one athlete or of all; refresh tokens stay good. */
  expireTokens(nowMs: number, athleteId?: number): void {
    if (athleteId === undefined) this.#allExpiredUpTo = Math.max(this.#allExpiredUpTo, Math.floor(nowMs));
    else this.#expiredUpTo.set(athleteId, Math.max(this.#expiredUpToFor(athleteId), Math.floor(nowMs)));
  }

  /** Creates or replaces an activity. */
  putActivity(a: SimActivity): void {
    const key = keyOf(a.provider, a.externalId);
    this.#activities.set(key, a);
    this.#live[a.provider].add(key);
    while (this.#activities.size > this.#maxActivities) {
      const oldest = this.#activities.keys().next().value as string;
      this.#live[this.#activities.get(oldest)!.provider].remove(oldest);
      this.#activities.delete(oldest);
    }
  }

  /** A live activity, or undefined when unknown, deleted or forgotten. */
  activity(provider: Provider, externalId: string): SimActivity | undefined {
    return this.#activities.get(keyOf(provider, externalId));
  }

  deleteActivity(provider: Provider, externalId: string): SimActivity | undefined {
    const key = keyOf(provider, externalId);
    const found = this.#activities.get(key);
    this.#activities.delete(key);
    this.#live[provider].remove(key);
    return found;
  }

  liveCount(provider: Provider): number {
    return this.#live[provider].size;
  }

  randomLive(provider: Provider, rng: Rng): SimActivity | undefined {
    const key = this.#live[provider].pick(rng);
    return key === undefined ? undefined : this.#activities.get(key);
  }

  registerGarminCallback(id: string, summaries: GarminActivity[]): void {
    this.#garminCallbacks.set(id, summaries);
    while (this.#garminCallbacks.size > this.#maxGarminCallbacks) {
      this.#garminCallbacks.delete(this.#garminCallbacks.keys().next().value as string);
    }
  }

  garminCallback(id: string): GarminActivity[] | undefined {
    return this.#garminCallbacks.get(id);
  }
}
