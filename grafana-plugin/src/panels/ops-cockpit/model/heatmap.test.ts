import { createDataFrame, FieldType } from '@grafana/data';

import { heatmapSeries, heatmapTable, instantFrame } from '../testing/frames';
import { sampleWeek } from '../testing/week';
import {
  describeCell,
  heatLevel,
  heatmapLayout,
  HOURS,
  hourRange,
  toHeatmapModel,
  WEEKDAYS,
} from './heatmap';

const cell = (weekday: string, hour: string, count: number | null) =>
  instantFrame('ops_activity_heatmap_activities', count, { weekday, hour });

describe('toHeatmapModel', () => {
  test('the exporter series: one per weekday and hour, weekday 0 = Sunday', () => {
    const week = sampleWeek();
    const model = toHeatmapModel(heatmapSeries(week))!;
    expect(model.counts).toEqual(week);
    expect(model.cells).toBe(168);
    expect(model.ignored).toBe(0);
    expect(model.max).toBe(Math.max(...week.flat()));
    expect(model.total).toBe(week.flat().reduce((a, b) => a + b, 0));
    expect(WEEKDAYS[0]).toBe('Sunday');
  });

  test('a table frame with weekday, hour and value columns gives the same matrix', () => {
    const week = sampleWeek();
    expect(toHeatmapModel([heatmapTable(week)])!.counts).toEqual(week);
  });

  test('a table with numeric weekday/hour columns (SQL) and a value column', () => {
    const frame = createDataFrame({
      fields: [
        { name: 'weekday', type: FieldType.number, values: [0, 6] },
        { name: 'hour', type: FieldType.number, values: [7, 23] },
        { name: 'activities', type: FieldType.number, values: [3, 9] },
      ],
    });
    const model = toHeatmapModel([frame])!;
    expect(model.counts[0][7]).toBe(3);
    expect(model.counts[6][23]).toBe(9);
    expect(model.total).toBe(12);
  });

  test('a cell given twice adds up; cells not given are 0', () => {
    const model = toHeatmapModel([cell('2', '18', 4), cell('2', '18', 5)])!;
    expect(model.counts[2][18]).toBe(9);
    expect(model.counts[2][17]).toBe(0);
    expect(model.cells).toBe(2);
  });

  test('out-of-range or malformed labels and missing or negative values are ignored, not drawn', () => {
    const model = toHeatmapModel([
      cell('7', '1', 1),
      cell('-1', '1', 1),
      cell('1', '24', 1),
      cell('1', '1.5', 1),
      cell('Mon', '1', 1),
      cell('1', '1', null),
      cell('1', '1', -3),
      cell('1', '2', 6),
    ])!;
    expect(model.ignored).toBe(7);
    expect(model.cells).toBe(1);
    expect(model.total).toBe(6);
  });

  test('a range query: the newest value of each series', () => {
    const frame = createDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [1, 2, 3] },
        { name: 'Value', type: FieldType.number, values: [1, 4, null], labels: { weekday: '3', hour: '9' } },
      ],
    });
    expect(toHeatmapModel([frame])!.counts[3][9]).toBe(4);
  });

  test('undefined when no frame carries heatmap data', () => {
    expect(toHeatmapModel([])).toBeUndefined();
    expect(toHeatmapModel([instantFrame('ops_calm_score', 80)])).toBeUndefined();
  });
});

describe('heatLevel', () => {
  test.each([
    [0, 100, 0],
    [1, 100, 1],
    [25, 100, 1],
    [26, 100, 2],
    [50, 100, 2],
    [51, 100, 3],
    [100, 100, 4],
    [5, 0, 0],
  ])('%p of max %p → level %p', (count, max, level) => expect(heatLevel(count, max)).toBe(level));
});

describe('tooltip text', () => {
  test('weekday, hour range and count', () => {
    expect(describeCell(2, 18, 12)).toEqual({
      weekday: 'Tuesday',
      hour: '18:00–19:00',
      count: '12 activities',
    });
    expect(describeCell(0, 0, 1).count).toBe('1 activity');
    expect(describeCell(6, 23, 1234.567).count).toBe('1,234.57 activities');
    expect(hourRange(23)).toBe('23:00–00:00');
  });
});

describe('heatmapLayout', () => {
  test.each([
    [720, 260],
    [300, 120],
    [1600, 900],
  ])('square cells that fit %p × %p', (width, height) => {
    const { cell, gap, labelWidth, header, legend } = heatmapLayout(width, height);
    expect(labelWidth + HOURS * (cell + gap)).toBeLessThanOrEqual(width);
    expect(header + legend + WEEKDAYS.length * (cell + gap)).toBeLessThanOrEqual(height);
  });

  test('never smaller than 4 px', () => {
    expect(heatmapLayout(10, 10).cell).toBe(4);
  });
});
