import { PROVIDERS, type Provider, type ProviderRegistry } from '@ops-cockpit/core';
import type { WebhookAdapter } from './adapter.js';
import { stravaWebhook } from './strava.js';
import { garminWebhook } from './garmin.js';
import { appleHealthWebhook } from './apple-health.js';
import { polarWebhook } from './polar.js';

/** Every provider's webhook adapter: the only place the exporter chooses code by provider. */
export const WEBHOOK_ADAPTERS: ProviderRegistry<{ [P in Provider]: WebhookAdapter<P> }> = {
  strava: stravaWebhook,
  garmin: garminWebhook,
  apple_health: appleHealthWebhook,
  polar: polarWebhook,
};

export const WEBHOOK_PREFIX = '/api/webhooks/';

/** Path → adapter: the only paths the lean path serves, and the only values the `provider` label takes. */
export const WEBHOOK_ROUTES: ReadonlyMap<string, WebhookAdapter> = new Map(
  PROVIDERS.map((p) => [WEBHOOK_ADAPTERS[p].path, WEBHOOK_ADAPTERS[p] as WebhookAdapter]),
);

/** The providers whose deliveries are trusted only for linked accounts (they do not sign their calls). */
export const LINKED_ACCOUNT_PROVIDERS: readonly Provider[] = PROVIDERS.filter(
  (p) => WEBHOOK_ADAPTERS[p].linkedAccounts,
);
