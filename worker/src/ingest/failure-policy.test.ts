import fc from 'fast-check';
import { ProviderError, type ProviderFailure } from '../providers/errors.js';
import { MAX_BACKOFF_MS } from './backoff.js';
import { judgeFailure, parseRetryState } from './failure-policy.js';

const policy = { maxDeliveries: 5, claimIdleMs: 30_000 };
const now = Date.parse('2026-12-04T10:00:00Z');
const pgDown = Object.assign(new Error('terminating connection due to administrator command'), {
  code: '57P01',
});

describe('judgeFailure', () => {
  it('leaves an entry pending, counting nothing, while Postgres is unreachable', () => {
    expect(judgeFailure(pgDown, { failures: 4, nextAt: 0 }, policy, now)).toEqual({
      action: 'await_dependency',
    });
  });

  it('never takes a provider failure for a dependency outage, even a network one', () => {
    const err = new ProviderError('network', 'connect ECONNREFUSED');
    expect(judgeFailure(err, undefined, policy, now)).toEqual({
      action: 'retry',
      state: { failures: 1, nextAt: now + 30_000 },
    });
  });

  it('holds an entry for a spent budget until the window reopens, however often, never counting it', () => {
    const err = new ProviderError('budget', 'strava budget spent', 420);
    expect(judgeFailure(err, { failures: 4, nextAt: 0 }, policy, now)).toEqual({
      action: 'await_budget',
      state: { failures: 4, nextAt: now + 420_000 },
    });
    expect(judgeFailure(new ProviderError('budget', 'spent'), undefined, policy, now)).toEqual({
      action: 'await_budget',
      state: { failures: 0, nextAt: now + 1_000 },
    });
  });

  it('dead-letters a permanent provider failure at once', () => {
    for (const failure of ['not_found', 'unauthorized', 'bad_response', 'refused'] as const) {
      expect(judgeFailure(new ProviderError(failure, failure), undefined, policy, now)).toEqual({
        action: 'dead_letter',
        failures: 1,
      });
    }
  });

  it('retries a transient failure with doubling backoff, honouring Retry-After, until maxDeliveries', () => {
    const limited = new ProviderError('rate_limited', '429', 900);
    expect(judgeFailure(limited, undefined, policy, now)).toEqual({
      action: 'retry',
      state: { failures: 1, nextAt: now + 900_000 },
    });
    const boom = new Error('unexpected token');
    expect(judgeFailure(boom, { failures: 2, nextAt: 0 }, policy, now)).toEqual({
      action: 'retry',
      state: { failures: 3, nextAt: now + 120_000 },
    });
    expect(judgeFailure(boom, { failures: 4, nextAt: 0 }, policy, now)).toEqual({
      action: 'dead_letter',
      failures: 5,
    });
  });

  it('for any history: attempts count up by one at most, and no wait is in the past or unbounded', () => {
    const failures: ProviderFailure[] = [
      'rate_limited',
      'server',
      'timeout',
      'network',
      'budget',
      'not_found',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...failures),
        fc.option(fc.integer({ min: 0, max: 3_600 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
        (failure, retryAfter, before) => {
          const retry = before === undefined ? undefined : { failures: before, nextAt: 0 };
          const v = judgeFailure(new ProviderError(failure, failure, retryAfter), retry, policy, now);
          const counted =
            v.action === 'dead_letter' ? v.failures : v.action === 'await_dependency' ? 0 : v.state.failures;
          expect(counted - (before ?? 0)).toBe(v.action === 'await_budget' ? 0 : 1);
          if (v.action === 'retry' || v.action === 'await_budget') {
            expect(v.state.nextAt).toBeGreaterThanOrEqual(now);
            expect(v.state.nextAt - now).toBeLessThanOrEqual(
              Math.max(MAX_BACKOFF_MS, (retryAfter ?? 1) * 1000),
            );
          }
          if (v.action === 'retry') expect(v.state.failures).toBeLessThan(policy.maxDeliveries);
        },
      ),
    );
  });
});

describe('parseRetryState', () => {
  it('reads a stored state', () => {
    expect(parseRetryState('{"failures":2,"nextAt":1700000000000}')).toEqual({
      failures: 2,
      nextAt: 1_700_000_000_000,
    });
  });

  it('reads none, and anything unreadable, as no state (the count starts afresh, the batch goes on)', () => {
    for (const raw of [
      null,
      undefined,
      '',
      'not json',
      'null',
      '[]',
      '{"failures":"2","nextAt":1}',
      '{"failures":1}',
    ]) {
      expect(parseRetryState(raw)).toBeUndefined();
    }
  });
});
