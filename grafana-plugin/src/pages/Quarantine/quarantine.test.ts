import { decisionText, formatDistance, formatMovingTime, formatSpeed } from './quarantine';

describe('how a held activity reads', () => {
  it('distances in metres below a kilometre, else kilometres with one decimal', () => {
    expect(formatDistance(842.4)).toBe('842 m');
    expect(formatDistance(1_609_344)).toBe('1,609.3 km');
    expect(formatDistance(5000)).toBe('5 km');
  });

  it('moving times and average speeds, a dash without a moving time', () => {
    expect(formatMovingTime(7500)).toBe('2h 05m');
    expect(formatMovingTime(870)).toBe('14m 30s');
    expect(formatMovingTime(null)).toBe('—');
    expect(formatSpeed({ distanceM: 5000, movingTimeS: 60 })).toBe('300.0 km/h');
    expect(formatSpeed({ distanceM: 5000, movingTimeS: null })).toBe('—');
    expect(formatSpeed({ distanceM: 5000, movingTimeS: 0 })).toBe('—');
  });

  it('says what a decision did', () => {
    expect(decisionText({ id: 12, userName: 'Ada' }, 'approved', 1_609_344)).toBe(
      'Approved #12 (Ada): +1,609.3 km counted',
    );
    expect(decisionText({ id: 13, userName: 'Bo' }, 'rejected', 0)).toBe(
      'Rejected #13 (Bo): left out of every total',
    );
  });
});
