import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosDecision, ChaosFlags, Provider } from '@ops-cockpit/core';
import type { Counter } from 'prom-client';
import { HttpProblem } from '../problem.js';

/** An injected 503 or 429; the webhook path sends its Retry-After. */
export class InjectedFault extends HttpProblem {
  constructor(
    readonly retryAfterSeconds: number,
    type: 'dependency-unavailable' | 'rate-limited',
  ) {
    super(type, `injected by Spike Lab (${type === 'rate-limited' ? 'rate_limit' : 'outage'}); retry later`);
  }
}

/**
 * Applies target `ingest` to one webhook delivery, from memory: waits the injected delay, then throws an
 * InjectedFault for an outage or rate limit; otherwise gives whether the delivery is to be appended twice.
 * With no fault hitting the request (the normal case) the answer is a plain `false`, not a promise, so the
 * webhook path does not wait a turn for it.
 */
export function applyIngestChaos(
  chaos: { flags: ChaosFlags; injected: Counter<'mode' | 'provider'> } | undefined,
  provider: Provider,
): false | Promise<boolean> {
  if (!chaos) return false;
  const decision: ChaosDecision = chaos.flags.decide('ingest', provider);
  if (decision.injected.length === 0) return false;
  for (const mode of decision.injected) chaos.injected.inc({ mode, provider });
  return applyDecision(decision);
}

async function applyDecision(decision: ChaosDecision): Promise<boolean> {
  if (decision.delayMs > 0) await sleep(decision.delayMs);
  if (decision.abort) {
    const type = decision.abort.mode === 'outage' ? 'dependency-unavailable' : 'rate-limited';
    throw new InjectedFault(decision.abort.retryAfterSeconds, type);
  }
  return decision.duplicate;
}
