import { heatmapSeries, instantFrame, progressSeries, stressSeries } from '../testing/frames';
import { sampleWeek } from '../testing/week';
import { noDataMessage, toViewModel, viewOf } from './view';

describe('viewOf', () => {
  test('the option, or the heatmap for a missing or unknown value', () => {
    expect(viewOf({ view: 'stress' })).toBe('stress');
    expect(viewOf({ view: 'progress' })).toBe('progress');
    expect(viewOf({})).toBe('heatmap');
    expect(viewOf({ view: 'pulse' })).toBe('pulse');
    expect(viewOf({ view: 'signal' })).toBe('signal');
    expect(viewOf({ view: 'gauge' as never })).toBe('heatmap');
    expect(viewOf({ view: 'toString' as never })).toBe('heatmap');
  });
});

describe('toViewModel', () => {
  test('each view reads its own series', () => {
    expect(toViewModel({ view: 'heatmap' }, heatmapSeries(sampleWeek()))?.view).toBe('heatmap');
    expect(toViewModel({ view: 'progress', goalMiles: 100 }, progressSeries(50))).toMatchObject({
      view: 'progress',
      model: { ratio: 0.5 },
    });
    expect(toViewModel({ view: 'stress', stressThreshold: 60 }, stressSeries(55, {}))).toMatchObject({
      view: 'stress',
      model: { stressed: true },
    });
  });

  test('undefined when the frames lack what the view needs', () => {
    expect(toViewModel({ view: 'stress' }, progressSeries(50))).toBeUndefined();
    expect(toViewModel({ view: 'progress' }, stressSeries(50, {}))).toBeUndefined();
    expect(toViewModel({ view: 'heatmap' }, [instantFrame('ops_calm_score', 1)])).toBeUndefined();
  });
});

describe('noDataMessage', () => {
  test('"No data" for an empty result, otherwise what the view needs', () => {
    expect(noDataMessage({ view: 'stress' }, [])).toBe('No data');
    expect(noDataMessage({ view: 'stress' }, progressSeries(1))).toContain('ops_calm_score');
    expect(noDataMessage({ view: 'progress' }, stressSeries(1, {}))).toContain(
      'ops_challenge_distance_meters',
    );
    expect(noDataMessage({}, stressSeries(1, {}))).toContain('weekday and hour');
  });
});
