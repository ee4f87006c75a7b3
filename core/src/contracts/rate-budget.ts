/**
 * Provider request budgets, as Strava publishes them ("Rate Limits", developers.strava.com): per application an
 * overall limit and a read ("non-upload") limit, each per 15 minutes and per day; the 15-minute windows reset at
 * natural quarter hours and the daily one at midnight UTC. Every answer reports both in
 * `X-RateLimit-Limit`/`-Usage` and `X-ReadRateLimit-Limit`/`-Usage` as "<15-minute>,<daily>". Shared by the
 * worker's budget ledger and the simulator that enforces the same limits. Pure.
 */

export const BUDGET_CLASSES = ['overall', 'read'] as const;
export type BudgetClass = (typeof BUDGET_CLASSES)[number];
export const BUDGET_WINDOWS = ['15m', 'day'] as const;
export type BudgetWindow = (typeof BUDGET_WINDOWS)[number];

/** Window lengths; natural windows are the multiples of each length since the epoch (quarter hours, UTC days). */
export interface BudgetWindowLengths {
  shortSeconds: number;
  daySeconds: number;
}

export const STRAVA_WINDOWS: BudgetWindowLengths = { shortSeconds: 900, daySeconds: 86_400 };

/** A limit (or a usage) per window. */
export interface WindowFigures {
  '15m': number;
  day: number;
}

/** Limits per class; a class absent is not limited. */
export type BudgetLimits = Partial<Record<BudgetClass, WindowFigures>>;

/** Strava's published defaults for a new application. */
export const STRAVA_DEFAULT_LIMITS: BudgetLimits = {
  overall: { '15m': 200, day: 2_000 },
  read: { '15m': 100, day: 1_000 },
};

export function windowSeconds(lengths: BudgetWindowLengths, window: BudgetWindow): number {
  return window === '15m' ? lengths.shortSeconds : lengths.daySeconds;
}

/** Start of the natural window holding `nowMs`, in ms. */
export function windowStartMs(nowMs: number, seconds: number): number {
  const ms = seconds * 1000;
  return Math.floor(nowMs / ms) * ms;
}

/** The classes a request counts against: every request is overall; GETs are reads as well. */
export function classesOf(method: string | undefined): BudgetClass[] {
  return (method ?? 'GET').toUpperCase() === 'GET' ? ['overall', 'read'] : ['overall'];
}

/** "200,2000" as figures; undefined when it is not two whole numbers. */
export function parseWindowFigures(raw: string | null | undefined): WindowFigures | undefined {
  const m = /^\s*(\d{1,12})\s*,\s*(\d{1,12})\s*$/.exec(raw ?? '');
  return m ? { '15m': Number(m[1]), day: Number(m[2]) } : undefined;
}

export const formatWindowFigures = (f: WindowFigures): string => `${f['15m']},${f.day}`;

/** What one answer said about a class: its limits and how much of them is used, each when present. */
export interface ClassReport {
  limit?: WindowFigures;
  usage?: WindowFigures;
}
export type BudgetReport = Partial<Record<BudgetClass, ClassReport>>;

type HeaderSource = { get(name: string): string | null };

/** Strava's four headers read from any answer (errors included); empty when it carries none. */
export function stravaBudgetReport(headers: HeaderSource): BudgetReport {
  const report: BudgetReport = {};
  const read = (cls: BudgetClass, prefix: string) => {
    const limit = parseWindowFigures(headers.get(`${prefix}-Limit`));
    const usage = parseWindowFigures(headers.get(`${prefix}-Usage`));
    if (limit || usage) report[cls] = { ...(limit ? { limit } : {}), ...(usage ? { usage } : {}) };
  };
  read('overall', 'X-RateLimit');
  read('read', 'X-ReadRateLimit');
  return report;
}

/** The four headers for a usage and limits, as Strava sends them on every answer. */
export function stravaBudgetHeaders(limits: BudgetLimits, usage: BudgetLimits): Record<string, string> {
  const headers: Record<string, string> = {};
  const put = (cls: BudgetClass, prefix: string) => {
    const limit = limits[cls];
    if (!limit) return;
    headers[`${prefix}-Limit`] = formatWindowFigures(limit);
    headers[`${prefix}-Usage`] = formatWindowFigures(usage[cls] ?? { '15m': 0, day: 0 });
  };
  put('overall', 'X-RateLimit');
  put('read', 'X-ReadRateLimit');
  return headers;
}
