import type { Provider } from '@ops-cockpit/core';
import { weightedKey, type Rng } from './prng.js';

/**
 * Which webhook comes next: the provider, then what happens (a new activity, an edit, a deletion, a provider
 * re-sending a delivery it already made). Pure: the generator supplies what exists to act on.
 */

export const ACTIONS = {
  strava: ['create', 'update', 'delete', 'duplicate'],
  /** `push` carries the summary inline; `ping` only a callback URL the worker fetches. */
  garmin: ['push', 'ping', 'update', 'duplicate'],
  apple_health: ['create', 'update', 'delete', 'duplicate'],
  /** AccessLink exercises are immutable: new ones, and notifications Polar re-sends. */
  polar: ['create', 'duplicate'],
} as const satisfies Record<Provider, readonly string[]>;

export type ActionOf<P extends Provider> = (typeof ACTIONS)[P][number];

export type PlannedEvent = { [P in Provider]: { provider: P; action: ActionOf<P> } }[Provider];

export interface EventMix {
  providers: Readonly<Record<Provider, number>>;
  actions: { readonly [P in Provider]: Readonly<Record<ActionOf<P>, number>> };
}

/** Mostly new activities, some edits and deletions, and the occasional re-delivery providers are known for. */
export const DEFAULT_EVENT_MIX: EventMix = {
  providers: { strava: 0.45, garmin: 0.25, apple_health: 0.15, polar: 0.15 },
  actions: {
    strava: { create: 0.7, update: 0.15, delete: 0.07, duplicate: 0.08 },
    garmin: { push: 0.6, ping: 0.25, update: 0.08, duplicate: 0.07 },
    apple_health: { create: 0.75, update: 0.1, delete: 0.05, duplicate: 0.1 },
    polar: { create: 0.9, duplicate: 0.1 },
  },
};

function checkWeights(where: string, weights: Readonly<Record<string, number>>): void {
  for (const [key, w] of Object.entries(weights)) {
    if (!Number.isFinite(w) || w < 0) throw new Error(`${where}.${key} must be a number >= 0, got ${w}`);
  }
  if (!(Object.values(weights).reduce((a, b) => a + b, 0) > 0)) {
    throw new Error(`${where} weights must not all be 0`);
  }
}

/** Throws naming the bad weight, so a custom mix fails at start rather than skewing traffic silently. */
export function validateEventMix(mix: EventMix): EventMix {
  checkWeights('providers', mix.providers);
  for (const provider of Object.keys(ACTIONS) as Provider[]) {
    checkWeights(`actions.${provider}`, mix.actions[provider]);
  }
  return mix;
}

/** The mix with some providers switched off (Apple Health or Polar without a signing secret). */
export function withoutProviders(mix: EventMix, off: readonly Provider[]): EventMix {
  const providers = { ...mix.providers };
  for (const p of off) providers[p] = 0;
  return validateEventMix({ ...mix, providers });
}

/** What there is to act on right now. */
export interface MixState {
  /** Live activities the simulator holds for a provider (an update or delete needs one). */
  liveActivities(provider: Provider): number;
  /** Whether a delivery was already made for a provider (a duplicate re-sends one). */
  hasDelivered(provider: Provider): boolean;
}

/** Each provider's action that creates an activity. */
export const CREATIONS: { readonly [P in Provider]: ActionOf<P> } = {
  strava: 'create',
  garmin: 'push',
  apple_health: 'create',
  polar: 'create',
};

function creation(provider: Provider): PlannedEvent {
  return { provider, action: CREATIONS[provider] } as PlannedEvent;
}

/**
 * Draws the next event. An action with nothing to act on (an update before any activity exists) becomes a
 * creation, so early traffic is all creations and the mix settles as activities accumulate.
 */
export function nextEvent(rng: Rng, mix: EventMix, state: MixState): PlannedEvent {
  const provider = weightedKey(rng, mix.providers);
  const action: string = weightedKey<string>(rng, mix.actions[provider]);
  if ((action === 'update' || action === 'delete') && state.liveActivities(provider) === 0)
    return creation(provider);
  if (action === 'duplicate' && !state.hasDelivered(provider)) return creation(provider);
  return { provider, action } as PlannedEvent;
}
