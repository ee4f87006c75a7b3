import { emptyHeatmap, heatmapFromCells, HEATMAP_DAYS } from './heatmap.js';

describe('heatmap folding', () => {
  it('is 7 rows of 24 zeros when empty, each row its own array', () => {
    const m = emptyHeatmap();
    expect(HEATMAP_DAYS).toBe(7);
    expect(m).toHaveLength(7);
    expect(m.every((row) => row.length === 24 && row.every((n) => n === 0))).toBe(true);
    m[0]![0] = 1;
    expect(m[1]![0]).toBe(0);
  });

  it('puts each count at [weekday][hour] and adds cells that meet there', () => {
    const m = heatmapFromCells([
      { weekday: 0, hour: 0, count: 2 },
      { weekday: 6, hour: 23, count: 5 },
      { weekday: 3, hour: 12, count: 1 },
      { weekday: 3, hour: 12, count: 4 },
    ]);
    expect(m[0]![0]).toBe(2);
    expect(m[6]![23]).toBe(5);
    expect(m[3]![12]).toBe(5);
    expect(m.flat().reduce((a, b) => a + b, 0)).toBe(12);
  });

  it.each([
    [7, 0],
    [-1, 0],
    [0, 24],
    [0, -1],
    [0, 1.5],
  ])('refuses a cell outside the grid (weekday %s, hour %s), naming it', (weekday, hour) => {
    expect(() => heatmapFromCells([{ weekday, hour, count: 1 }])).toThrow(
      `heatmap cell out of range: weekday ${weekday}, hour ${hour}`,
    );
  });
});
