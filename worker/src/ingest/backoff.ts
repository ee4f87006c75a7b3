/** Longest wait between two attempts at one ingest entry. */
export const MAX_BACKOFF_MS = 10 * 60 * 1000;

/**
 * Delay before attempt `failures + 1`: doubling from `baseMs`, capped, and never shorter than what the
 * provider asked for with Retry-After.
 */
export function backoffMs(failures: number, baseMs: number, retryAfterSeconds?: number): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MS);
  return Math.max(exponential, (retryAfterSeconds ?? 0) * 1000);
}

/** Longest pause of the ingest consumer while a dependency (Postgres) is unreachable. */
export const MAX_OUTAGE_PAUSE_MS = 30_000;

/**
 * The consumer's pause after `outages` batches in a row stopped by an outage: doubling from `baseMs`, capped at
 * the claim idle time (a retried entry is not claimable sooner anyway) and at 30 s, so the worker resumes soon
 * after the dependency is back without hammering it meanwhile.
 */
export function outagePauseMs(outages: number, baseMs: number, claimIdleMs: number): number {
  const cap = Math.min(MAX_OUTAGE_PAUSE_MS, Math.max(baseMs, claimIdleMs));
  return Math.min(baseMs * 2 ** Math.max(0, outages - 1), cap);
}
