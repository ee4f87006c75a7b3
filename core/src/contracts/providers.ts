/** The providers the challenge ingests from: the only values a `provider` label or column may take. */
export const PROVIDERS = ['strava', 'garmin', 'apple_health', 'polar'] as const;
export type Provider = (typeof PROVIDERS)[number];

export function isProvider(value: unknown): value is Provider {
  return typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);
}

/**
 * One entry per provider, each typed for its own provider: a registry missing a provider, or holding one that is
 * no provider, does not compile. Every place that chooses code by provider holds such a registry (the webhook
 * adapters, the ingest adapters, the simulator's fakes, the probe targets) instead of an if/else on the name.
 */
export type ProviderRegistry<Entry extends { [P in Provider]: unknown }> = {
  readonly [P in Provider]: Entry[P];
};
