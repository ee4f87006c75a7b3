import type { Provider } from '@ops-cockpit/core';
import {
  DEFAULT_EVENT_MIX,
  mulberry32,
  nextEvent,
  validateEventMix,
  withoutProviders,
  type MixState,
} from '../src/index.js';

const everything: MixState = { liveActivities: () => 10, hasDelivered: () => true };
const nothing: MixState = { liveActivities: () => 0, hasDelivered: () => false };

function draw(seed: number, count: number, state: MixState = everything) {
  const rng = mulberry32(seed);
  return Array.from({ length: count }, () => nextEvent(rng, DEFAULT_EVENT_MIX, state));
}

describe('event mix', () => {
  it('is deterministic for a seed', () => {
    expect(draw(5, 200)).toEqual(draw(5, 200));
    expect(draw(5, 200)).not.toEqual(draw(6, 200));
  });

  it('follows the configured proportions of providers and actions', () => {
    const n = 40_000;
    const events = draw(11, n);
    const byProvider = new Map<Provider, number>();
    const byAction = new Map<string, number>();
    for (const e of events) {
      byProvider.set(e.provider, (byProvider.get(e.provider) ?? 0) + 1);
      byAction.set(`${e.provider}:${e.action}`, (byAction.get(`${e.provider}:${e.action}`) ?? 0) + 1);
    }
    for (const [provider, weight] of Object.entries(DEFAULT_EVENT_MIX.providers) as [Provider, number][]) {
      const count = byProvider.get(provider) ?? 0;
      expect(Math.abs(count / n - weight)).toBeLessThan(0.015);
      for (const [action, share] of Object.entries(DEFAULT_EVENT_MIX.actions[provider])) {
        expect(Math.abs((byAction.get(`${provider}:${action}`) ?? 0) / count - share)).toBeLessThan(0.02);
      }
    }
  });

  it('creates when there is nothing to update, delete or re-send', () => {
    const events = draw(12, 2_000, nothing);
    expect(new Set(events.map((e) => e.action))).toEqual(new Set(['create', 'push', 'ping']));
  });

  it('can switch a provider off, and names a bad weight', () => {
    const rng = mulberry32(13);
    const mix = withoutProviders(DEFAULT_EVENT_MIX, ['apple_health']);
    for (let i = 0; i < 2_000; i++) expect(nextEvent(rng, mix, everything).provider).not.toBe('apple_health');
    expect(() =>
      validateEventMix({
        ...DEFAULT_EVENT_MIX,
        providers: { strava: -1, garmin: 1, apple_health: 1, polar: 1 },
      }),
    ).toThrow('providers.strava must be a number >= 0, got -1');
    expect(() =>
      validateEventMix({
        ...DEFAULT_EVENT_MIX,
        providers: { strava: 0, garmin: 0, apple_health: 0, polar: 0 },
      }),
    ).toThrow(/must not all be 0/);
  });
});
