import { DataFrame } from '@grafana/data';

import { CockpitOptions, CockpitView, DEFAULT_OPTIONS } from '../types';
import { HeatmapModel, toHeatmapModel } from './heatmap';
import { ProgressModel, toProgressModel } from './progress';
import { PulseTile, toPulseModel } from './pulse';
import { signalSeries, SignalModel, toSignalModel } from './signal';
import { StressModel, toStressModel } from './stress';

export type ViewModel =
  | { view: 'heatmap'; model: HeatmapModel }
  | { view: 'progress'; model: ProgressModel }
  | { view: 'stress'; model: StressModel }
  | { view: 'pulse'; model: PulseTile[] }
  | { view: 'signal'; model: SignalModel };

/** What each view needs from the query, for the no-data message. */
const NEEDS: Record<CockpitView, string> = {
  heatmap: 'series labelled weekday and hour (ops_activity_heatmap_activities) or a weekday/hour/value table',
  progress: 'an ops_challenge_distance_meters series in metres (or a query with refId "distance")',
  stress: 'an ops_calm_score series (or a query with refId "score")',
  pulse: 'series labelled provider (ops_provider_probe_success, or refIds up, success, p95, ttfb, failure)',
  signal: 'time series of events per second (a range query, one series per provider)',
};

/** The view to draw; an unknown value (a hand-edited dashboard) falls back to the heatmap, the default. */
export function viewOf(options: Partial<CockpitOptions>): CockpitView {
  const view = options.view;
  return view !== undefined && Object.prototype.hasOwnProperty.call(NEEDS, view) ? view : 'heatmap';
}

/** The dashboard's time range, epoch ms. */
export interface Range {
  from: number;
  to: number;
}

/** Frames → the selected view's model; `undefined` when the frames lack what the view needs. */
export function toViewModel(
  options: Partial<CockpitOptions>,
  frames: DataFrame[],
  range: Range = { from: 0, to: 0 },
): ViewModel | undefined {
  const view = viewOf(options);
  // Object.assign, not a spread: the ES2015 build would add a helper for it.
  const o = Object.assign({}, DEFAULT_OPTIONS, options);
  switch (view) {
    case 'progress': {
      const model = toProgressModel(frames, options.goalMiles);
      return model && { view, model };
    }
    case 'stress': {
      const model = toStressModel(frames, options.stressThreshold);
      return model && { view, model };
    }
    case 'pulse': {
      const model = toPulseModel(frames, o);
      return model && { view, model };
    }
    case 'signal': {
      const model = toSignalModel(signalSeries(frames), o, range);
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
