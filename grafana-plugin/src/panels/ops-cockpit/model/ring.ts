/** Ring geometry for a square of `size` px: the flame sits on the arc's tip, so the ring leaves room for it. */
export function ringGeometry(size: number, filled: number) {
  const stroke = Math.max(6, size * 0.075);
  const flame = stroke * 2.4;
  const radius = Math.max(1, size / 2 - flame / 2 - 2);
  const circumference = 2 * Math.PI * radius;
  const angle = filled * 2 * Math.PI - Math.PI / 2;
  return {
    stroke,
    flame,
    radius,
    circumference,
    dashOffset: circumference * (1 - filled),
    tip: { x: size / 2 + radius * Math.cos(angle), y: size / 2 + radius * Math.sin(angle) },
  };
}
