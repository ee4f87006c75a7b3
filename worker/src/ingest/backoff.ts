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
