/** 7 × 24 counts: `matrix[weekday][hour]`, weekday 0 = Sunday (Postgres `dow`). */
export type HeatmapMatrix = number[][];

export { HEATMAP_DAYS } from '@ops-cockpit/core';

export interface HeatmapCell {
  weekday: number;
  hour: number;
  count: number;
}

export function emptyHeatmap(): HeatmapMatrix {
  return Array.from({ length: 7 }, () => Array<number>(24).fill(0));
}

/** Folds rollup rows into the matrix; rows outside 0-6 × 0-23 are a bug upstream and are refused. */
export function heatmapFromCells(cells: readonly HeatmapCell[]): HeatmapMatrix {
  const matrix = emptyHeatmap();
  for (const { weekday, hour, count } of cells) {
    const row = matrix[weekday];
    if (!row || hour < 0 || hour > 23 || !Number.isInteger(hour)) {
      throw new Error(`heatmap cell out of range: weekday ${weekday}, hour ${hour}`);
    }
    row[hour] = (row[hour] ?? 0) + count;
  }
  return matrix;
}
