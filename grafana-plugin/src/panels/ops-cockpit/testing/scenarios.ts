import { DataFrame } from '@grafana/data';

import { CockpitOptions } from '../types';
import { heatmapSeries, heatmapTable, instantFrame, progressSeries, stressSeries } from './frames';
import { sampleWeek } from './week';

/** A panel state the browser harness renders by name (`?scenario=`), and the browser tests look at. */
export interface Scenario {
  options: Partial<CockpitOptions>;
  series: DataFrame[];
  width: number;
  height: number;
}

const HEATMAP = { width: 720, height: 260 };
const RING = { width: 340, height: 340 };
const STRESS = { width: 460, height: 260 };

export const SCENARIOS: Record<string, Scenario> = {
  heatmap: { options: { view: 'heatmap' }, series: heatmapSeries(sampleWeek()), ...HEATMAP },
  'heatmap-table': { options: { view: 'heatmap' }, series: [heatmapTable(sampleWeek())], ...HEATMAP },
  'heatmap-empty': { options: { view: 'heatmap' }, series: [], ...HEATMAP },
  progress: { options: { view: 'progress' }, series: progressSeries(421_337, 1_000_000), ...RING },
  'progress-near-finish': {
    options: { view: 'progress' },
    series: progressSeries(934_210, 1_000_000),
    ...RING,
  },
  // No goal series: the goalMiles option (default 100) stands in.
  'progress-option-goal': {
    options: { view: 'progress', goalMiles: 100 },
    series: progressSeries(42),
    ...RING,
  },
  // Aggregated queries lose __name__: the refIds `distance` and `goal` name them.
  'progress-refids': {
    options: { view: 'progress' },
    series: [
      instantFrame('ops_challenge_distance_miles', 960, {}, { refId: 'distance', aggregated: true }),
      instantFrame('ops_challenge_goal_miles', 1000, {}, { refId: 'goal', aggregated: true }),
    ],
    ...RING,
  },
  calm: {
    options: { view: 'stress' },
    series: stressSeries(90, { open_incidents: 10, provider_latency: 0, provider_down: 0 }),
    ...STRESS,
  },
  stressed: {
    options: { view: 'stress', stressThreshold: 50 },
    series: stressSeries(20, { open_incidents: 30, provider_latency: 0, provider_down: 50 }),
    ...STRESS,
  },
  'stress-empty': { options: { view: 'stress' }, series: [], ...STRESS },
};
