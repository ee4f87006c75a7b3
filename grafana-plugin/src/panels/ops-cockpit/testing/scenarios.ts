import { DataFrame } from '@grafana/data';

import { METERS_PER_MILE } from '../model/progress';
import { CockpitOptions } from '../types';
import {
  AT,
  heatmapSeries,
  heatmapTable,
  instantFrame,
  progressSeries,
  pulseSeries,
  signalFrames,
  stressSeries,
} from './frames';
import { silenced, spiked, wave } from './signal-traffic';
import { sampleWeek } from './week';

/** A panel state the browser harness renders by name (`?scenario=`), and the browser tests look at. */
export interface Scenario {
  options: Partial<CockpitOptions>;
  series: DataFrame[];
  width: number;
  height: number;
  /** The dashboard's time range (epoch ms); Grafana's default (last 6 hours, now) when absent. */
  range?: { from: number; to: number };
}

const HEATMAP = { width: 720, height: 260 };
const RING = { width: 340, height: 340 };
const STRESS = { width: 460, height: 260 };
const PULSE = { width: 900, height: 200, range: { from: AT - 3_600_000, to: AT } };
const SIGNAL = { width: 720, height: 260, range: { from: AT - 600_000, to: AT } };

const healthy = { up: 1, success: 0.998, p95: 0.182, ttfb: 0.064 };
const traffic = { apple_health: wave(2, 0), garmin: wave(4, 9), strava: wave(7, 17) };

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
      instantFrame(
        'ops_challenge_distance_meters',
        960 * METERS_PER_MILE,
        {},
        { refId: 'distance', aggregated: true },
      ),
      instantFrame(
        'ops_challenge_goal_meters',
        1000 * METERS_PER_MILE,
        {},
        { refId: 'goal', aggregated: true },
      ),
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
  // Every provider probing well: green bars, pulsing dots.
  pulse: {
    options: { view: 'pulse' },
    series: pulseSeries({
      strava: healthy,
      garmin: { ...healthy, success: 0.995, p95: 0.241, ttfb: 0.088, failures: { timeout: 2400 } },
      apple_health: { ...healthy, success: 1, p95: 0.121, ttfb: 0.041 },
    }),
    ...PULSE,
  },
  // Apple Health down, Garmin slow, and a fourth provider the panel was never told about (Polar).
  'pulse-down': {
    options: { view: 'pulse' },
    series: pulseSeries({
      strava: healthy,
      garmin: { ...healthy, success: 0.97, p95: 0.74, ttfb: 0.31, failures: { timeout: 600 } },
      apple_health: {
        up: 0,
        success: 0.62,
        p95: 1.9,
        ttfb: 0.5,
        failures: { http_5xx: 3000, http_4xx: 180 },
      },
      polar: { ...healthy, success: 0.993, p95: 0.15, ttfb: 0.05 },
    }),
    ...PULSE,
  },
  'pulse-empty': { options: { view: 'pulse' }, series: [], ...PULSE },
  signal: { options: { view: 'signal' }, series: signalFrames(traffic), ...SIGNAL },
  // Garmin silent for the last 3 minutes (36 samples of 5 s): a flatline after 60 s.
  'signal-flatline': {
    options: { view: 'signal', flatlineSeconds: 60 },
    series: signalFrames({ ...traffic, garmin: silenced(traffic.garmin, 36) }),
    ...SIGNAL,
  },
  // Strava bursts to 6× its usual rate, twice: a viral event (or an attack).
  'signal-spike': {
    options: { view: 'signal', spikeFactor: 3 },
    series: signalFrames({ ...traffic, strava: spiked(spiked(traffic.strava, 80, 6), 104, 5) }),
    ...SIGNAL,
  },
  'signal-empty': { options: { view: 'signal' }, series: [], ...SIGNAL },
};
