// No imports: deterministic webhook traffic for the Live signal scenarios and tests.

/** Points of 5 s over 10 minutes. */
export const SIGNAL_POINTS = 120;

/** A heartbeat-like wave of events/s around `base`, the same on every run. */
export function wave(base: number, phase: number, points = SIGNAL_POINTS): number[] {
  return Array.from({ length: points }, (_, i) => {
    const beat = Math.max(0, Math.sin((i + phase) / 2.3)) ** 6 * base * 0.8;
    return Math.round((base + base * 0.2 * Math.sin((i + phase) / 7) + beat) * 10) / 10;
  });
}

/** `values` with the last `points` samples at zero: a provider gone silent. */
export function silenced(values: number[], points: number): number[] {
  return values.map((v, i) => (i >= values.length - points ? 0 : v));
}

/** `values` with a burst of `factor` × the sample at `at`. */
export function spiked(values: number[], at: number, factor: number): number[] {
  return values.map((v, i) => (i === at ? Math.round(v * factor * 10) / 10 : v));
}
