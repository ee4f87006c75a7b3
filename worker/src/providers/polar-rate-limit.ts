/**
 * AccessLink's rate-limit headers, read from any answer: `RateLimit-Usage`, `RateLimit-Limit` and
 * `RateLimit-Reset`, each `<15-minute window>,<24-hour window>` (reset in seconds). Pure, so a budget ledger can
 * take the figures from the client without knowing Polar's header names.
 */

/** One header's two figures; either may be missing when the header is absent or unreadable. */
export interface PolarWindows {
  short?: number;
  long?: number;
}

export interface PolarRateLimit {
  usage: PolarWindows;
  limit: PolarWindows;
  resetSeconds: PolarWindows;
  /** Retry-After of a 429, in seconds. */
  retryAfterSeconds?: number;
}

function windows(raw: string | null): PolarWindows {
  const out: PolarWindows = {};
  if (!raw) return out;
  const [short, long] = raw.split(',').map((part) => part.trim());
  const read = (text: string | undefined) => (text && /^\d{1,12}$/.test(text) ? Number(text) : undefined);
  const s = read(short);
  const l = read(long);
  if (s !== undefined) out.short = s;
  if (l !== undefined) out.long = l;
  return out;
}

/** The rate-limit figures of an answer; undefined when it carries none of the headers. */
export function polarRateLimitOf(headers: Headers): PolarRateLimit | undefined {
  const usage = headers.get('ratelimit-usage');
  const limit = headers.get('ratelimit-limit');
  const reset = headers.get('ratelimit-reset');
  if (usage === null && limit === null && reset === null) return undefined;
  const out: PolarRateLimit = { usage: windows(usage), limit: windows(limit), resetSeconds: windows(reset) };
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter && /^\d{1,9}$/.test(retryAfter)) out.retryAfterSeconds = Number(retryAfter);
  return out;
}
