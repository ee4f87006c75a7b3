import { PROVIDERS, type Pool, type Redis, type RedisKeys } from '@ops-cockpit/core';
import {
  BUCKET_SECONDS,
  bucketsFromHashes,
  completeBucket,
  countsFromHash,
  FLUSH_WATERMARK_STALE_MS,
  minuteRange,
  type ProviderCounts,
  type ThroughputBucket,
} from './read-models/throughput.js';
import {
  HEATMAP_DAYS,
  heatmapFromCells,
  type HeatmapCell,
  type HeatmapMatrix,
} from './read-models/heatmap.js';
import { providerHealth, type ProviderHealth } from './read-models/provider-health.js';

/** Reads behind the /api/ops/* endpoints and the scrape-time gauges; each is one indexed query or Redis call. */
export interface OpsData {
  challenge(): Promise<{ totalMiles: number; totalMeters: number; goalMiles: number; percent: number }>;
  heatmap(): Promise<HeatmapMatrix>;
  throughput(minutes: number, nowMs?: number): Promise<ThroughputBucket[]>;
  /**
   * Events per second over the newest complete 5-second bucket (ended, and flushed by every live exporter
   * process), in total and per provider; `at` is the bucket's end.
   */
  eventsPerSecond(
    nowMs?: number,
  ): Promise<{ at: string; eventsPerSecond: number; byProvider: ProviderCounts }>;
  /** Probe success rate and latency of every provider over the last `windowSeconds`. */
  providerHealth(windowSeconds: number): Promise<ProviderHealth[]>;
}

/**
 * A cached heatmap lives this long; it is taken only while the rollup version it was read at is current (the
 * worker bumps it after a batch that moved the rollup), so a change shows within about a second, not 60 s.
 */
export const HEATMAP_CACHE_SECONDS = 60;

interface CachedHeatmap {
  version: string;
  matrix: HeatmapMatrix;
}

/**
 * Provider-health answers are reused for this long per window: probes come every 60 s per provider, so an answer
 * at most 1 s old says the same, and a dashboard full of viewers costs one query per second, not one per panel.
 */
export const PROVIDER_HEALTH_CACHE_MS = 1_000;

export function createOpsData(deps: {
  pool: Pool;
  redis: Redis;
  keys: RedisKeys;
  goalMiles: number;
  /** Epoch milliseconds (tests move it). */
  now?: () => number;
}): OpsData {
  const { pool, redis, keys } = deps;
  const now = deps.now ?? Date.now;
  // Per window: the answer (or the query under way, shared by concurrent readers) and when it was asked.
  const health = new Map<number, { at: number; answer: Promise<ProviderHealth[]> }>();
  let heatmapRead: { version: string; answer: Promise<HeatmapMatrix> } | undefined;

  async function heatmapFromDb(): Promise<HeatmapMatrix> {
    // The rollup is keyed by local date and hour; the last 7 local dates including today.
    const { rows } = await pool.query<HeatmapCell>(
      `SELECT extract(dow FROM local_date)::int AS weekday, local_hour AS hour, sum(activity_count)::int AS count
         FROM activity_hourly
        WHERE local_date > current_date - $1::int AND activity_count > 0
        GROUP BY 1, 2`,
      [HEATMAP_DAYS],
    );
    return heatmapFromCells(rows);
  }

  return {
    providerHealth(windowSeconds) {
      const t = now();
      const cached = health.get(windowSeconds);
      if (cached && t - cached.at < PROVIDER_HEALTH_CACHE_MS) return cached.answer;
      const answer = providerHealth(pool, windowSeconds);
      const entry = { at: t, answer };
      health.set(windowSeconds, entry);
      // A failed read is not remembered: the next request asks again.
      answer.catch(() => health.get(windowSeconds) === entry && health.delete(windowSeconds));
      return answer;
    },

    async challenge() {
      const { rows } = await pool.query<{ total_miles: string; total_meters: string }>(
        'SELECT total_miles::text, total_meters::text FROM global_stats WHERE id = 1',
      );
      const totalMiles = Number(rows[0]?.total_miles ?? 0);
      const percent = Math.min(100, (totalMiles / deps.goalMiles) * 100);
      return {
        totalMiles,
        totalMeters: Number(rows[0]?.total_meters ?? 0),
        goalMiles: deps.goalMiles,
        percent,
      };
    },

    async heatmap() {
      const [cached, current] = await redis
        .mget(keys.heatmapCache, keys.heatmapVersion)
        .catch((): (string | null)[] => [null, null]);
      const version = current ?? '0';
      if (cached) {
        const entry = JSON.parse(cached) as Partial<CachedHeatmap>;
        if (entry.version === version && entry.matrix) return entry.matrix;
      }
      // Readers arriving together after the rollup moved share one query instead of all asking Postgres. The
      // version is read before the query, so an answer that raced a newer batch is never taken for fresh.
      if (heatmapRead?.version !== version) {
        const read = heatmapFromDb()
          .then(async (matrix) => {
            const entry: CachedHeatmap = { version, matrix };
            await redis
              .set(keys.heatmapCache, JSON.stringify(entry), 'EX', HEATMAP_CACHE_SECONDS)
              .catch(() => undefined);
            return matrix;
          })
          .finally(() => {
            if (heatmapRead?.answer === read) heatmapRead = undefined;
          });
        heatmapRead = { version, answer: read };
      }
      return heatmapRead.answer;
    },

    async throughput(minutes, nowMs = Date.now()) {
      const range = minuteRange(nowMs, minutes);
      const pipeline = redis.pipeline();
      for (const m of range) pipeline.hgetall(keys.webhookMinute(m));
      const results = (await pipeline.exec()) ?? [];
      const hashes = results.map(([err, value]) => {
        if (err) throw err;
        return value as Record<string, string>;
      });
      return bucketsFromHashes(range, hashes);
    },

    async eventsPerSecond(nowMs = now()) {
      // The lowest watermark among processes still flushing: every count of an event before it is written.
      const [, lowest] = await redis.zrangebyscore(
        keys.webhookFlushed,
        nowMs - FLUSH_WATERMARK_STALE_MS,
        '+inf',
        'WITHSCORES',
        'LIMIT',
        0,
        1,
      );
      const bucket = completeBucket(nowMs, lowest === undefined ? undefined : Number(lowest));
      const counts = countsFromHash(await redis.hgetall(keys.webhookBucket(bucket)));
      const total = PROVIDERS.reduce((sum, p) => sum + counts[p], 0);
      const byProvider = Object.fromEntries(
        PROVIDERS.map((p) => [p, counts[p] / BUCKET_SECONDS]),
      ) as ProviderCounts;
      const at = new Date((bucket + 1) * BUCKET_SECONDS * 1000).toISOString();
      return { at, eventsPerSecond: total / BUCKET_SECONDS, byProvider };
    },
  };
}
