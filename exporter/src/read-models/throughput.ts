import { PROVIDERS, type Provider } from '@ops-cockpit/core';

export const MINUTE_MS = 60_000;
/** Width of the live-signal buckets the SSE stream reads. */
export const BUCKET_SECONDS = 5;

export type ProviderCounts = Record<Provider, number>;

export interface ThroughputBucket {
  minute: string;
  count: number;
  byProvider: ProviderCounts;
}

export function zeroCounts(): ProviderCounts {
  return Object.fromEntries(PROVIDERS.map((p) => [p, 0])) as ProviderCounts;
}

/** A Redis hash (provider → count as text) as counts; unknown fields are ignored, never surfaced. */
export function countsFromHash(hash: Record<string, string> | null | undefined): ProviderCounts {
  const counts = zeroCounts();
  for (const p of PROVIDERS) {
    const n = Number(hash?.[p] ?? 0);
    counts[p] = Number.isFinite(n) && n > 0 ? n : 0;
  }
  return counts;
}

export function epochMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}

export function epochBucket(ms: number): number {
  return Math.floor(ms / 1000 / BUCKET_SECONDS);
}

/**
 * A process whose flush watermark is older than this is taken for gone (crashed, or cut off from Redis): the
 * stream stops waiting for it. Ten flush intervals at the default 1 s.
 */
export const FLUSH_WATERMARK_STALE_MS = 10_000;

/**
 * The newest 5-second bucket that is complete at `nowMs`: it has ended, and every live exporter process has
 * flushed what it counted in it (`horizonMs`, the lowest live watermark: counts of events before it are written).
 * With no live process counting, every ended bucket is complete.
 */
export function completeBucket(nowMs: number, horizonMs: number | undefined): number {
  const ended = epochBucket(nowMs) - 1;
  return horizonMs === undefined ? ended : Math.min(ended, epochBucket(horizonMs) - 1);
}

/** The `minutes` epoch minutes ending with the one containing `nowMs`, oldest first. */
export function minuteRange(nowMs: number, minutes: number): number[] {
  const last = epochMinute(nowMs);
  return Array.from({ length: minutes }, (_, i) => last - minutes + 1 + i);
}

export function bucketsFromHashes(
  minutes: readonly number[],
  hashes: readonly (Record<string, string> | null)[],
) {
  return minutes.map((minute, i): ThroughputBucket => {
    const byProvider = countsFromHash(hashes[i]);
    const count = PROVIDERS.reduce((sum, p) => sum + byProvider[p], 0);
    return { minute: new Date(minute * MINUTE_MS).toISOString(), count, byProvider };
  });
}
