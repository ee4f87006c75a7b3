import type { RequestHandler } from 'express';
import cors from 'cors';

/** Headers a browser client may send and read cross-origin. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key'];
const EXPOSED_HEADERS = ['Retry-After', 'RateLimit', 'RateLimit-Policy', 'WWW-Authenticate'];

/**
 * CORS for CORS_ORIGINS only: an exact-match allow-list; any other origin gets no CORS header, so browsers
 * refuse it the answer. No list, no middleware: no CORS header is ever sent. Credentials (cookies) are never
 * allowed: callers authenticate with bearer tokens, which a page must hold itself.
 */
export function corsFor(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  const allowed = new Set(origins);
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    maxAge: 600,
  });
}
