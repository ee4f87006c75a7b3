import type { NamedTokens } from '../auth/operators.js';
import type { RateLimitSettings } from './rate-limit.js';

/** The app's security settings (operators come with the incident deps, where they were first needed). */
export interface SecurityDeps {
  /** OPS_READ_OPEN: reads of /api/ops/* need no token. */
  readOpen: boolean;
  /** OPS_VIEWER_TOKENS: who may read when reads are not open. */
  viewers: NamedTokens;
  /** CORS_ORIGINS: browser origins allowed cross-origin; empty sends no CORS header. */
  corsOrigins: readonly string[];
  rateLimits: RateLimitSettings;
}
