import { quietUser } from '../../testing/fake-ops-client';
import { appendPage, cooldownLeftMs, formatCooldown, lastNudgeText, withCooldown } from './quiet-list';

const NOW = Date.parse('2026-11-26T12:00:00Z');

describe('quiet list logic', () => {
  it('counts the cooldown down from cooldownUntil', () => {
    expect(cooldownLeftMs(quietUser('a', 'Ada', 12), NOW)).toBe(0);
    const cooling = quietUser('a', 'Ada', 12, { cooldownUntil: new Date(NOW + 90_000).toISOString() });
    expect(cooldownLeftMs(cooling, NOW)).toBe(90_000);
    expect(cooldownLeftMs(cooling, NOW + 100_000)).toBe(0);
  });

  it('formats the cooldown and the last nudge', () => {
    expect(formatCooldown((23 * 3600 + 59 * 60 + 30) * 1000)).toBe('23h 59m');
    expect(formatCooldown(245_000)).toBe('4m 05s');
    expect(formatCooldown(11_200)).toBe('12s');
    expect(lastNudgeText(quietUser('a', 'Ada', 12), NOW)).toBe('never');
    expect(
      lastNudgeText(
        quietUser('a', 'Ada', 12, { lastNudgeAt: new Date(NOW - 3 * 3600_000).toISOString() }),
        NOW,
      ),
    ).toBe('3h ago');
  });

  it('applies the cooldown a 409 names, and never lists a user twice across pages', () => {
    const user = quietUser('a', 'Ada', 12);
    expect(withCooldown(user, 60, NOW).cooldownUntil).toBe(new Date(NOW + 60_000).toISOString());
    const page2 = [quietUser('a', 'Ada', 12), quietUser('b', 'Bo', 11)];
    expect(appendPage([user], page2).map((u) => u.id)).toEqual(['a', 'b']);
  });
});
