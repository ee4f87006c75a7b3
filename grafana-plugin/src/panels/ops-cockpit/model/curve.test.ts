import { areaPath, Point, smoothPath } from './curve';

/** The y of a cubic Bézier segment's control points, from an SVG path of M and C commands. */
function segments(path: string): number[][] {
  return path
    .split('C')
    .slice(1)
    .map((seg) => seg.split(',').map(Number));
}

describe('smoothPath', () => {
  test('empty, a single point, a straight pair', () => {
    expect(smoothPath([])).toBe('');
    expect(smoothPath([[1, 2]])).toBe('M1,2');
    expect(
      smoothPath([
        [0, 0],
        [30, 30],
      ]),
    ).toBe('M0,0C10,10,20,20,30,30');
  });

  test('cubic Bézier segments through every point', () => {
    const points: Point[] = [
      [0, 50],
      [10, 20],
      [20, 40],
      [30, 10],
    ];
    const path = smoothPath(points);
    expect(path.startsWith('M0,50C')).toBe(true);
    expect(segments(path).map((s) => [s[4], s[5]])).toEqual(points.slice(1));
  });

  test('monotone: no control point above or below its two samples, so a rate never dips below zero', () => {
    const points: Point[] = [
      [0, 100],
      [5, 100],
      [10, 0],
      [15, 100],
      [20, 95],
      [25, 100],
    ];
    segments(smoothPath(points)).forEach(([, y1, , y2], i) => {
      const [lo, hi] = [points[i][1], points[i + 1][1]].sort((a, b) => a - b);
      for (const y of [y1, y2]) {
        expect(y).toBeGreaterThanOrEqual(lo);
        expect(y).toBeLessThanOrEqual(hi);
      }
    });
  });

  test('a flat run stays flat', () => {
    const path = smoothPath([
      [0, 10],
      [10, 10],
      [20, 10],
    ]);
    expect(
      segments(path)
        .flat()
        .filter((_, i) => i % 2 === 1),
    ).toEqual([10, 10, 10, 10, 10, 10]);
  });
});

describe('areaPath', () => {
  test('the curve closed down to the baseline', () => {
    expect(
      areaPath(
        [
          [0, 0],
          [30, 30],
        ],
        40,
      ),
    ).toBe('M0,0C10,10,20,20,30,30L30,40L0,40Z');
    expect(areaPath([[0, 0]], 40)).toBe('');
  });
});
