/** The providers the challenge ingests from: the only values a `provider` label or column may take. */
export const PROVIDERS = ['strava', 'garmin', 'apple_health'] as const;
export type Provider = (typeof PROVIDERS)[number];

export function isProvider(value: unknown): value is Provider {
  return typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);
}
