// No imports: the browser tests (node) read it without loading @grafana/data.

/** A deterministic week: weekday commutes (Tuesday 18:00 the busiest hour), late weekend mornings. */
export function sampleWeek(): number[][] {
  const weekdayFactor = [0, 1, 1.25, 1.05, 0.95, 0.8, 0];
  const bump = (h: number, peak: number, width: number) => Math.exp(-((h - peak) ** 2) / width);
  return weekdayFactor.map((factor, weekday) =>
    Array.from({ length: 24 }, (_, hour) => {
      const base = hour >= 6 && hour <= 22 ? 2 : 0;
      const busy =
        weekday === 0 || weekday === 6
          ? 40 * bump(hour, 10, 6) + 12 * bump(hour, 17, 4)
          : factor * (30 * bump(hour, 7, 2) + 45 * bump(hour, 18, 3));
      return Math.round(base + busy);
    }),
  );
}
