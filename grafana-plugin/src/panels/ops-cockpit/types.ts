/** The three faces of the panel; dashboards pick one per panel with the `view` option. */
export type CockpitView = 'heatmap' | 'progress' | 'stress';

export interface CockpitOptions {
  view: CockpitView;
  /** Goal of the progress ring when no `ops_challenge_goal_miles` series arrives. */
  goalMiles?: number;
  /** Calm score below which the stress view turns red and moves. */
  stressThreshold: number;
}

export const DEFAULT_OPTIONS: Required<CockpitOptions> = {
  view: 'heatmap',
  goalMiles: 100,
  stressThreshold: 50,
};
