/**
 * Local days the heatmap reads from the `activity_hourly` rollup (the exporter's `GET /api/ops/heatmap` and its
 * gauge). Here, not in the exporter, because the worker's rollup retention may never be shorter.
 */
export const HEATMAP_DAYS = 7;
