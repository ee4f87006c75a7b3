import { isDependencyUnavailable } from '@ops-cockpit/core';
import { ProviderError } from '../providers/errors.js';
import { backoffMs } from './backoff.js';

/** What the retry hash holds for an entry whose attempt failed: failures so far, and when it is due again. */
export interface RetryState {
  failures: number;
  nextAt: number;
}

/** What becomes of an ingest entry whose attempt failed. */
export type FailureVerdict =
  /** A dependency (Postgres) is unreachable: the entry stays pending as it is, no attempt counted. */
  | { action: 'await_dependency' }
  /** The provider's request budget is spent: no call went out, so no failure counts; due when it reopens. */
  | { action: 'await_budget'; state: RetryState }
  /** A transient failure: tried again after a backoff that honours the provider's Retry-After. */
  | { action: 'retry'; state: RetryState }
  /** A permanent failure, or one too many: moved to the dead-letter stream with its reason. */
  | { action: 'dead_letter'; failures: number };

/** Decides what a failed attempt at an entry leads to, from the error and the entry's failures so far. */
export function judgeFailure(
  err: Error,
  retry: RetryState | undefined,
  policy: { maxDeliveries: number; claimIdleMs: number },
  now: number,
): FailureVerdict {
  const provider = err instanceof ProviderError ? err : undefined;
  if (!provider && isDependencyUnavailable(err)) return { action: 'await_dependency' };
  const failuresSoFar = retry?.failures ?? 0;
  if (provider?.failure === 'budget') {
    const nextAt = now + (provider.retryAfterSeconds ?? 1) * 1000;
    return { action: 'await_budget', state: { failures: failuresSoFar, nextAt } };
  }
  const failures = failuresSoFar + 1;
  if ((provider && !provider.transient) || failures >= policy.maxDeliveries) {
    return { action: 'dead_letter', failures };
  }
  const nextAt = now + backoffMs(failures, policy.claimIdleMs, provider?.retryAfterSeconds);
  return { action: 'retry', state: { failures, nextAt } };
}

/**
 * A retry state as stored, or undefined when there is none or it cannot be read: an unreadable state starts the
 * entry's count afresh rather than stopping the batch it was read with.
 */
export function parseRetryState(raw: string | null | undefined): RetryState | undefined {
  if (!raw) return undefined;
  try {
    const s = JSON.parse(raw) as Partial<RetryState> | null;
    return s && Number.isFinite(s.failures) && Number.isFinite(s.nextAt)
      ? { failures: s.failures!, nextAt: s.nextAt! }
      : undefined;
  } catch {
    return undefined;
  }
}
