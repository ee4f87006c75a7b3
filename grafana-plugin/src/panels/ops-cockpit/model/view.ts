import { DataFrame } from '@grafana/data';

import { CockpitOptions, CockpitView } from '../types';
import { HeatmapModel, toHeatmapModel } from './heatmap';
import { ProgressModel, toProgressModel } from './progress';
import { StressModel, toStressModel } from './stress';

export type ViewModel =
  | { view: 'heatmap'; model: HeatmapModel }
  | { view: 'progress'; model: ProgressModel }
  | { view: 'stress'; model: StressModel };

/** What each view needs from the query, for the no-data message. */
const NEEDS: Record<CockpitView, string> = {
  heatmap: 'series labelled weekday and hour (ops_activity_heatmap_activities) or a weekday/hour/value table',
  progress: 'an ops_challenge_distance_miles series (or a query with refId "distance")',
  stress: 'an ops_calm_score series (or a query with refId "score")',
};

/** The view to draw; an unknown value (a hand-edited dashboard) falls back to the heatmap, the default. */
export function viewOf(options: Partial<CockpitOptions>): CockpitView {
  return options.view === 'progress' || options.view === 'stress' ? options.view : 'heatmap';
}

/** Frames → the selected view's model; `undefined` when the frames lack what the view needs. */
export function toViewModel(options: Partial<CockpitOptions>, frames: DataFrame[]): ViewModel | undefined {
  const view = viewOf(options);
  switch (view) {
    case 'progress': {
      const model = toProgressModel(frames, options.goalMiles);
      return model && { view, model };
    }
    case 'stress': {
      const model = toStressModel(frames, options.stressThreshold);
      return model && { view, model };
    }
    default: {
      const model = toHeatmapModel(frames);
      return model && { view, model };
    }
  }
}

/** The message of Grafana's no-data view: plain "No data", or what the query lacks when it returned frames. */
export function noDataMessage(options: Partial<CockpitOptions>, frames: DataFrame[]): string {
  return frames.length === 0 ? 'No data' : `The query returned no ${NEEDS[viewOf(options)]}`;
}
