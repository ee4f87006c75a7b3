import { DataFrame, FieldType } from '@grafana/data';

import { CockpitOptions } from '../types';
import { humanize, toNumber } from './series';

/** One provider's events per second over time (epoch ms, oldest first). */
export interface SignalSeries {
  provider: string;
  times: number[];
  values: number[];
}

export interface SignalTrace extends SignalSeries {
  label: string;
  /** The newest value. */
  last: number;
  /** Zero for the whole of the last `flatlineSeconds` (and seen for that long at least). */
  flatline: boolean;
  /** Indexes of samples above `spikeFactor` × the median of the samples before them. */
  spikes: number[];
}

export interface SignalModel {
  traces: SignalTrace[];
  from: number;
  to: number;
  /** Top of the y axis (events/s), above the highest sample. */
  max: number;
}

/** How many earlier samples make "the recent median" a spike is measured against (1 min at 5 s). */
export const SPIKE_WINDOW = 12;
/** A median of fewer samples is no baseline yet. */
const MIN_HISTORY = 3;

type Thresholds = Pick<CockpitOptions, 'flatlineSeconds' | 'spikeFactor'>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Spikes: a sample above `factor` × the median of the up to SPIKE_WINDOW samples before it (a median above 0). */
export function findSpikes(values: number[], factor: number): number[] {
  const spikes: number[] = [];
  for (let i = MIN_HISTORY; i < values.length; i++) {
    const base = median(values.slice(Math.max(0, i - SPIKE_WINDOW), i));
    if (base > 0 && values[i] > factor * base) {
      spikes.push(i);
    }
  }
  return spikes;
}

/** Whether every sample of the last `seconds` before the newest is 0, over a series at least that long. */
export function isFlatline({ times, values }: SignalSeries, seconds: number): boolean {
  const n = times.length;
  if (n === 0 || times[n - 1] - times[0] < seconds * 1000) {
    return false;
  }
  const since = times[n - 1] - seconds * 1000;
  return values.every((v, i) => times[i] < since || v <= 0);
}

/** The traces of the ECG, providers in name order; `undefined` when no series has a sample. */
export function toSignalModel(
  series: SignalSeries[],
  t: Thresholds,
  range: { from: number; to: number },
): SignalModel | undefined {
  const traces = series
    .filter((s) => s.values.length > 0)
    .sort((a, b) => a.provider.localeCompare(b.provider))
    .map((s): SignalTrace =>
      Object.assign({}, s, {
        label: humanize(s.provider),
        last: s.values[s.values.length - 1],
        flatline: isFlatline(s, t.flatlineSeconds),
        spikes: findSpikes(s.values, t.spikeFactor),
      }),
    );
  if (traces.length === 0) {
    return undefined;
  }
  const peak = Math.max(...traces.flatMap((s) => s.values));
  return { traces, from: range.from, to: range.to, max: peak > 0 ? peak * 1.15 : 1 };
}

/**
 * Range-query frames as provider series: each numeric field beside a time field, named by its `provider` label
 * (or its legend, frame or field name when the query aggregates providers away). Nulls are left out.
 */
export function signalSeries(frames: DataFrame[]): SignalSeries[] {
  const seen = new Set<string>();
  return frames.flatMap((frame) => {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    return frame.fields
      .filter((f) => time && f.type === FieldType.number)
      .flatMap((field) => {
        const provider =
          field.labels?.provider ?? field.config?.displayNameFromDS ?? frame.name ?? field.name;
        if (seen.has(provider)) {
          return [];
        }
        seen.add(provider);
        const times: number[] = [];
        const values: number[] = [];
        field.values.forEach((raw, i) => {
          const v = toNumber(raw);
          const at = toNumber(time!.values[i]);
          if (v !== undefined && at !== undefined) {
            times.push(at);
            values.push(v);
          }
        });
        return [{ provider, times, values }];
      });
  });
}
