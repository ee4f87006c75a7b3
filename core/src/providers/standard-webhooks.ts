import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (standardwebhooks.com) signatures, as the iOS client signs Apple Health deliveries:
 * `webhook-signature` holds space-separated `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` entries
 * (several while a secret rotates). Pure, so the exporter verifies and the simulator and tests sign alike.
 */

export const SIGNATURE_VERSION = 'v1';

/** How far `webhook-timestamp` may be from now, either way, before a delivery counts as replayed. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/** The HMAC key: `whsec_<base64>` is decoded (the spec's form), any other secret is used as its UTF-8 bytes. */
export function signingKey(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret);
}

function hmac(key: Buffer, id: string, timestamp: string, body: Buffer | string): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The `webhook-signature` value for one delivery. */
export function signWebhook(secret: string, id: string, timestamp: number, body: Buffer | string): string {
  return `${SIGNATURE_VERSION},${hmac(signingKey(secret), id, String(timestamp), body).toString('base64')}`;
}

export type SignatureFailure = 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature';

/**
 * Checks the three headers against the raw body, before anyone parses it. Returns null when valid, else why
 * not. The comparison is constant-time; unknown versions in the list are skipped, as the spec says.
 */
export function verifyWebhook(opts: {
  secret: string;
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  body: Buffer;
  nowSeconds: number;
}): SignatureFailure | null {
  const { id, timestamp, signature } = opts;
  if (!id || !timestamp || !signature) return 'missing_headers';
  if (!/^\d{1,12}$/.test(timestamp)) return 'bad_timestamp';
  if (Math.abs(opts.nowSeconds - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) return 'stale_timestamp';
  const expected = hmac(signingKey(opts.secret), id, timestamp, opts.body);
  for (const entry of signature.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== SIGNATURE_VERSION) continue;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return null;
  }
  return 'bad_signature';
}
