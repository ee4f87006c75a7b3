import { MAX_BACKOFF_MS, MAX_OUTAGE_PAUSE_MS, backoffMs, outagePauseMs } from './backoff.js';

describe('backoffMs', () => {
  it('doubles from the base, caps at 10 min, and never undercuts Retry-After', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 30_000))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffMs(20, 30_000)).toBe(MAX_BACKOFF_MS);
    expect(backoffMs(1, 1_000, 90)).toBe(90_000);
  });
});

describe('outagePauseMs', () => {
  it('doubles from the base up to the claim idle time', () => {
    expect([1, 2, 3, 4, 5].map((n) => outagePauseMs(n, 125, 1_000))).toEqual([125, 250, 500, 1_000, 1_000]);
  });

  it('never waits longer than 30 s, whatever the claim idle time', () => {
    expect(outagePauseMs(30, 1_000, 3_600_000)).toBe(MAX_OUTAGE_PAUSE_MS);
  });
});
