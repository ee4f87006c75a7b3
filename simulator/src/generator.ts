import { PROVIDERS, type Provider } from '@ops-cockpit/core';
import {
  DEFAULT_EVENT_MIX,
  nextEvent,
  validateEventMix,
  withoutProviders,
  type ActionOf,
  type EventMix,
} from './event-mix.js';
import { mulberry32, pick, type Rng } from './prng.js';
import { planActivity, revisedWorkout } from './workouts.js';
import type { World } from './world.js';
import type { Delivery, Sent, SimProvider, TrafficKit, TrafficSettings } from './providers/adapter.js';
import { SIM_PROVIDERS } from './providers/registry.js';

export type { Delivery } from './providers/adapter.js';

/**
 * Turns the event mix into concrete webhook deliveries, changing the world first so that what a webhook
 * announces is what the simulated API then returns. Deterministic for a given seed, id base and clock, so tests
 * can replay it; the only I/O-free clock input is the `nowMs` passed to `next`.
 */

export interface GeneratorOptions extends TrafficSettings {
  world: World;
  seed: number;
  mix?: EventMix;
  /** New ids count up from here; each run takes its own base so a restarted simulator never reuses an id. */
  idBase: number;
  /** New activities started within this many days (people sync late), so the 7-day heatmap fills fast. */
  historyDays?: number;
  /** Past deliveries per provider kept for re-sending as duplicates. */
  duplicateWindow?: number;
}

export interface EventGenerator {
  next(nowMs: number): Delivery;
}

export function createEventGenerator(opts: GeneratorOptions): EventGenerator {
  const { world } = opts;
  if (world.activeUsers.length === 0)
    throw new Error('the world has no active users to generate traffic for');
  if (!Number.isSafeInteger(opts.idBase) || opts.idBase < 1) {
    throw new Error(`idBase must be a positive safe integer, got ${opts.idBase}`);
  }
  const rng: Rng = mulberry32(opts.seed);
  const baseMix = validateEventMix(opts.mix ?? DEFAULT_EVENT_MIX);
  // A provider whose deliveries these settings cannot make (Apple Health without its secret) sends none.
  const mix = withoutProviders(
    baseMix,
    PROVIDERS.filter((p) => SIM_PROVIDERS[p].sends?.(opts) === false),
  );
  const historyDays = opts.historyDays ?? 7;
  const window = opts.duplicateWindow ?? 50;
  const sent = new Map<Provider, Sent[]>(PROVIDERS.map((p) => [p, []]));
  let counter = 0;

  const kit: TrafficKit = {
    world,
    rng,
    settings: opts,
    nextId: () => opts.idBase + counter++,
    newActivity(provider, externalId, nowMs, user = pick(rng, world.activeUsers)) {
      const a = planActivity(rng, {
        provider,
        externalId,
        user,
        window: { endMs: nowMs, days: historyDays, latestMs: nowMs - 5 * 60_000 },
      });
      world.putActivity(a);
      return a;
    },
    revise(a) {
      const revised = { ...a, ...revisedWorkout(rng, a) };
      world.putActivity(revised);
      return revised;
    },
    remember(provider, entry) {
      const list = sent.get(provider)!;
      list.push(entry);
      if (list.length > window) list.shift();
    },
    json(provider, action, body) {
      const text = JSON.stringify(body);
      kit.remember(provider, { action, body: text });
      return {
        provider,
        action,
        path: SIM_PROVIDERS[provider].webhookPath,
        headers: { 'Content-Type': 'application/json' },
        body: text,
      };
    },
  };

  /** The planned event of provider P, by its adapter (the registry keeps each adapter with its own actions). */
  function deliver<P extends Provider>(
    planned: { provider: P; action: ActionOf<P> },
    nowMs: number,
  ): Delivery {
    const adapter: SimProvider<P> = SIM_PROVIDERS[planned.provider] as unknown as SimProvider<P>;
    if (planned.action !== 'duplicate') {
      return adapter.deliver(planned.action as Exclude<ActionOf<P>, 'duplicate'>, nowMs, kit);
    }
    const previous = pick(rng, sent.get(planned.provider)!);
    if (adapter.redeliver) return adapter.redeliver(previous, nowMs, kit);
    return {
      provider: planned.provider,
      action: 'duplicate',
      path: adapter.webhookPath,
      headers: { 'Content-Type': 'application/json' },
      body: previous.body,
    };
  }

  return {
    next(nowMs: number): Delivery {
      const planned = nextEvent(rng, mix, {
        liveActivities: (p) => world.liveCount(p),
        hasDelivered: (p) => sent.get(p)!.length > 0,
      });
      return deliver(planned, nowMs);
    },
  };
}

/** A fixed batch, one delivery every `intervalMs` from `startMs`: what tests and load scripts replay. */
export function generateDeliveries(
  opts: GeneratorOptions & { count: number; startMs: number; intervalMs?: number },
): Delivery[] {
  const generator = createEventGenerator(opts);
  return Array.from({ length: opts.count }, (_, i) =>
    generator.next(opts.startMs + i * (opts.intervalMs ?? 100)),
  );
}

/** A run's id base: distinct across restarts (seconds since the epoch x 100 000 leaves room for any rate). */
export function idBaseFor(nowMs: number): number {
  return Math.floor(nowMs / 1000) * 100_000;
}
