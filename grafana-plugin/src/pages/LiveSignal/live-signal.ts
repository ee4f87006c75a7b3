import type { SignalSeries } from '../../panels/ops-cockpit/model/signal';

/** The exporter's stream, under the app's proxy (`/api/plugin-proxy/<app id>/…`). */
export const STREAM_PATH = 'api/ops/throughput/stream';
/** How much of the stream the page keeps and draws. */
export const WINDOW_MS = 5 * 60_000;
/** The exporter's default push interval, until two samples tell the real one. */
export const DEFAULT_INTERVAL_MS = 5000;
/** A stream with no sample for this many intervals is stale, and is reopened. */
export const STALE_INTERVALS = 3;
export const MAX_RECONNECT_MS = 30_000;

/** One `event: throughput` of the exporter: events/s per provider over a 5-second bucket ending at `at`. */
export interface ThroughputSample {
  at: number;
  byProvider: Record<string, number>;
}

/** Reads an event's data; `undefined` for anything that is not a sample (never throws on bad input). */
export function parseSample(data: string): ThroughputSample | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return undefined;
  }
  const { at, byProvider } = (raw ?? {}) as { at?: unknown; byProvider?: unknown };
  const time = typeof at === 'string' ? Date.parse(at) : NaN;
  if (!Number.isFinite(time) || typeof byProvider !== 'object' || byProvider === null) {
    return undefined;
  }
  const rates: Record<string, number> = {};
  for (const [provider, value] of Object.entries(byProvider)) {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
      rates[provider] = value;
    }
  }
  return { at: time, byProvider: rates };
}

/** Appends a sample (a repeat or an older one is dropped) and forgets what fell out of the window. */
export function pushSample(samples: ThroughputSample[], sample: ThroughputSample): ThroughputSample[] {
  const last = samples[samples.length - 1];
  if (last && sample.at <= last.at) {
    return samples;
  }
  return [...samples.filter((s) => s.at > sample.at - WINDOW_MS), sample];
}

/** Samples → one series per provider, every provider any sample names (the exporter's list, whatever it is). */
export function toSeries(samples: ThroughputSample[]): SignalSeries[] {
  const byProvider = new Map<string, SignalSeries>();
  for (const { at, byProvider: rates } of samples) {
    for (const [provider, value] of Object.entries(rates)) {
      const series = byProvider.get(provider) ?? { provider, times: [], values: [] };
      byProvider.set(provider, series);
      series.times.push(at);
      series.values.push(value);
    }
  }
  return [...byProvider.values()];
}

/** The push interval the samples show (the median gap), or the exporter's default before there are two. */
export function pushInterval(samples: ThroughputSample[]): number {
  const gaps = samples
    .slice(1)
    .map((s, i) => s.at - samples[i].at)
    .sort((a, b) => a - b);
  return gaps.length ? gaps[gaps.length >> 1] : DEFAULT_INTERVAL_MS;
}

export type StreamStatus = 'connecting' | 'live' | 'stale' | 'reconnecting';

export interface StreamState {
  /** The event source is open. */
  open: boolean;
  /** When (page clock) the last sample arrived. */
  lastSampleAt?: number;
  /** When (page clock) the stream was first asked for: "connecting" turns "stale" after as long as a gap. */
  since: number;
}

/**
 * What the page says about the stream: live while samples keep coming; stale once none came for
 * STALE_INTERVALS push intervals (open or not); reconnecting while the source is shut and a retry is due.
 */
export function streamStatus(state: StreamState, now: number, intervalMs: number): StreamStatus {
  const staleAfter = STALE_INTERVALS * intervalMs;
  if (now - (state.lastSampleAt ?? state.since) > staleAfter) {
    return 'stale';
  }
  if (!state.open) {
    return 'reconnecting';
  }
  return state.lastSampleAt === undefined ? 'connecting' : 'live';
}

/** Delay before the n-th reconnect in a row (0-based): 1 s, 2 s, 4 s … up to MAX_RECONNECT_MS. */
export function reconnectDelay(attempt: number): number {
  return Math.min(MAX_RECONNECT_MS, 1000 * 2 ** attempt);
}
