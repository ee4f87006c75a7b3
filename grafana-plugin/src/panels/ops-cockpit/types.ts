/** The faces of the panel; dashboards pick one per panel with the `view` option. */
export type CockpitView = 'heatmap' | 'progress' | 'stress' | 'pulse' | 'signal';

export interface CockpitOptions {
  view: CockpitView;
  /** Goal of the progress ring when no `ops_challenge_goal_meters` series arrives. */
  goalMiles?: number;
  /** Calm score below which the stress view turns red and moves. */
  stressThreshold: number;
  /** Pulse grid: probe success (%) below which a provider's bar turns orange and the provider degraded. */
  pulseWarnPercent: number;
  /** Pulse grid: probe success (%) below which the bar turns red. */
  pulseCriticalPercent: number;
  /** Pulse grid: p95 probe latency (ms) above which a provider is degraded. */
  pulseLatencyMs: number;
  /** Live signal: seconds of zero events that make a provider's line a flatline. */
  flatlineSeconds: number;
  /** Live signal: a sample above this multiple of the recent median is a spike. */
  spikeFactor: number;
}

export const DEFAULT_OPTIONS: Required<CockpitOptions> = {
  view: 'heatmap',
  goalMiles: 100,
  stressThreshold: 50,
  pulseWarnPercent: 99,
  pulseCriticalPercent: 95,
  // The calm score's latency penalty starts at 500 ms: the grid agrees with it.
  pulseLatencyMs: 500,
  flatlineSeconds: 60,
  spikeFactor: 3,
};
