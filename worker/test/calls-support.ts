import { PROVIDERS } from '@ops-cockpit/core';
import { providerCalls } from '../src/providers/calls.js';
import { allowEntry } from '../src/providers/outbound-policy.js';

/**
 * Provider calls through the real outbound guard, allowed to `origins` for every provider as named origins (as
 * the demo names the simulator). No origin: every call is refused.
 */
export function callsTo(origins: readonly string[], timeoutMs = 2_000) {
  const entries = origins.map((o) => allowEntry(new URL(o).origin));
  return providerCalls({
    policy: Object.fromEntries(PROVIDERS.map((p) => [p, entries])),
    timeoutMs,
    maxResponseBytes: 4 * 1024 * 1024,
  });
}
