/**
 * What the fake Polar AccessLink remembers besides exercises: the requests counted in its rate-limit windows and
 * the users who withdrew the app's access. Held by the World, so each simulator (and each test) has its own.
 */

export interface PolarLimits {
  /** Requests allowed per 15-minute window and per UTC day; beyond either, 429 until the window resets. */
  shortLimit?: number;
  longLimit?: number;
}

const SHORT_WINDOW_MS = 15 * 60_000;
const LONG_WINDOW_MS = 86_400_000;

export interface PolarMeterReading {
  /** AccessLink's RateLimit-Usage, -Limit and -Reset headers: `<15-minute window>,<day>`. */
  headers: Record<string, string>;
  /** Seconds until the window that is over its limit resets; undefined while within both. */
  overForSeconds?: number;
}

export class PolarAccess {
  readonly shortLimit: number;
  readonly longLimit: number;
  readonly #revoked = new Set<number>();
  #short = { index: -1, used: 0 };
  #long = { index: -1, used: 0 };

  constructor(limits: PolarLimits = {}) {
    this.shortLimit = limits.shortLimit ?? 500;
    this.longLimit = limits.longLimit ?? 5_000;
    for (const [name, value] of Object.entries({ shortLimit: this.shortLimit, longLimit: this.longLimit })) {
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`${name} must be an integer >= 1, got ${value}`);
    }
  }

  /** The user deregistered or revoked the app: their token answers 401 from now on. */
  revoke(polarUserId: number): void {
    this.#revoked.add(polarUserId);
  }

  isRevoked(polarUserId: number): boolean {
    return this.#revoked.has(polarUserId);
  }

  /** Counts one request in the windows of `nowMs`. */
  meter(nowMs: number): PolarMeterReading {
    const short = Math.floor(nowMs / SHORT_WINDOW_MS);
    const long = Math.floor(nowMs / LONG_WINDOW_MS);
    if (this.#short.index !== short) this.#short = { index: short, used: 0 };
    if (this.#long.index !== long) this.#long = { index: long, used: 0 };
    this.#short.used += 1;
    this.#long.used += 1;
    const shortReset = Math.ceil(((short + 1) * SHORT_WINDOW_MS - nowMs) / 1000);
    const longReset = Math.ceil(((long + 1) * LONG_WINDOW_MS - nowMs) / 1000);
    const reading: PolarMeterReading = {
      headers: {
        'RateLimit-Usage': `${this.#short.used},${this.#long.used}`,
        'RateLimit-Limit': `${this.shortLimit},${this.longLimit}`,
        'RateLimit-Reset': `${shortReset},${longReset}`,
      },
    };
    if (this.#long.used > this.longLimit) reading.overForSeconds = longReset;
    else if (this.#short.used > this.shortLimit) reading.overForSeconds = shortReset;
    return reading;
  }
}
