import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** Nothing this API serves is a document to render: no script, style, frame or form is ever allowed. */
export const API_CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/**
 * helmet's headers (nosniff, HSTS, Referrer-Policy no-referrer, COOP/CORP same-origin, …) with a CSP that
 * allows nothing and framing denied, plus `Cache-Control: no-store` (answers carry live operational data and
 * user names; routes that stream set their own). helmet, rather than a hand-kept list, tracks what browsers
 * need as that changes.
 */
export function securityHeaders(): RequestHandler[] {
  const noStore: RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  };
  return [
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: API_CONTENT_SECURITY_POLICY },
      xFrameOptions: { action: 'deny' },
    }),
    noStore,
  ];
}
