import { classesOf, type Provider } from '@ops-cockpit/core';
import pLimit from 'p-limit';
import { createOutboundFetch, type OutboundGuard } from './outbound-fetch.js';
import type { BudgetLedger } from './budget-ledger.js';
import { ProviderError } from './errors.js';

/**
 * One outgoing JSON call to a provider (an activity fetch, a token refresh, a callback): every provider client
 * of the ingest path makes its calls through one of these, so what applies to all calls (the timeout, Spike
 * Lab's target `provider` through chaos.ts's withProviderChaos) is applied in one place. Resolves to the parsed
 * body; throws ProviderError.
 */
export type ProviderCall = (
  provider: Provider,
  url: string,
  init?: RequestInit,
  /** Sees the headers of the provider's answer, errors included (rate limits); not called without an answer. */
  onHeaders?: (headers: Headers) => void,
) => Promise<unknown>;

/**
 * Every call through the outbound guard (the provider's allow-list, public addresses for bare hosts, a size
 * cap, one timeout); main wraps it with Spike Lab's gate. `close` ends its connection pools.
 */
export function providerCalls(guard: OutboundGuard): ProviderCall & { close(): Promise<void> } {
  const outbound = createOutboundFetch(guard);
  return Object.assign(outbound.call satisfies ProviderCall, { close: outbound.close });
}

/**
 * At most `perProvider` calls in flight to each provider; the others wait their turn, in order. A slow or
 * hostile endpoint (a Garmin callback that never answers) then holds its own provider's slots only, never
 * another provider's, and each entry's wait counts against its own deadline (INGEST_ENTRY_DEADLINE_MS).
 */
export function limitPerProvider(call: ProviderCall, perProvider: number): ProviderCall {
  const limits = new Map<Provider, pLimit.Limit>();
  return (provider, url, init, onHeaders) => {
    let limit = limits.get(provider);
    if (!limit) limits.set(provider, (limit = pLimit(perProvider)));
    return limit(() => call(provider, url, init, onHeaders));
  };
}

/**
 * Calls to a budgeted provider take their place in the shared budget first (BudgetLedger); a call the budget
 * refuses never goes out and fails with ProviderError('budget', retry after the window reopens), so its entry
 * waits instead of spending what the provider would answer 429 for. Every answer's figures (headers) go back to
 * the ledger, errors included. `onWait` counts the refusals.
 */
export function withBudget(
  call: ProviderCall,
  ledger: BudgetLedger,
  onWait: (provider: Provider) => void,
): ProviderCall {
  return async (provider, url, init, onHeaders) => {
    if (!ledger.covers(provider)) return call(provider, url, init, onHeaders);
    const waitMs = await ledger.reserve(provider, classesOf(init?.method), false);
    if (waitMs > 0) {
      onWait(provider);
      throw new ProviderError(
        'budget',
        `${provider} request budget spent: the window reopens in ${Math.ceil(waitMs / 1000)} s`,
        waitMs / 1000,
      );
    }
    let answered: Headers | undefined;
    try {
      return await call(provider, url, init, (headers) => {
        answered = headers;
        onHeaders?.(headers);
      });
    } finally {
      // The answer stands even if Redis is gone meanwhile: the next answer reports the figures again.
      if (answered) await ledger.observe(provider, answered).catch(() => undefined);
    }
  };
}
