import { DataFrame, Field, FieldType } from '@grafana/data';

import { numericSeries, toNumber } from './series';

/** Row labels, weekday 0 = Sunday as the exporter's `weekday` label (Postgres `dow`). */
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const HOURS = 24;

/** Number of colour steps besides "none"; level 0 is an empty cell. */
export const HEAT_LEVELS = 4;

export interface HeatmapModel {
  /** `counts[weekday][hour]`, 7 × 24. */
  counts: number[][];
  max: number;
  total: number;
  /** Cells read from the data. */
  cells: number;
  /** Rows or series whose weekday/hour/value was missing or out of range. */
  ignored: number;
}

interface Cell {
  weekday: unknown;
  hour: unknown;
  count: unknown;
}

function isIndex(value: number | undefined, size: number): value is number {
  return value !== undefined && Number.isInteger(value) && value >= 0 && value < size;
}

const byName = (frame: DataFrame, name: string): Field | undefined =>
  frame.fields.find((field) => field.name.toLowerCase() === name);

/** Prometheus series labelled `weekday` and `hour` (one per cell), latest value each. */
function labelledCells(frames: DataFrame[]): Cell[] {
  return numericSeries(frames)
    .filter(({ labels }) => labels.weekday !== undefined && labels.hour !== undefined)
    .map(({ labels, value }) => ({ weekday: labels.weekday, hour: labels.hour, count: value }));
}

/** Table frames with `weekday` and `hour` columns and a numeric value column (the first other number). */
function tableCells(frames: DataFrame[]): Cell[] {
  return frames.flatMap((frame) => {
    const weekday = byName(frame, 'weekday');
    const hour = byName(frame, 'hour');
    const value = frame.fields.find(
      (field) => field.type === FieldType.number && field !== weekday && field !== hour,
    );
    if (!weekday || !hour || !value) {
      return [];
    }
    return weekday.values.map((_, row) => ({
      weekday: weekday.values[row],
      hour: hour.values[row],
      count: value.values[row],
    }));
  });
}

/**
 * Builds the 7 × 24 matrix from either shape; a cell given twice adds up. `undefined` when no frame has
 * heatmap data (the panel then shows Grafana's no-data view).
 */
export function toHeatmapModel(frames: DataFrame[]): HeatmapModel | undefined {
  const cells = [...labelledCells(frames), ...tableCells(frames)];
  if (cells.length === 0) {
    return undefined;
  }
  const counts = WEEKDAYS.map(() => new Array<number>(HOURS).fill(0));
  let read = 0;
  for (const cell of cells) {
    const weekday = toNumber(cell.weekday);
    const hour = toNumber(cell.hour);
    const count = toNumber(cell.count);
    if (!isIndex(weekday, WEEKDAYS.length) || !isIndex(hour, HOURS) || count === undefined || count < 0) {
      continue;
    }
    counts[weekday][hour] += count;
    read += 1;
  }
  const all = counts.flat();
  return {
    counts,
    max: Math.max(...all),
    total: all.reduce((sum, n) => sum + n, 0),
    cells: read,
    ignored: cells.length - read,
  };
}

/** Colour step of a count: 0 for none, else 1..HEAT_LEVELS by its share of the busiest cell. */
export function heatLevel(count: number, max: number): number {
  if (count <= 0 || max <= 0) {
    return 0;
  }
  return Math.min(HEAT_LEVELS, Math.max(1, Math.ceil((count / max) * HEAT_LEVELS)));
}

/** "18:00–19:00" */
export function hourRange(hour: number): string {
  const pad = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
  return `${pad(hour)}–${pad(hour + 1)}`;
}

/** Tooltip lines of a cell: weekday, hour, count. */
export function describeCell(
  weekday: number,
  hour: number,
  count: number,
): { weekday: string; hour: string; count: string } {
  const rounded = Math.round(count * 100) / 100;
  return {
    weekday: WEEKDAYS[weekday],
    hour: hourRange(hour),
    count: `${rounded.toLocaleString('en-US')} ${rounded === 1 ? 'activity' : 'activities'}`,
  };
}

export interface HeatmapLayout {
  /** Side of a square cell, px. */
  cell: number;
  gap: number;
  labelWidth: number;
  header: number;
  legend: number;
}

/** Square cells as large as the panel allows below the hour labels and above the legend; never under 4 px. */
export function heatmapLayout(width: number, height: number): HeatmapLayout {
  const labelWidth = 34;
  const header = 16;
  const legend = 24;
  const gap = width >= 400 ? 3 : 1;
  const byWidth = (width - labelWidth - gap * HOURS) / HOURS;
  const byHeight = (height - header - legend - gap * (WEEKDAYS.length + 1)) / WEEKDAYS.length;
  return { cell: Math.max(4, Math.floor(Math.min(byWidth, byHeight))), gap, labelWidth, header, legend };
}
