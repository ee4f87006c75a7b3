import { DataFrame, Field, FieldType, Labels } from '@grafana/data';

/** One numeric field of a frame, with the labels Grafana attached to it and its latest value. */
export interface NumericSeries {
  frame: DataFrame;
  field: Field;
  labels: Labels;
  /** Latest finite value: instant queries have one row, range queries end with the newest. */
  value: number | undefined;
}

/** How a dashboard query names a metric: its Prometheus name, or the refId given to the query. */
export interface SeriesName {
  /** Absent for a series that only an aggregated query makes (it has no metric name of its own). */
  metric?: string;
  refIds: string[];
}

/** Reads a number from a label value, a table cell or a field value; anything else is `undefined`. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : undefined;
  }
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** The last finite number of a field, scanning back over nulls and NaN. */
export function lastNumber(field: Field): number | undefined {
  for (let i = field.values.length - 1; i >= 0; i--) {
    const value = toNumber(field.values[i]);
    if (value !== undefined) {
      return value;
    }
  }
  return undefined;
}

/** Every numeric field of every frame. */
export function numericSeries(frames: DataFrame[]): NumericSeries[] {
  return frames.flatMap((frame) =>
    frame.fields
      .filter((field) => field.type === FieldType.number)
      .map((field) => ({ frame, field, labels: field.labels ?? {}, value: lastNumber(field) })),
  );
}

/** The metric name a table-format frame carries in its `__name__` column. */
function tableMetricName(frame: DataFrame): unknown {
  return frame.fields.find((field) => field.name === '__name__')?.values[0];
}

/**
 * Whether a series is the metric `name`. Grafana's Prometheus frames put `__name__` in the field labels when
 * the query is a bare metric; a legend set to the metric name shows as `displayNameFromDS`; an aggregated query
 * loses `__name__`, so a query whose refId is one of `name.refIds` counts too.
 */
export function isSeries({ frame, field, labels }: NumericSeries, name: SeriesName): boolean {
  const candidates = [
    labels.__name__,
    frame.name,
    field.name,
    field.config?.displayNameFromDS,
    tableMetricName(frame),
  ];
  return (
    (name.metric !== undefined && candidates.includes(name.metric)) ||
    (frame.refId !== undefined && name.refIds.includes(frame.refId))
  );
}

/** The latest value of the first series that is `name`, if any carries a number. */
export function findValue(series: NumericSeries[], name: SeriesName): number | undefined {
  return series.find((s) => s.value !== undefined && isSeries(s, name))?.value;
}

/** A label value as people read it: "apple_health" → "Apple health" (providers, factors a newer exporter adds). */
export function humanize(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1).replace(/_/g, ' ');
}
