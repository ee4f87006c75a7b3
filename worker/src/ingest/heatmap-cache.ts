import type { Logger, Redis } from '@ops-cockpit/core';
import type { IngestOutcome } from './adapter.js';

/** Outcomes whose batch moved the hourly rollup the heatmap is read from. */
const ROLLUP_OUTCOMES: ReadonlySet<IngestOutcome> = new Set(['created', 'updated', 'deleted']);

export function movesRollup(outcome: IngestOutcome): boolean {
  return ROLLUP_OUTCOMES.has(outcome);
}

export interface HeatmapVersion {
  /** A committed batch changed the rollup: the version is bumped now, or at the end of the interval. */
  changed(): void;
  /** Bumps a pending change at once; no timer is left behind. */
  close(): Promise<void>;
}

/**
 * Keeps the exporter's cached heatmap (60 s) as fresh as the challenge total: after a batch that changed the
 * rollup, the heatmap version is bumped (the exporter takes a cached answer only at the current version) — at
 * most once per `minIntervalMs`, trailing, so a busy stream costs every exporter at most one heatmap query per
 * interval and the last change never waits for the TTL.
 */
export function createHeatmapVersion(opts: {
  redis: Redis;
  versionKey: string;
  minIntervalMs: number;
  logger: Logger;
  now?: () => number;
}): HeatmapVersion {
  const now = opts.now ?? Date.now;
  let lastDrop = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const drop = () => {
    timer = undefined;
    lastDrop = now();
    inFlight = opts.redis
      .incr(opts.versionKey)
      .then(() => undefined)
      // The cache still expires by itself; a failed bump only costs freshness.
      .catch((err: Error) => opts.logger.debug({ err: err.message }, 'heatmap version bump failed'))
      .finally(() => (inFlight = undefined));
  };

  return {
    changed() {
      if (timer) return;
      const wait = lastDrop + opts.minIntervalMs - now();
      if (wait <= 0) drop();
      else timer = setTimeout(drop, wait);
    },
    async close() {
      if (timer) {
        clearTimeout(timer);
        drop();
      }
      await inFlight;
    },
  };
}
