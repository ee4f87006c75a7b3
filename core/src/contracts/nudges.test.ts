import { cooldownRemainingSeconds, nudgeJobOptions } from './nudges.js';

const now = new Date('2026-11-26T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

describe('cooldownRemainingSeconds', () => {
  it('allows a user never nudged', () => {
    expect(cooldownRemainingSeconds([], now, 24)).toBe(0);
    expect(cooldownRemainingSeconds([null, null], now, 24)).toBe(0);
  });

  it('refuses within the window, counting from the latest nudge, rounded up', () => {
    expect(cooldownRemainingSeconds([hoursAgo(30), hoursAgo(23)], now, 24)).toBe(3_600);
    expect(cooldownRemainingSeconds([new Date(now.getTime() - 86_399_500)], now, 24)).toBe(1);
  });

  it('allows once the window has passed, and always with a 0-hour cooldown', () => {
    expect(cooldownRemainingSeconds([hoursAgo(24)], now, 24)).toBe(0);
    expect(cooldownRemainingSeconds([now], now, 0)).toBe(0);
  });
});

describe('nudgeJobOptions', () => {
  it('uses the nudge id as job id and retries 5 times with exponential backoff', () => {
    expect(nudgeJobOptions('n-1', 100)).toMatchObject({
      jobId: 'n-1',
      attempts: 5,
      backoff: { type: 'exponential', delay: 100 },
    });
  });
});
