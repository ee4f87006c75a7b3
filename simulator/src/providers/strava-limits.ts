import {
  BUDGET_CLASSES,
  BUDGET_WINDOWS,
  classesOf,
  stravaBudgetHeaders,
  windowSeconds,
  windowStartMs,
  type BudgetLimits,
  type BudgetWindowLengths,
  type WindowFigures,
} from '@ops-cockpit/core';

/** What Strava answers over its limit (status 429). */
export const STRAVA_RATE_LIMIT_ERROR = {
  message: 'Rate Limit Exceeded',
  errors: [{ resource: 'Application', field: 'rate limit', code: 'exceeded' }],
};

/**
 * Strava's application rate limits as Strava enforces them: overall and read counts per natural window (quarter
 * hours and UTC days, or shorter lengths for tests), every request counted, refused ones too (Strava counts
 * requests over the short limit toward the daily one), and the four headers on every answer.
 */
export class StravaRateLimits {
  #starts: Record<string, number> = {};
  #counts: Record<string, number> = {};
  /** Answers of 429 sent so far. */
  refused = 0;

  constructor(
    readonly limits: BudgetLimits,
    readonly lengths: BudgetWindowLengths,
    private readonly now: () => number,
  ) {}

  /** Counts a request; whether it is within every limit, and the headers its answer carries. */
  admit(method: string | undefined): { allowed: boolean; headers: Record<string, string> } {
    const nowMs = this.now();
    let allowed = true;
    for (const cls of classesOf(method)) {
      for (const window of BUDGET_WINDOWS) {
        const used = this.#bump(`${cls}:${window}`, nowMs, window);
        const limit = this.limits[cls]?.[window];
        if (limit !== undefined && used > limit) allowed = false;
      }
    }
    if (!allowed) this.refused++;
    return { allowed, headers: this.headers() };
  }

  /** The four headers for the usage as it stands. */
  headers(): Record<string, string> {
    const nowMs = this.now();
    const usage: BudgetLimits = {};
    for (const cls of BUDGET_CLASSES) {
      const figures = {} as WindowFigures;
      for (const window of BUDGET_WINDOWS) figures[window] = this.#used(`${cls}:${window}`, nowMs, window);
      usage[cls] = figures;
    }
    return stravaBudgetHeaders(this.limits, usage);
  }

  #used(key: string, nowMs: number, window: (typeof BUDGET_WINDOWS)[number]): number {
    const start = windowStartMs(nowMs, windowSeconds(this.lengths, window));
    return this.#starts[key] === start ? (this.#counts[key] ?? 0) : 0;
  }

  #bump(key: string, nowMs: number, window: (typeof BUDGET_WINDOWS)[number]): number {
    const start = windowStartMs(nowMs, windowSeconds(this.lengths, window));
    if (this.#starts[key] !== start) {
      this.#starts[key] = start;
      this.#counts[key] = 0;
    }
    return (this.#counts[key] = (this.#counts[key] ?? 0) + 1);
  }
}
