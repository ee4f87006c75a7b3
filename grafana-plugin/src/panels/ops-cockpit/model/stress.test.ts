import { instantFrame, stressSeries } from '../testing/frames';
import { formatPenalty, toStressModel } from './stress';

describe('toStressModel', () => {
  test('the score and every known factor in order, missing ones without a value', () => {
    expect(toStressModel(stressSeries(70, { provider_latency: 20, open_incidents: 10 }), 50)).toEqual({
      score: 70,
      threshold: 50,
      stressed: false,
      factors: [
        { factor: 'open_incidents', label: 'Open incidents', penalty: 10 },
        { factor: 'provider_latency', label: 'Provider latency', penalty: 20 },
        { factor: 'provider_down', label: 'Provider down', penalty: undefined },
      ],
    });
  });

  test('a factor a newer exporter adds is listed after the known ones', () => {
    const model = toStressModel(stressSeries(95, { provider_timeouts: 5 }), 50)!;
    expect(model.factors[3]).toEqual({ factor: 'provider_timeouts', label: 'Provider timeouts', penalty: 5 });
  });

  test.each([
    [49, 50, true],
    [50, 50, false],
    [79.5, 80, true],
    [0, 0, false],
  ])('score %p with threshold %p: stressed %p', (score, threshold, stressed) => {
    expect(toStressModel(stressSeries(score, {}), threshold)!.stressed).toBe(stressed);
  });

  test.each([undefined, NaN])('threshold %p falls back to 50', (threshold) => {
    expect(toStressModel(stressSeries(49, {}), threshold)).toMatchObject({ threshold: 50, stressed: true });
  });

  test('an aggregated score query is named by refId score; a penalty is never taken for the score', () => {
    const frames = [
      instantFrame('ops_calm_penalty', 50, { factor: 'provider_down' }, { refId: 'score' }),
      instantFrame('', 40, {}, { refId: 'score', aggregated: true }),
    ];
    expect(toStressModel(frames, 50)).toMatchObject({ score: 40, stressed: true });
  });

  test('undefined without a calm score', () => {
    expect(toStressModel([], 50)).toBeUndefined();
    expect(
      toStressModel([instantFrame('ops_calm_penalty', 10, { factor: 'open_incidents' })], 50),
    ).toBeUndefined();
  });
});

describe('formatPenalty', () => {
  test.each([
    [undefined, '–'],
    [0, '0'],
    [30, '−30'],
    [12.345, '−12.3'],
  ])('%p → %p', (penalty, text) => expect(formatPenalty(penalty)).toBe(text));
});
