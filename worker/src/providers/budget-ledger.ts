import {
  BUDGET_CLASSES,
  BUDGET_WINDOWS,
  stravaBudgetReport,
  windowSeconds,
  windowStartMs,
  type BudgetClass,
  type BudgetLimits,
  type BudgetReport,
  type BudgetWindow,
  type BudgetWindowLengths,
  type Provider,
  type Redis,
  type RedisKeys,
  type WindowFigures,
} from '@ops-cockpit/core';
import { polarRateLimitOf } from './polar-rate-limit.js';

/**
 * Every worker's view of a provider's request budget, held in one Redis hash per provider so all workers share it:
 * per class (overall, read) and natural window (15 minutes, day) the limit and the calls counted in the current
 * window. A call reserves its place before it goes out (one Lua script: check every window, then count in all of
 * them, atomically); the provider's own figures, read from each answer's headers, raise the count to what the
 * provider has seen and replace the limits. Ingestion may spend all but `reservePercent` of each window; the
 * probe and priority calls may spend it all.
 *
 * Hash fields: `lim:<class>:<window>`, `use:<class>:<window>`, `at:<class>:<window>` (the window `use` counts).
 */

const RESERVE = `
local now = tonumber(ARGV[1])
local lens = { ['15m'] = tonumber(ARGV[2]), day = tonumber(ARGV[3]) }
local priority = ARGV[4] == '1'
local reserve = tonumber(ARGV[5])
local wait = 0
local plan = {}
local i = 6
while i <= #ARGV do
  local cls = ARGV[i]
  local defaults = { ['15m'] = ARGV[i + 1], day = ARGV[i + 2] }
  for _, w in ipairs({ '15m', 'day' }) do
    local start = math.floor(now / lens[w]) * lens[w]
    local used = 0
    if tonumber(redis.call('HGET', KEYS[1], 'at:' .. cls .. ':' .. w) or '-1') == start then
      used = tonumber(redis.call('HGET', KEYS[1], 'use:' .. cls .. ':' .. w) or '0')
    end
    local limit = tonumber(redis.call('HGET', KEYS[1], 'lim:' .. cls .. ':' .. w) or defaults[w])
    if limit then
      local allowed = limit
      if not priority then allowed = math.floor(limit * (100 - reserve) / 100) end
      if used + 1 > allowed then
        local until_open = start + lens[w] - now
        if until_open > wait then wait = until_open end
      end
    end
    plan[#plan + 1] = { cls, w, start, used }
  end
  i = i + 3
end
if wait > 0 then return wait end
for _, p in ipairs(plan) do
  redis.call('HSET', KEYS[1], 'at:' .. p[1] .. ':' .. p[2], p[3], 'use:' .. p[1] .. ':' .. p[2], p[4] + 1)
end
return 0
`;

const OBSERVE = `
local now = tonumber(ARGV[1])
local lens = { ['15m'] = tonumber(ARGV[2]), day = tonumber(ARGV[3]) }
local i = 4
while i <= #ARGV do
  local cls = ARGV[i]
  local figures = { lim = { ['15m'] = ARGV[i + 1], day = ARGV[i + 2] }, use = { ['15m'] = ARGV[i + 3], day = ARGV[i + 4] } }
  for _, w in ipairs({ '15m', 'day' }) do
    if figures.lim[w] ~= '' then redis.call('HSET', KEYS[1], 'lim:' .. cls .. ':' .. w, figures.lim[w]) end
    local reported = tonumber(figures.use[w])
    if reported then
      local start = math.floor(now / lens[w]) * lens[w]
      local used = -1
      if tonumber(redis.call('HGET', KEYS[1], 'at:' .. cls .. ':' .. w) or '-1') == start then
        used = tonumber(redis.call('HGET', KEYS[1], 'use:' .. cls .. ':' .. w) or '0')
      end
      if reported > used then
        redis.call('HSET', KEYS[1], 'at:' .. cls .. ':' .. w, start, 'use:' .. cls .. ':' .. w, reported)
      end
    end
  end
  i = i + 5
end
return 0
`;

