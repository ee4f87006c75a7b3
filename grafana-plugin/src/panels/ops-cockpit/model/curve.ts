/** A point in SVG pixels. */
export type Point = [x: number, y: number];

const r = (n: number) => Math.round(n * 10) / 10;

/**
 * An SVG path through `points` (x ascending) with monotone cubic Bézier segments (Fritsch–Carlson): smooth like
 * an ECG trace, yet never overshooting between samples, so a rate never dips below zero or above its peak.
 */
export function smoothPath(points: Point[]): string {
  const n = points.length;
  if (n === 0) {
    return '';
  }
  const [x0, y0] = points[0];
  if (n === 1) {
    return `M${r(x0)},${r(y0)}`;
  }
  const d = points.slice(1).map(([x, y], i) => {
    const dx = x - points[i][0];
    return dx > 0 ? (y - points[i][1]) / dx : 0;
  });
  const m = points.map((_, i) =>
    i === 0 ? d[0] : i === n - 1 ? d[n - 2] : d[i - 1] * d[i] <= 0 ? 0 : (d[i - 1] + d[i]) / 2,
  );
  d.forEach((slope, i) => {
    if (slope === 0) {
      m[i] = m[i + 1] = 0;
      return;
    }
    const a = m[i] / slope;
    const b = m[i + 1] / slope;
    const s = a * a + b * b;
    if (s > 9) {
      m[i] = (3 / Math.sqrt(s)) * a * slope;
      m[i + 1] = (3 / Math.sqrt(s)) * b * slope;
    }
  });
  let path = `M${r(x0)},${r(y0)}`;
  for (let i = 0; i < n - 1; i++) {
    const [xa, ya] = points[i];
    const [xb, yb] = points[i + 1];
    const h = (xb - xa) / 3;
    path += `C${r(xa + h)},${r(ya + m[i] * h)},${r(xb - h)},${r(yb - m[i + 1] * h)},${r(xb)},${r(yb)}`;
  }
  return path;
}

/** The same curve closed down to `baseline`, for the gradient fill under the line. */
export function areaPath(points: Point[], baseline: number): string {
  if (points.length < 2) {
    return '';
  }
  return `${smoothPath(points)}L${r(points[points.length - 1][0])},${r(baseline)}L${r(points[0][0])},${r(baseline)}Z`;
}
