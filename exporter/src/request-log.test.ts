import { redactQueryString, redactRequest, REDACTED } from './request-log.js';

describe('request log redaction', () => {
  it('keeps the read endpoints’ own query parameters and hides every other value', () => {
    expect(redactQueryString('/api/ops/throughput?minutes=5')).toBe('/api/ops/throughput?minutes=5');
    expect(redactQueryString('/x?access_token=abc&limit=3&Token=z')).toBe(
      '/x?access_token=%5Bredacted%5D&limit=3&Token=%5Bredacted%5D',
    );
    expect(redactQueryString('/api/ops/challenge')).toBe('/api/ops/challenge');
  });

  it('shows allowed headers, names the others without their values', () => {
    const out = redactRequest({
      method: 'POST',
      url: '/api/ops/nudge?sig=1',
      query: { sig: '1', days: '3' },
      headers: { 'user-agent': 'curl/8', authorization: 'Bearer t', 'x-new-signature': 's', Host: 'h' },
    });
    expect(out).toEqual({
      method: 'POST',
      url: `/api/ops/nudge?sig=${encodeURIComponent(REDACTED)}`,
      query: { sig: REDACTED, days: '3' },
      headers: { 'user-agent': 'curl/8', authorization: REDACTED, 'x-new-signature': REDACTED, Host: 'h' },
    });
  });
});
