import type http from 'node:http';
import type { StravaRateLimits } from './strava-limits.js';
import type { Provider } from '@ops-cockpit/core';
import type { ActionOf } from '../event-mix.js';
import type { Send } from '../http-io.js';
import type { Rng } from '../prng.js';
import type { DemoUser } from '../roster.js';
import type { SimActivity, World } from '../world.js';

/** One webhook the simulator sends to the exporter. */
export interface Delivery {
  provider: Provider;
  action: string;
  /** Path on the exporter. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A delivery kept for re-sending as a duplicate, as the provider would re-deliver it. */
export interface Sent {
  action: string;
  body: string;
  /** Standard Webhooks message id: a re-delivery keeps it, with a new timestamp and signature. */
  messageId?: string;
}

/** The traffic settings a provider's deliveries read. */
export interface TrafficSettings {
  /** This simulator's base URL, for Garmin ping callbacks. */
  simulatorUrl: string;
  /** Strava's subscription id in every event (the exporter refuses another when it has one configured). */
  subscriptionId: number;
  /** Standard Webhooks secret for Apple Health; without it no Apple deliveries are made (they would be refused). */
  appleSecret?: string;
  /** Polar's `signature_secret_key`; without it no Polar exercises are sent (they would be refused). */
  polarSecret?: string;
}

/** What the generator lends a provider's traffic: the world, the random source and the shared steps. */
export interface TrafficKit {
  world: World;
  rng: Rng;
  settings: TrafficSettings;
  /** A fresh number of this run, for new ids. */
  nextId(): number;
  /** A new activity of the provider, put in the world. */
  newActivity(provider: Provider, externalId: string, nowMs: number, user?: DemoUser): SimActivity;
  /** The activity edited (type, distance, times), put in the world. */
  revise(a: SimActivity): SimActivity;
  /** Keeps a sent delivery for later re-sending. */
  remember(provider: Provider, sent: Sent): void;
  /** A plain JSON delivery to the provider's path, remembered. */
  json(provider: Provider, action: string, body: unknown): Delivery;
}

/** The fake of a provider's API: the simulator serves what the worker and the probes call. */
export interface FakeApi {
  /** Whether a request path is this API's. */
  owns(path: string): boolean;
  serve(req: http.IncomingMessage, url: URL, send: Send, deps: FakeApiDeps): Promise<void> | void;
  /** An injected fault, in the provider's own error shape and headers. */
  fault(
    send: Send,
    error: { status: number; retryAfterSeconds?: number },
    headers: Record<string, string>,
  ): void;
}

export interface FakeApiDeps {
  world: World;
  now: () => number;
  /** Strava's application rate limits, when the simulator enforces them (unset: unlimited, no headers). */
  stravaLimits?: StravaRateLimits;
}

/** A provider's account row in `provider_accounts` for a demo user (what linking it in the app leaves). */
export interface SeedAccount {
  externalUserId: string;
  accessToken: string | null;
  refreshToken: string | null;
  tokenExpiresAt: Date | null;
  scopes: string | null;
}

/**
 * One provider as the simulator plays it: its webhook traffic (deliveries and re-deliveries), its fake API (if
 * it has one; Apple Health has none, the app posts), and its share of the seeded history and accounts.
 */
export interface SimProvider<P extends Provider = Provider> {
  readonly provider: P;
  /** The exporter's webhook path. */
  readonly webhookPath: string;
  /** Whether these settings allow its traffic (unset: always). */
  sends?(settings: TrafficSettings): boolean;
  /** One delivery of `action`, changing the world first so the API then answers what the webhook announced. */
  deliver(action: Exclude<ActionOf<P>, 'duplicate'>, nowMs: number, kit: TrafficKit): Delivery;
  /** A previous delivery, re-sent as the provider re-delivers (unset: the same body again). */
  redeliver?(previous: Sent, nowMs: number, kit: TrafficKit): Delivery;
  readonly api?: FakeApi;
  /** The moving time the worker stores for an activity of this provider (the seed writes the same). */
  reportedMovingTimeS(a: SimActivity): number;
  /** The provider id of a seeded history activity (user's n-th). */
  seedExternalId(user: DemoUser, n: number): string;
  /** The linked account of a demo user; undefined when the user has none with this provider. */
  seedAccount(user: DemoUser): SeedAccount | undefined;
}
