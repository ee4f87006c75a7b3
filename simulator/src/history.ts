import { PROVIDERS, type ActivityInput } from '@ops-cockpit/core';
import { SIM_PROVIDERS } from './providers/registry.js';
import { between, chance, mulberry32, pick } from './prng.js';
import type { DemoUser } from './roster.js';
import { localIso, offsetSecondsAt } from './time-zones.js';
import { ACTIVITY_TYPES, planActivity } from './workouts.js';
import type { SimActivity } from './world.js';

/**
 * The demo's past: a few weeks of activities per user, where the quiet users stopped 2-30 days ago. Pure and
 * deterministic for a roster, an anchor instant and a seed, so the seed can be rerun and compared.
 */

export const DEMO_SEED = 20_260_601;

const DAY_MS = 86_400_000;
// Activities arrive this long after they end; the worker stamps writes with the event time, and so does the seed.
const UPLOAD_DELAY_MS = 10 * 60_000;

export interface HistoryEntry {
  activity: SimActivity;
  /** The provider's own change time, as the worker would pass it to upsertActivity. */
  sourceUpdatedAt: Date;
  /** Deleted by the user a while after upload (soft-deleted by the seed, as the worker would). */
  deletedAt?: Date;
}

export interface HistoryOptions {
  /** "Now" of the history: nothing starts after it. */
  anchorMs: number;
  days: number;
  seed: number;
}

/** One user's history; each user has a generator of their own, so adding users never changes the others. */
export function planUserHistory(user: DemoUser, opts: HistoryOptions): HistoryEntry[] {
  if (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > 3_650) {
    throw new Error(`days must be an integer 1-3650, got ${opts.days}`);
  }
  const rng = mulberry32((opts.seed ^ Math.imul(user.index, 0x9e37_79b1)) >>> 0);
  const inactive = Math.min(user.inactiveDays, opts.days);
  const lastMs = opts.anchorMs - inactive * DAY_MS;
  const perDay = between(rng, 0.4, 1.0);
  const activeDays = opts.days - inactive;
  const count = Math.round(activeDays * perDay);
  const entries: HistoryEntry[] = [];
  const add = (windowDays: number, deletable: boolean) => {
    const n = entries.length;
    // Mostly the user's own device; now and then another linked one.
    const provider = chance(rng, 0.85)
      ? user.primaryProvider
      : pick(
          rng,
          PROVIDERS.filter((p) => p !== user.primaryProvider && SIM_PROVIDERS[p].seedAccount(user)),
        );
    const activity = planActivity(rng, {
      provider,
      externalId: SIM_PROVIDERS[provider].seedExternalId(user, n),
      user,
      window: { endMs: lastMs, days: windowDays, latestMs: lastMs - (inactive ? 0 : 30 * 60_000) },
    });
    const uploadedMs = activity.startMs + activity.elapsedTimeS * 1000 + UPLOAD_DELAY_MS;
    const deleted = deletable && chance(rng, 0.03);
    entries.push({
      activity,
      sourceUpdatedAt: new Date(uploadedMs),
      ...(deleted ? { deletedAt: new Date(uploadedMs + DAY_MS / 2) } : {}),
    });
  };
  for (let i = 0; i < count; i++) add(Math.max(1, activeDays), true);
  // A quiet user's last activity falls on the day they went quiet, so "inactive for N days" holds to the day; an
  // active user's on the last day, so "active" holds whatever the random spread left (it used to depend on the
  // hour the seed ran: a user's latest could fall 6 days back).
  add(1, false);
  return entries;
}

export function planHistory(roster: readonly DemoUser[], opts: HistoryOptions): HistoryEntry[] {
  return roster.flatMap((user) => planUserHistory(user, opts));
}

/** The row the worker would write for this activity had it come through a webhook. */
export function toActivityInput(entry: HistoryEntry): ActivityInput {
  const a = entry.activity;
  return {
    provider: a.provider,
    externalId: a.externalId,
    userId: a.user.id,
    type: ACTIVITY_TYPES[a.provider][a.sport],
    distanceM: a.distanceM,
    movingTimeS: SIM_PROVIDERS[a.provider].reportedMovingTimeS(a),
    startDate: new Date(Math.floor(a.startMs / 1000) * 1000),
    startDateLocal: localIso(a.startMs, offsetSecondsAt(a.user.timezone, a.startMs)),
    sourceUpdatedAt: entry.sourceUpdatedAt,
  };
}
