import { DataFrame } from '@grafana/data';

import { DEFAULT_OPTIONS } from '../types';
import { findValue, numericSeries, SeriesName } from './series';

export const DISTANCE: SeriesName = { metric: 'ops_challenge_distance_meters', refIds: ['distance'] };
export const GOAL: SeriesName = { metric: 'ops_challenge_goal_meters', refIds: ['goal'] };

/** The series are in metres (Prometheus wants base units); the ring and its text speak miles. */
export const METERS_PER_MILE = 1609.344;

/** From this share of the goal on, the flame bounces. */
export const NEAR_FINISH = 0.9;

export interface ProgressModel {
  distance: number;
  goal: number;
  goalSource: 'series' | 'option' | 'default';
  /** distance / goal, unclamped (the text may say 104 %). */
  ratio: number;
  /** The ring's filled share, 0..1. */
  filled: number;
  nearFinish: boolean;
}

const positive = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n) && n > 0;

const inMiles = (meters: number | undefined) => (meters === undefined ? undefined : meters / METERS_PER_MILE);

/**
 * Current miles against the goal: the goal series (in metres) wins, then the `goalMiles` option, then the default (a goal
 * of 0 or less would divide by zero). `undefined` when no distance series carries a number.
 */
export function toProgressModel(
  frames: DataFrame[],
  goalMiles: number | undefined,
): ProgressModel | undefined {
  const series = numericSeries(frames);
  const distance = inMiles(findValue(series, DISTANCE));
  if (distance === undefined) {
    return undefined;
  }
  const fromSeries = inMiles(findValue(series, GOAL));
  const [goal, goalSource]: [number, ProgressModel['goalSource']] = positive(fromSeries)
    ? [fromSeries, 'series']
    : positive(goalMiles)
      ? [goalMiles, 'option']
      : [DEFAULT_OPTIONS.goalMiles, 'default'];
  const ratio = Math.max(0, distance) / goal;
  return {
    distance,
    goal,
    goalSource,
    ratio,
    filled: Math.min(1, ratio),
    nearFinish: ratio >= NEAR_FINISH,
  };
}

/** "42.1%": one decimal below 10 % and in the last stretch before 100 %, so progress is visible. */
export function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  const decimals = percent < 10 || (percent >= 99 && percent < 100) ? 1 : 0;
  const factor = 10 ** decimals;
  // Floor, not round: 99.96 % must not read "100%" before the goal is reached.
  return `${(Math.floor(percent * factor) / factor).toFixed(decimals)}%`;
}

/** "421,337 mi"; small totals keep one decimal. */
export function formatMiles(miles: number): string {
  return `${miles.toLocaleString('en-US', { maximumFractionDigits: Math.abs(miles) < 100 ? 1 : 0 })} mi`;
}
