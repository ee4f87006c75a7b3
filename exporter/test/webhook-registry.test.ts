import { PROVIDERS, type Provider, type ProviderRegistry } from '@ops-cockpit/core';
import type { WebhookAdapter } from '../src/webhooks/adapter.js';
import { WEBHOOK_ADAPTERS, WEBHOOK_ROUTES } from '../src/webhooks/registry.js';
import { stravaWebhook } from '../src/webhooks/strava.js';
import { garminWebhook } from '../src/webhooks/garmin.js';

type Registry = ProviderRegistry<{ [P in Provider]: WebhookAdapter<P> }>;

// @ts-expect-error the webhook registry without Apple Health's adapter does not compile
const missing: Registry = { strava: stravaWebhook, garmin: garminWebhook };

// @ts-expect-error Garmin's adapter registered as Strava's does not compile
const crossed: Registry = { ...WEBHOOK_ADAPTERS, strava: garminWebhook };

describe('the webhook registry', () => {
  it('serves every provider at its own path, and only those paths', () => {
    expect(PROVIDERS.map((p) => WEBHOOK_ADAPTERS[p].provider)).toEqual([...PROVIDERS]);
    expect(WEBHOOK_ROUTES.size).toBe(PROVIDERS.length);
    for (const [path, adapter] of WEBHOOK_ROUTES) {
      expect(path).toBe(`/api/webhooks/${adapter.path.split('/').pop()}`);
      expect(adapter.methods).toContain('POST');
      expect(adapter.methods.includes('GET')).toBe(adapter.handshake !== undefined);
    }
    expect([missing, crossed]).toHaveLength(2);
  });
});
