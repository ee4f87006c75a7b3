import { polarRateLimitOf } from './polar-rate-limit.js';

describe('Polar rate-limit headers', () => {
  it('reads usage, limit and reset of both windows', () => {
    const headers = new Headers({
      'RateLimit-Usage': '12, 340',
      'RateLimit-Limit': '500,5000',
      'RateLimit-Reset': '300,35400',
    });
    expect(polarRateLimitOf(headers)).toEqual({
      usage: { short: 12, long: 340 },
      limit: { short: 500, long: 5000 },
      resetSeconds: { short: 300, long: 35400 },
    });
  });

  it('adds Retry-After of a 429', () => {
    const headers = new Headers({ 'RateLimit-Usage': '501,600', 'Retry-After': '120' });
    expect(polarRateLimitOf(headers)).toEqual({
      usage: { short: 501, long: 600 },
      limit: {},
      resetSeconds: {},
      retryAfterSeconds: 120,
    });
  });

  it('is undefined without the headers, and leaves out figures it cannot read', () => {
    expect(polarRateLimitOf(new Headers({ 'Retry-After': '5' }))).toBeUndefined();
    expect(polarRateLimitOf(new Headers({ 'RateLimit-Usage': 'lots,-1', 'RateLimit-Limit': '500' }))).toEqual(
      {
        usage: {},
        limit: { short: 500 },
        resetSeconds: {},
      },
    );
  });
});
