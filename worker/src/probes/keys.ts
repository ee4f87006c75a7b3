import type { Provider, RedisKeys } from '@ops-cockpit/core';

/**
 * The probe's Redis keys, under the deployment's prefix. Kept beside the probes for now; they belong in
 * core's RedisKeys (`probeLock`, `probeNotBefore`) when that module is next opened.
 */
export interface ProbeKeys {
  /** Held while a probe of the provider runs, so two never overlap; expires on its own if the holder dies. */
  lock(provider: Provider): string;
  /** Present while the provider asked us (Retry-After) not to call; expires when we may again. */
  notBefore(provider: Provider): string;
  /** Present for one probe interval after a real call to the provider: its probe is not needed meanwhile. */
  traffic(provider: Provider): string;
}

export function probeKeys(keys: Pick<RedisKeys, 'prefix'>): ProbeKeys {
  return {
    lock: (provider) => `${keys.prefix}:probe:lock:${provider}`,
    notBefore: (provider) => `${keys.prefix}:probe:not-before:${provider}`,
    traffic: (provider) => `${keys.prefix}:probe:traffic:${provider}`,
  };
}
