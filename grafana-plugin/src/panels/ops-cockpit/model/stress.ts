import { DataFrame } from '@grafana/data';

import { DEFAULT_OPTIONS } from '../types';
import { findValue, humanize, numericSeries, SeriesName } from './series';

export const CALM_SCORE: SeriesName = { metric: 'ops_calm_score', refIds: ['score'] };

/** The factors the exporter's `ops_calm_penalty{factor}` reports, in the order the panel lists them. */
export const CALM_FACTORS: ReadonlyArray<{ factor: string; label: string }> = [
  { factor: 'open_incidents', label: 'Open incidents' },
  { factor: 'provider_latency', label: 'Provider latency' },
  { factor: 'provider_down', label: 'Provider down' },
];

export interface StressFactor {
  factor: string;
  label: string;
  /** Points taken off the score; `undefined` when the query returned no series for the factor. */
  penalty: number | undefined;
}

export interface StressModel {
  score: number;
  threshold: number;
  stressed: boolean;
  factors: StressFactor[];
}

/** "provider_timeouts" → "Provider timeouts", for factors a newer exporter may add. */
const labelOf = (factor: string) => CALM_FACTORS.find((f) => f.factor === factor)?.label ?? humanize(factor);

/**
 * The calm score and its factors. Any series with a `factor` label is a penalty (ops_calm_penalty); the known
 * factors are always listed, unknown ones after them. `undefined` when no calm score series carries a number.
 */
export function toStressModel(
  frames: DataFrame[],
  stressThreshold: number | undefined,
): StressModel | undefined {
  const series = numericSeries(frames);
  const score = findValue(
    series.filter((s) => s.labels.factor === undefined),
    CALM_SCORE,
  );
  if (score === undefined) {
    return undefined;
  }
  const penalties = new Map<string, number>();
  for (const { labels, value } of series) {
    if (labels.factor !== undefined && value !== undefined && !penalties.has(labels.factor)) {
      penalties.set(labels.factor, value);
    }
  }
  const known = CALM_FACTORS.map(({ factor }) => factor);
  const factors = [...known, ...[...penalties.keys()].filter((f) => !known.includes(f))].map((factor) => ({
    factor,
    label: labelOf(factor),
    penalty: penalties.get(factor),
  }));
  const threshold =
    stressThreshold !== undefined && Number.isFinite(stressThreshold)
      ? stressThreshold
      : DEFAULT_OPTIONS.stressThreshold;
  return { score, threshold, stressed: score < threshold, factors };
}

/** "−50", "0", or "–" when the query returned no series for the factor. */
export function formatPenalty(penalty: number | undefined): string {
  if (penalty === undefined) {
    return '–';
  }
  const points = Math.round(penalty * 10) / 10;
  return points > 0 ? `−${points}` : String(points);
}
