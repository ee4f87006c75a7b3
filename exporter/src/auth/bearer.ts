import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a token: every digest has the same length, so timingSafeEqual compares any two, hiding lengths. */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The credentials of an `Authorization: Bearer <token>` header; undefined when absent or of another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

/**
 * Index of the digest the presented token matches, or -1. Every digest is compared, whatever matched first, so
 * the answer time tells neither which token matched nor how many are configured.
 */
export function matchToken(presented: string, digests: readonly Buffer[]): number {
  const digest = tokenDigest(presented);
  let found = -1;
  digests.forEach((expected, i) => {
    if (timingSafeEqual(digest, expected) && found === -1) found = i;
  });
  return found;
}
