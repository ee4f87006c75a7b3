import { DataFrame } from '@grafana/data';

import { CockpitOptions } from '../types';
import { humanize, isSeries, numericSeries, SeriesName } from './series';

/**
 * The Pulse grid's queries, one series per `provider` label. Bare metrics are known by name; the success ratio,
 * the p95 and the last failure are computed by PromQL, so only their refId names them.
 */
export const PULSE_SERIES = {
  /** 1 while the last probe succeeded, 0 when it failed (`ops_provider_probe_success`). */
  up: { metric: 'ops_provider_probe_success', refIds: ['up'] },
  /** Share of successful probes over the dashboard's range, 0–1. */
  success: { refIds: ['success'] },
  /** p95 probe duration over the range, seconds. */
  p95: { refIds: ['p95'] },
  /** Time to first byte of the last probe, seconds (`ops_provider_probe_duration_seconds{phase="ttfb"}`). */
  ttfb: { metric: 'ops_provider_probe_duration_seconds', refIds: ['ttfb'] },
  /** One series per failure `reason`: the time (Unix seconds) that reason was last seen. */
  failure: { refIds: ['failure'] },
} satisfies Record<string, SeriesName>;

/** up: probing fine; degraded: up but under a threshold; down: the last probe failed; unknown: no probe seen. */
export type PulseState = 'up' | 'degraded' | 'down' | 'unknown';
/** Colour step of the success bar. */
export type PulseLevel = 'ok' | 'warn' | 'critical' | 'none';

export interface PulseTile {
  provider: string;
  label: string;
  state: PulseState;
  level: PulseLevel;
  successPercent?: number;
  p95Ms?: number;
  ttfbMs?: number;
  lastFailure?: { reason: string; at: number };
}

type Thresholds = Pick<CockpitOptions, 'pulseWarnPercent' | 'pulseCriticalPercent' | 'pulseLatencyMs'>;

/**
 * A tile per provider found in the frames, in name order: every provider the queries report shows up,
 * whatever the exporter adds. `undefined` when no series carries a `provider` label.
 */
export function toPulseModel(frames: DataFrame[], t: Thresholds): PulseTile[] | undefined {
  type Readings = Partial<Record<'up' | 'success' | 'p95' | 'ttfb', number>> & Pick<PulseTile, 'lastFailure'>;
  const byProvider = new Map<string, Readings>();
  for (const s of numericSeries(frames)) {
    const { provider, reason, phase } = s.labels;
    if (provider === undefined || s.value === undefined) {
      continue;
    }
    const tile = byProvider.get(provider) ?? {};
    byProvider.set(provider, tile);
    if (isSeries(s, PULSE_SERIES.failure)) {
      if (reason && (tile.lastFailure?.at ?? -Infinity) < s.value) {
        tile.lastFailure = { reason, at: s.value };
      }
      continue;
    }
    const kind = (['up', 'success', 'p95', 'ttfb'] as const).find((k) => isSeries(s, PULSE_SERIES[k]));
    if (kind && (kind !== 'ttfb' || phase === undefined || phase === 'ttfb')) {
      tile[kind] ??= s.value;
    }
  }
  if (byProvider.size === 0) {
    return undefined;
  }
  return [...byProvider.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([provider, { up, success, p95, ttfb, lastFailure }]): PulseTile => {
      const successPercent = success === undefined ? undefined : success * 100;
      const slow = p95 !== undefined && p95 * 1000 > t.pulseLatencyMs;
      const low = successPercent !== undefined && successPercent < t.pulseWarnPercent;
      return {
        provider,
        label: humanize(provider),
        state: up === undefined ? 'unknown' : up <= 0 ? 'down' : slow || low ? 'degraded' : 'up',
        level:
          successPercent === undefined
            ? 'none'
            : !low
              ? 'ok'
              : successPercent >= t.pulseCriticalPercent
                ? 'warn'
                : 'critical',
        successPercent,
        p95Ms: p95 === undefined ? undefined : p95 * 1000,
        ttfbMs: ttfb === undefined ? undefined : ttfb * 1000,
        lastFailure,
      };
    });
}

/** "99.2 %", "100 %": one decimal, none when whole. */
export function formatPercent(percent: number): string {
  const rounded = Math.floor(percent * 10) / 10;
  return `${rounded.toFixed(Number.isInteger(rounded) ? 0 : 1)} %`;
}

/** "850 ms", "1.2 s", or "–" when unknown. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) {
    return '–';
  }
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** How long before `nowMs` a Unix-seconds time was: "40 s ago", "12 min ago", "3 h ago", "2 d ago". */
export function formatAgo(atSeconds: number, nowMs: number): string {
  const s = Math.max(0, Math.round(nowMs / 1000 - atSeconds));
  const [n, unit] =
    s < 60 ? [s, 's'] : s < 3600 ? [s / 60, 'min'] : s < 86400 ? [s / 3600, 'h'] : [s / 86400, 'd'];
  return `${Math.floor(n)} ${unit} ago`;
}
