import { incident } from '../../testing/fake-ops-client';
import {
  byLevel,
  formatAge,
  freshIds,
  incidentState,
  newestFirst,
  typedLength,
  withIncident,
} from './incidents';

const NOW = Date.parse('2026-11-26T12:00:00Z');

describe('incidents logic', () => {
  it('tells the state: resolved wins over acknowledged', () => {
    expect(incidentState(incident(1, 5, NOW))).toBe('open');
    expect(incidentState(incident(1, 5, NOW, { acknowledgedAt: 'x', acknowledgedBy: 'ada' }))).toBe(
      'acknowledged',
    );
    expect(incidentState(incident(1, 5, NOW, { acknowledgedAt: 'x', resolvedAt: 'y' }))).toBe('resolved');
  });

  it('orders newest first and filters by level', () => {
    const list = [incident(1, 30, NOW), incident(2, 1, NOW, { level: 'critical' }), incident(3, 10, NOW)];
    expect(newestFirst(list).map((i) => i.id)).toEqual([2, 3, 1]);
    expect(byLevel(list, 'critical').map((i) => i.id)).toEqual([2]);
    expect(byLevel(list, 'all')).toHaveLength(3);
  });

  it('marks only incidents the feed has not shown as new, none on the first load', () => {
    const first = [incident(1, 3, NOW), incident(2, 2, NOW)];
    expect(freshIds(new Set(), first).size).toBe(0);
    expect([...freshIds(new Set([1, 2]), [incident(3, 0, NOW), ...first])]).toEqual([3]);
  });

  it('replaces an acknowledged incident in place', () => {
    const acked = incident(2, 2, NOW, { acknowledgedAt: 'x', acknowledgedBy: 'grace' });
    expect(withIncident([incident(1, 3, NOW), incident(2, 2, NOW)], acked)[1]).toBe(acked);
  });

  it('formats ages compactly', () => {
    const ago = (s: number) => new Date(NOW - s * 1000).toISOString();
    expect(formatAge(ago(45), NOW)).toBe('45s');
    expect(formatAge(ago(12 * 60 + 5), NOW)).toBe('12m');
    expect(formatAge(ago(3 * 3600 + 5 * 60), NOW)).toBe('3h 5m');
    expect(formatAge(ago(2 * 3600), NOW)).toBe('2h');
    expect(formatAge(ago(2 * 86400 + 4 * 3600), NOW)).toBe('2d 4h');
    expect(formatAge(ago(-30), NOW)).toBe('0s');
  });

  it('types a message in quickly, a long one within the cap', () => {
    expect(typedLength(10, 0)).toBe(0);
    expect(typedLength(10, 18 * 4)).toBe(4);
    expect(typedLength(10, 10_000)).toBe(10);
    expect(typedLength(300, 900)).toBe(300);
    expect(typedLength(0, 5)).toBe(0);
  });
});
