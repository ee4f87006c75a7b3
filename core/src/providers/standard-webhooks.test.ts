import { signWebhook, signingKey, verifyWebhook } from './standard-webhooks.js';

const body = Buffer.from('{"workouts":[]}');
const now = 1_790_000_000;

function verify(overrides: Partial<Parameters<typeof verifyWebhook>[0]> = {}) {
  return verifyWebhook({
    secret: 'raw-secret-0123456789',
    id: 'msg_1',
    timestamp: String(now),
    signature: signWebhook('raw-secret-0123456789', 'msg_1', now, body),
    body,
    nowSeconds: now,
    ...overrides,
  });
}

describe('Standard Webhooks signatures', () => {
  it('matches the specification example (whsec_ key, v1 signature)', () => {
    // From the Standard Webhooks spec's reference test vectors.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const payload = '{"test": 2432232314}';
    expect(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, payload)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('uses a raw secret as its UTF-8 bytes', () => {
    expect(signingKey('plain')).toEqual(Buffer.from('plain'));
    expect(signingKey('whsec_AAEC')).toEqual(Buffer.from([0, 1, 2]));
  });

  it('accepts a valid signature, also among others in the list', () => {
    expect(verify()).toBeNull();
    expect(
      verify({
        signature: `v2,abc v1,${Buffer.alloc(32).toString('base64')} ${signWebhook('raw-secret-0123456789', 'msg_1', now, body)}`,
      }),
    ).toBeNull();
  });

  it('names why a delivery fails', () => {
    expect(verify({ signature: undefined })).toBe('missing_headers');
    expect(verify({ id: '' })).toBe('missing_headers');
    expect(verify({ timestamp: '1e9' })).toBe('bad_timestamp');
    expect(verify({ nowSeconds: now + 301 })).toBe('stale_timestamp');
    expect(verify({ nowSeconds: now - 301 })).toBe('stale_timestamp');
    expect(verify({ nowSeconds: now + 300 })).toBeNull();
    expect(verify({ body: Buffer.from('{"workouts":[1]}') })).toBe('bad_signature');
    expect(verify({ secret: 'another-secret-0123456' })).toBe('bad_signature');
    expect(verify({ signature: 'v1,short' })).toBe('bad_signature');
    expect(verify({ signature: 'garbage' })).toBe('bad_signature');
  });
});
