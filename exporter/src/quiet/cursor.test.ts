import { decodeCursor, encodeCursor } from './cursor.js';

const keyset = { since: '2026-11-16 08:00:00.123456+00', id: '0b6f3c2e-6f1a-4c1e-9a43-2f0e5c1d7a10' };

describe('quiet-list cursor', () => {
  it('round-trips the keyset through an opaque base64url string', () => {
    const cursor = encodeCursor(keyset);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(keyset);
  });

  it('refuses anything it did not make', () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    expect(decodeCursor('')).toBeUndefined();
    expect(decodeCursor('not base64!')).toBeUndefined();
    expect(decodeCursor(b64({ since: keyset.since, id: keyset.id }))).toBeUndefined();
    expect(decodeCursor(b64([keyset.since, 'nope']))).toBeUndefined();
    expect(decodeCursor(b64(['yesterday', keyset.id]))).toBeUndefined();
    expect(decodeCursor(b64([keyset.since, keyset.id, 1]))).toBeUndefined();
    expect(decodeCursor('x'.repeat(201))).toBeUndefined();
  });
});
