import { createDataFrame, DataFrame, FieldType, Labels } from '@grafana/data';

import { METERS_PER_MILE } from '../model/progress';

// Frames shaped like the ones Grafana's Prometheus data source hands a panel, for tests and the browser
// harness. Not imported by module.ts, so never part of the plugin bundle.

/** When every test frame was queried: the end of the scenarios' time range. */
export const AT = Date.UTC(2026, 10, 26, 12, 0, 0);
const TARGET = { instance: 'exporter:8080', job: 'ops-exporter' };

export interface InstantOptions {
  refId?: string;
  /** The query's legend, which Grafana shows as `displayNameFromDS`. */
  legend?: string;
  /** Leave `__name__` out, as an aggregated query (`sum(...)`) does. */
  aggregated?: boolean;
}

/** One series of an instant query in time-series format: a Time and a Value field with the series labels. */
export function instantFrame(
  metric: string,
  value: number | null,
  labels: Labels = {},
  { refId = 'A', legend, aggregated = false }: InstantOptions = {},
): DataFrame {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: [AT] },
      {
        name: 'Value',
        type: FieldType.number,
        values: [value],
        labels: aggregated ? { ...labels } : { __name__: metric, ...TARGET, ...labels },
        config: legend ? { displayNameFromDS: legend } : {},
      },
    ],
  });
}

/** The exporter's `ops_activity_heatmap_activities`: 168 series labelled weekday and hour. */
export function heatmapSeries(matrix: number[][], refId = 'A'): DataFrame[] {
  return matrix.flatMap((row, weekday) =>
    row.map((count, hour) =>
      instantFrame(
        'ops_activity_heatmap_activities',
        count,
        { weekday: String(weekday), hour: String(hour) },
        { refId },
      ),
    ),
  );
}

/** The same query in table format: label columns as strings, one row per series. */
export function heatmapTable(matrix: number[][], refId = 'A'): DataFrame {
  const rows = matrix.flatMap((row, weekday) => row.map((count, hour) => ({ weekday, hour, count })));
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: rows.map(() => AT) },
      { name: '__name__', type: FieldType.string, values: rows.map(() => 'ops_activity_heatmap_activities') },
      { name: 'hour', type: FieldType.string, values: rows.map((r) => String(r.hour)) },
      { name: 'weekday', type: FieldType.string, values: rows.map((r) => String(r.weekday)) },
      { name: `Value #${refId}`, type: FieldType.number, values: rows.map((r) => r.count) },
    ],
  });
}

/**
 * `ops_challenge_distance_meters` and, unless `goal` is undefined, `ops_challenge_goal_meters`, given in miles
 * and sent in metres as the exporter does.
 */
export function progressSeries(distanceMiles: number, goalMiles?: number): DataFrame[] {
  const frames = [instantFrame('ops_challenge_distance_meters', distanceMiles * METERS_PER_MILE)];
  if (goalMiles !== undefined) {
    frames.push(instantFrame('ops_challenge_goal_meters', goalMiles * METERS_PER_MILE, {}, { refId: 'B' }));
  }
  return frames;
}

/** `ops_calm_score` and one `ops_calm_penalty{factor}` per entry of `penalties`. */
export function stressSeries(score: number, penalties: Record<string, number>): DataFrame[] {
  return [
    instantFrame('ops_calm_score', score),
    ...Object.entries(penalties).map(([factor, value]) =>
      instantFrame('ops_calm_penalty', value, { factor }, { refId: 'B' }),
    ),
  ];
}

/** What one provider's probes report to the Pulse grid (success 0–1, durations in seconds). */
export interface ProbeReadings {
  up: number;
  success: number;
  p95: number;
  ttfb: number;
  /** Failure reasons → seconds before AT they were last seen. */
  failures?: Record<string, number>;
}

/** The Pulse grid's five queries, as the dashboard writes them: bare metrics by name, computed ones by refId. */
export function pulseSeries(providers: Record<string, ProbeReadings>): DataFrame[] {
  return Object.entries(providers).flatMap(([provider, r]) => [
    instantFrame('ops_provider_probe_success', r.up, { provider }, { refId: 'up' }),
    instantFrame('', r.success, { provider }, { refId: 'success', aggregated: true, legend: provider }),
    instantFrame('', r.p95, { provider }, { refId: 'p95', aggregated: true, legend: provider }),
    instantFrame(
      'ops_provider_probe_duration_seconds',
      r.ttfb,
      { provider, phase: 'ttfb' },
      { refId: 'ttfb' },
    ),
    ...Object.entries(r.failures ?? {}).map(([reason, ago]) =>
      instantFrame('', AT / 1000 - ago, { provider, reason }, { refId: 'failure', aggregated: true }),
    ),
  ]);
}

/** A range query of events/s, one frame per provider (`sum by (provider) (rate(...))`), ending at AT. */
export function signalFrames(byProvider: Record<string, number[]>, stepMs = 5000): DataFrame[] {
  return Object.entries(byProvider).map(([provider, values]) =>
    createDataFrame({
      refId: 'events',
      fields: [
        {
          name: 'Time',
          type: FieldType.time,
          values: values.map((_, i) => AT - (values.length - 1 - i) * stepMs),
        },
        {
          name: 'Value',
          type: FieldType.number,
          values,
          labels: { provider },
          config: { displayNameFromDS: provider },
        },
      ],
    }),
  );
}