/** One class and window of a budget as it stands: its limit (undefined: not limited) and the calls counted. */
export interface BudgetFigure {
  cls: BudgetClass;
  window: BudgetWindow;
  limit: number | undefined;
  used: number;
  /** When this window reopens, ms since the epoch. */
  resetsAt: number;
}

export interface BudgetLedgerOptions {
  redis: Redis;
  keys: RedisKeys;
  /** Limits per budgeted provider before its answers report any (Strava's published defaults, or configuration). */
  limits: Partial<Record<Provider, BudgetLimits>>;
  /** Providers whose answers report their budget, read with this (Strava's headers). */
  reports: Partial<Record<Provider, (headers: Headers) => BudgetReport>>;
  lengths: BudgetWindowLengths;
  reservePercent: number;
  now?: () => number;
}

export class BudgetLedger {
  readonly #o: BudgetLedgerOptions;
  readonly #now: () => number;

  constructor(opts: BudgetLedgerOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** Whether calls to the provider are counted at all (configured limits, or limits its answers report). */
  covers(provider: Provider): boolean {
    return this.#o.limits[provider] !== undefined || this.#o.reports[provider] !== undefined;
  }

  get budgeted(): Provider[] {
    return (Object.keys({ ...this.#o.limits, ...this.#o.reports }) as Provider[]).sort();
  }

  #lengthArgs(now: number): string[] {
    return [
      String(now),
      String(this.#o.lengths.shortSeconds * 1000),
      String(this.#o.lengths.daySeconds * 1000),
    ];
  }

  /**
   * Takes a place for one call in every window of `classes`; 0 when granted, else the milliseconds until the
   * window that refuses it reopens (nothing is counted then).
   */
  async reserve(provider: Provider, classes: readonly BudgetClass[], priority: boolean): Promise<number> {
    const now = this.#now();
    const defaults = this.#o.limits[provider] ?? {};
    const args = [...this.#lengthArgs(now), priority ? '1' : '0', String(this.#o.reservePercent)];
    for (const cls of classes) {
      const limit = defaults[cls];
      args.push(cls, limit ? String(limit['15m']) : '', limit ? String(limit.day) : '');
    }
    return Number(await this.#o.redis.eval(RESERVE, 1, this.#o.keys.budget(provider), ...args));
  }

  /** Takes the provider's own figures from an answer's headers: its limits, and usage when above ours. */
  async observe(provider: Provider, headers: Headers): Promise<void> {
    const report = this.#o.reports[provider]?.(headers);
    if (!report || Object.keys(report).length === 0) return;
    const args = this.#lengthArgs(this.#now());
    for (const cls of BUDGET_CLASSES) {
      const r = report[cls];
      if (!r) continue;
      const f = (n: number | undefined) => (n === undefined ? '' : String(n));
      args.push(cls, f(r.limit?.['15m']), f(r.limit?.day), f(r.usage?.['15m']), f(r.usage?.day));
    }
    await this.#o.redis.eval(OBSERVE, 1, this.#o.keys.budget(provider), ...args);
  }

  /** The budget as it stands, every class and window (for the metrics and the catch-up estimate). */
  async figures(provider: Provider): Promise<BudgetFigure[]> {
    const now = this.#now();
    const hash = await this.#o.redis.hgetall(this.#o.keys.budget(provider));
    const defaults = this.#o.limits[provider] ?? {};
    return BUDGET_CLASSES.flatMap((cls) =>
      BUDGET_WINDOWS.map((window): BudgetFigure => {
        const length = windowSeconds(this.#o.lengths, window) * 1000;
        const start = windowStartMs(now, length / 1000);
        const stored = hash[`lim:${cls}:${window}`];
        const limit = stored !== undefined ? Number(stored) : defaults[cls]?.[window];
        const used =
          Number(hash[`at:${cls}:${window}`]) === start ? Number(hash[`use:${cls}:${window}`] ?? 0) : 0;
        return { cls, window, limit, used, resetsAt: start + length };
      }),
    );
  }
}

/**
 * Seconds until `waiting` ingestion calls of one class have all had their place: to the next window, then one
 * window per `perWindow` calls (the share ingestion may spend), as long as the day's budget lasts. An estimate:
 * it leaves out new traffic and calls other classes take.
 */
export function catchUpSeconds(
  figures: readonly BudgetFigure[],
  cls: BudgetClass,
  waiting: number,
  lengths: BudgetWindowLengths,
  reservePercent: number,
  nowMs: number,
): number {
  if (waiting <= 0) return 0;
  const short = figures.find((f) => f.cls === cls && f.window === '15m');
  const day = figures.find((f) => f.cls === cls && f.window === 'day');
  if (short?.limit === undefined) return 0;
  const share = (limit: number) => Math.max(1, Math.floor((limit * (100 - reservePercent)) / 100));
  const perWindow = share(short.limit);
  const leftNow = Math.max(0, perWindow - short.used);
  if (waiting <= leftNow) return 0;
  const windows = Math.ceil((waiting - leftNow) / perWindow);
  let seconds = (short.resetsAt - nowMs) / 1000 + (windows - 1) * lengths.shortSeconds;
  if (day?.limit !== undefined) {
    const dayLeft = Math.max(0, share(day.limit) - day.used);
    if (waiting > dayLeft) {
      // The day runs out first: what is left waits for the next day, at the short window's pace again.
      const after = waiting - dayLeft;
      seconds = Math.max(
        seconds,
        (day.resetsAt - nowMs) / 1000 + Math.ceil(after / perWindow - 1) * lengths.shortSeconds,
      );
    }
  }
  return Math.max(0, seconds);
}

/** The worker settings the budgets are built from (core's workerEnvSchema validates them). */
export interface BudgetSettings {
  STRAVA_RATE_LIMITS: WindowFigures | undefined;
  STRAVA_READ_RATE_LIMITS: WindowFigures | undefined;
  GARMIN_RATE_LIMITS: WindowFigures | undefined;
  APPLE_HEALTH_RATE_LIMITS: WindowFigures | undefined;
}

/**
 * Polar AccessLink's figures (`RateLimit-Usage`/`-Limit`, "<15-minute>,<24-hour>") as a budget report of one
 * class. Its windows run from its own reset times, not the natural ones this ledger counts in: the provider's
 * usage, raised into ours on every answer, keeps the two close, and a 429 is still retried after Retry-After.
 */
export function polarBudgetReport(headers: Headers): BudgetReport {
  const figures = polarRateLimitOf(headers);
  if (!figures) return {};
  const both = (w: { short?: number; long?: number }) =>
    w.short !== undefined && w.long !== undefined ? { '15m': w.short, day: w.long } : undefined;
  const limit = both(figures.limit);
  const usage = both(figures.usage);
  return limit || usage ? { overall: { ...(limit ? { limit } : {}), ...(usage ? { usage } : {}) } } : {};
}

/**
 * Which providers are budgeted and how: Strava unless both its limits are `off` (its answers then report the
 * real limits), Polar by the limits its answers report, Garmin and Apple Health only with configured limits
 * (they publish none; every call counts as overall).
 */
export function budgetsFrom(env: BudgetSettings): Pick<BudgetLedgerOptions, 'limits' | 'reports'> {
  const limits: BudgetLedgerOptions['limits'] = {};
  const reports: BudgetLedgerOptions['reports'] = {};
  if (env.STRAVA_RATE_LIMITS || env.STRAVA_READ_RATE_LIMITS) {
    limits.strava = {
      ...(env.STRAVA_RATE_LIMITS ? { overall: env.STRAVA_RATE_LIMITS } : {}),
      ...(env.STRAVA_READ_RATE_LIMITS ? { read: env.STRAVA_READ_RATE_LIMITS } : {}),
    };
    reports.strava = stravaBudgetReport;
  }
  reports.polar = polarBudgetReport;
  if (env.GARMIN_RATE_LIMITS) limits.garmin = { overall: env.GARMIN_RATE_LIMITS };
  if (env.APPLE_HEALTH_RATE_LIMITS) limits.apple_health = { overall: env.APPLE_HEALTH_RATE_LIMITS };
  return { limits, reports };
}
