import type http from 'node:http';
import { POLAR_ENTITY_ID } from '@ops-cockpit/core';
import { readPolarToken } from './accounts.js';
import { polarExercise, type PolarExerciseRecord } from './payloads.js';

/**
 * A fake Polar AccessLink v3: GET /v3/exercises/{exerciseId} with the user's bearer token, and AccessLink's
 * rate-limit headers on every answer. The traffic generator stores an exercise here before announcing it, so the
 * API returns what the webhook promised.
 */

type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

export interface PolarApiOptions {
  /** Requests allowed per 15-minute window and per UTC day; beyond either, 429 until the window resets. */
  shortLimit?: number;
  longLimit?: number;
  /** Exercises kept; beyond it the oldest are forgotten (and answer 404), so a long run stays bounded. */
  maxExercises?: number;
}

const SHORT_WINDOW_MS = 15 * 60_000;
const LONG_WINDOW_MS = 86_400_000;
/** Written into `polar_user` links, as the real API does. */
const POLAR_PUBLIC_BASE = 'https://www.polaraccesslink.com';

/** AccessLink's error body. */
function polarError(send: Send, status: number, errorType: string, message: string, headers = {}): void {
  send(status, { timestamp: new Date().toISOString(), status, errorType, message }, headers);
}

export class PolarApiFake {
  readonly shortLimit: number;
  readonly longLimit: number;
  readonly #maxExercises: number;
  readonly #exercises = new Map<string, PolarExerciseRecord>();
  readonly #revoked = new Set<number>();
  #window = { short: -1, long: -1, shortUsed: 0, longUsed: 0 };

  constructor(opts: PolarApiOptions = {}) {
    this.shortLimit = opts.shortLimit ?? 500;
    this.longLimit = opts.longLimit ?? 5_000;
    this.#maxExercises = opts.maxExercises ?? 100_000;
    for (const [name, value] of Object.entries({ shortLimit: this.shortLimit, longLimit: this.longLimit })) {
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`${name} must be an integer >= 1, got ${value}`);
    }
  }

  /** Creates or replaces an exercise. */
  put(e: PolarExerciseRecord): void {
    this.#exercises.delete(e.entityId);
    this.#exercises.set(e.entityId, e);
    while (this.#exercises.size > this.#maxExercises) {
      this.#exercises.delete(this.#exercises.keys().next().value as string);
    }
  }

  exercise(entityId: string): PolarExerciseRecord | undefined {
    return this.#exercises.get(entityId);
  }

  /** The user deregistered or revoked the app: their token answers 401 from now on. */
  revoke(polarUserId: number): void {
    this.#revoked.add(polarUserId);
  }

  handles(path: string): boolean {
    return path.startsWith('/v3/exercises/');
  }

  /** Counts a request in the current windows; the headers to send, and whether it is over a limit. */
  #meter(nowMs: number): { headers: Record<string, string>; over: boolean } {
    const short = Math.floor(nowMs / SHORT_WINDOW_MS);
    const long = Math.floor(nowMs / LONG_WINDOW_MS);
    const w = this.#window;
    if (w.short !== short) Object.assign(w, { short, shortUsed: 0 });
    if (w.long !== long) Object.assign(w, { long, longUsed: 0 });
    w.shortUsed += 1;
    w.longUsed += 1;
    const resetIn = (size: number, index: number) => Math.ceil(((index + 1) * size - nowMs) / 1000);
    return {
      headers: {
        'RateLimit-Usage': `${w.shortUsed},${w.longUsed}`,
        'RateLimit-Limit': `${this.shortLimit},${this.longLimit}`,
        'RateLimit-Reset': `${resetIn(SHORT_WINDOW_MS, short)},${resetIn(LONG_WINDOW_MS, long)}`,
      },
      over: w.shortUsed > this.shortLimit || w.longUsed > this.longLimit,
    };
  }

  handle(req: http.IncomingMessage, url: URL, send: Send, nowMs: number): void {
    const meter = this.#meter(nowMs);
    const headers = meter.headers;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return polarError(send, 405, 'METHOD_NOT_ALLOWED', 'Method Not Allowed', { ...headers, Allow: 'GET' });
    }
    if (meter.over) {
      const retryAfter =
        headers['RateLimit-Reset']!.split(',')[this.#window.shortUsed > this.shortLimit ? 0 : 1]!;
      return polarError(send, 429, 'TOO_MANY_REQUESTS', 'Rate limit exceeded', {
        ...headers,
        'Retry-After': retryAfter,
      });
    }
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '');
    const polarUserId = m ? readPolarToken(m[1]!) : undefined;
    if (polarUserId === undefined || this.#revoked.has(polarUserId)) {
      return polarError(send, 401, 'UNAUTHORIZED', 'Unauthorized', headers);
    }
    const id = url.pathname.slice('/v3/exercises/'.length);
    const found = POLAR_ENTITY_ID.test(id) ? this.#exercises.get(id) : undefined;
    // Another user's exercise is as absent as an unknown one: ids are not to be probed.
    if (!found || found.polarUserId !== polarUserId) {
      return polarError(send, 404, 'NOT_FOUND', 'Exercise not found', headers);
    }
    send(200, polarExercise(found, POLAR_PUBLIC_BASE), headers);
  }
}
