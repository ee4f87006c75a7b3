import { z } from 'zod';

/**
 * What a human can do, per kind of activity: an activity past any of these limits is stored but quarantined
 * (out of the challenge total, the heatmap and the quiet list) until an operator approves or rejects it. The
 * limits are generous on purpose: they catch forged deliveries, unit mix-ups and GPS glitches, never an athlete's
 * best day. Each carries its source; PLAUSIBILITY_LIMITS overrides any of them.
 */

export const ACTIVITY_CATEGORIES = ['run', 'ride', 'swim', 'walk', 'other'] as const;
export type ActivityCategory = (typeof ACTIVITY_CATEGORIES)[number];

export interface PlausibilityLimit {
  /** Average speed over the moving time, metres per second. */
  maxSpeedMps: number;
  maxDistanceM: number;
  /** Moving time, seconds. */
  maxDurationS: number;
}

export type PlausibilityLimits = Record<ActivityCategory, PlausibilityLimit>;

const HOURS = 3_600;

export const DEFAULT_PLAUSIBILITY_LIMITS: PlausibilityLimits = {
  // Usain Bolt's fastest 10 m split (Berlin 2009) is about 12.4 m/s: no run averages more. The 24-hour record is
  // 319.6 km (Aleksandr Sorokin, 2022); the Barkley Marathons' time limit is 60 h.
  run: { maxSpeedMps: 12.5, maxDistanceM: 350_000, maxDurationS: 72 * HOURS },
  // The UCI hour record is 56.792 km/h (15.8 m/s, Filippo Ganna, 2022); 90 km/h leaves room for descents. The
  // 24-hour track record is 1,026 km (Christoph Strasser, 2021).
  ride: { maxSpeedMps: 25, maxDistanceM: 1_100_000, maxDurationS: 72 * HOURS },
  // The 50 m freestyle record is 20.91 s (2.39 m/s, César Cielo, 2009). The longest non-stop open-water swim is
  // 168 km in about 67 h (Sarah Thomas, Lake Champlain, 2017).
  swim: { maxSpeedMps: 2.5, maxDistanceM: 200_000, maxDurationS: 72 * HOURS },
  // The 20 km race-walk record is 1:16:36 (4.35 m/s, Yusuke Suzuki, 2015); walks and hikes share the run's
  // distance and time bounds.
  walk: { maxSpeedMps: 4.5, maxDistanceM: 350_000, maxDurationS: 72 * HOURS },
  // Anything else (skiing, rowing, …): the speed-skiing record is 254.958 km/h (70.8 m/s, Ivan Origone, 2016), a
  // peak no activity averages; a week and 2,000 km bound the rest.
  other: { maxSpeedMps: 70, maxDistanceM: 2_000_000, maxDurationS: 7 * 24 * HOURS },
};

/**
 * The category of a provider's activity type: Strava `Run`/`TrailRun`/`VirtualRide`, Garmin and Polar
 * `RUNNING`/`ROAD_BIKING`/`LAP_SWIMMING`, Apple Health `running`/`cycling`/`swimming`, and so on.
 */
export function activityCategory(type: string): ActivityCategory {
  const t = type.toLowerCase();
  if (t.includes('run')) return 'run';
  if (/ride|cycl|bik/.test(t)) return 'ride';
  if (t.includes('swim')) return 'swim';
  if (/walk|hik/.test(t)) return 'walk';
  return 'other';
}

/** What the limits read of an activity. */
export interface PlausibilityInput {
  type: string;
  distanceM: number;
  movingTimeS: number | null;
}

const round = (n: number, digits: number) => Number(n.toFixed(digits));

/**
 * Why the activity is impossible for its category (the first limit it passes, in words an operator reads), or
 * undefined when it is plausible. Without a moving time (or with 0) the speed is not judged.
 */
export function implausibility(limits: PlausibilityLimits, input: PlausibilityInput): string | undefined {
  const category = activityCategory(input.type);
  const limit = limits[category];
  if (input.distanceM > limit.maxDistanceM)
    return `${category}: distance ${round(input.distanceM / 1000, 3)} km over ${limit.maxDistanceM / 1000} km`;
  if (input.movingTimeS !== null && input.movingTimeS > limit.maxDurationS)
    return `${category}: moving time ${round(input.movingTimeS / HOURS, 2)} h over ${limit.maxDurationS / HOURS} h`;
  if (input.movingTimeS && input.movingTimeS > 0) {
    const speed = input.distanceM / input.movingTimeS;
    if (speed > limit.maxSpeedMps)
      return `${category}: average speed ${round(speed, 2)} m/s over ${limit.maxSpeedMps} m/s`;
  }
  return undefined;
}

const positive = z.number().positive().finite();
const overrideSchema = z
  .object({ maxSpeedMps: positive, maxDistanceM: positive, maxDurationS: positive })
  .partial()
  .strict();
const overridesSchema = z
  .object(
    Object.fromEntries(ACTIVITY_CATEGORIES.map((c) => [c, overrideSchema.optional()])) as Record<
      ActivityCategory,
      z.ZodOptional<typeof overrideSchema>
    >,
  )
  .strict();

/**
 * PLAUSIBILITY_LIMITS: JSON overriding some limits, e.g. `{"run":{"maxSpeedMps":7},"ride":{"maxDistanceM":600000}}`;
 * unset (or empty) keeps the defaults. Throws with the path of what is wrong (`run.maxSpeedMps: …`).
 */
export function parsePlausibilityLimits(json: string | undefined): PlausibilityLimits {
  if (json === undefined || json.trim() === '') return DEFAULT_PLAUSIBILITY_LIMITS;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = overridesSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  }
  return Object.fromEntries(
    ACTIVITY_CATEGORIES.map((c) => [c, { ...DEFAULT_PLAUSIBILITY_LIMITS[c], ...parsed.data[c] }]),
  ) as PlausibilityLimits;
}
