import { ringGeometry } from './ring';

describe('ringGeometry', () => {
  test("an empty ring: the whole dash offset, the tip at twelve o'clock", () => {
    const ring = ringGeometry(300, 0);
    expect(ring.dashOffset).toBeCloseTo(ring.circumference);
    expect(ring.tip.x).toBeCloseTo(150);
    expect(ring.tip.y).toBeCloseTo(150 - ring.radius);
  });

  test("a quarter: the tip at three o'clock; full: no offset", () => {
    const quarter = ringGeometry(300, 0.25);
    expect(quarter.tip.x).toBeCloseTo(150 + quarter.radius);
    expect(quarter.tip.y).toBeCloseTo(150);
    expect(ringGeometry(300, 1).dashOffset).toBeCloseTo(0);
  });

  test.each([48, 120, 300, 900])('the flame on the tip stays inside a %p px square', (size) => {
    const ring = ringGeometry(size, 0.5);
    expect(ring.radius + ring.flame / 2).toBeLessThanOrEqual(size / 2);
    expect(ring.radius + ring.stroke / 2).toBeLessThanOrEqual(size / 2);
  });
});
