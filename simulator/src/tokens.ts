import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Strava-style OAuth tokens for simulated athletes. They are self-checking (an HMAC over their claims) rather
 * than stored, so a restarted simulator still accepts what it issued before, as the real provider would, and
 * the seed can write matching tokens without talking to the simulator.
 */

// Not a credential: the provider is fake. The key only makes tokens unforgeable by accident (a typo, another
// athlete's id), which is what the worker's error paths need to meet.
const TOKEN_KEY = 'ops-cockpit-simulator-tokens';

/** Strava's access tokens live six hours. */
export const ACCESS_TOKEN_TTL_SECONDS = 6 * 60 * 60;

/** The seed's access tokens expired long ago, so the worker's first call for an athlete refreshes. */
export const SEED_TOKEN_ISSUED_AT_MS = Date.UTC(2024, 0, 1);
export const SEED_TOKEN_EXPIRES_AT = SEED_TOKEN_ISSUED_AT_MS / 1000 + ACCESS_TOKEN_TTL_SECONDS;

export interface AccessTokenClaims {
  athleteId: number;
  /** Milliseconds, so a token issued right after an expiry is told apart from one issued before it. */
  issuedAtMs: number;
  /** Seconds since the epoch, as Strava's `expires_at`. */
  expiresAt: number;
}

/** A short HMAC of `payload` under the simulator's key: what makes its tokens self-checking. */
export function simulatorMac(payload: string): string {
  return createHmac('sha256', TOKEN_KEY).update(payload).digest('base64url').slice(0, 22);
}

export function simulatorMacMatches(payload: string, given: string): boolean {
  const expected = Buffer.from(simulatorMac(payload));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function mintAccessToken(claims: AccessTokenClaims): string {
  const payload = `${claims.athleteId}.${claims.issuedAtMs}.${claims.expiresAt}`;
  return `sat.${payload}.${simulatorMac(`access.${payload}`)}`;
}

/** The claims of a token this simulator minted; undefined for anything else. Says nothing about expiry. */
export function readAccessToken(token: string): AccessTokenClaims | undefined {
  const m = /^sat\.(\d{1,15})\.(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m || !simulatorMacMatches(`access.${m[1]}.${m[2]}.${m[3]}`, m[4]!)) return undefined;
  return { athleteId: Number(m[1]), issuedAtMs: Number(m[2]), expiresAt: Number(m[3]) };
}

/** An athlete's refresh token never changes (Strava may rotate it; keeping it stable survives restarts). */
export function refreshTokenFor(athleteId: number): string {
  return `srt.${athleteId}.${simulatorMac(`refresh.${athleteId}`)}`;
}

export function readRefreshToken(token: string): number | undefined {
  const m = /^srt\.(\d{1,15})\.([A-Za-z0-9_-]{22})$/.exec(token);
  return m && simulatorMacMatches(`refresh.${m[1]}`, m[2]!) ? Number(m[1]) : undefined;
}

/** What the seed stores in provider_accounts for a Strava athlete. */
export function stravaTokensFor(athleteId: number): {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
} {
  return {
    accessToken: mintAccessToken({
      athleteId,
      issuedAtMs: SEED_TOKEN_ISSUED_AT_MS,
      expiresAt: SEED_TOKEN_EXPIRES_AT,
    }),
    refreshToken: refreshTokenFor(athleteId),
    expiresAt: new Date(SEED_TOKEN_EXPIRES_AT * 1000),
  };
}
