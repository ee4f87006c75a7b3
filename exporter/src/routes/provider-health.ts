import { Router, type Request } from 'express';
import type { ProviderHealth } from '../read-models/provider-health.js';
import { HttpProblem } from '../http/problem.js';

/** Reads provider health over the last `windowSeconds` (OpsData.providerHealth). */
export interface ProviderHealthSource {
  providerHealth(windowSeconds: number): Promise<ProviderHealth[]>;
}

export const DEFAULT_WINDOW = '1h';
const MIN_WINDOW_SECONDS = 60;
const MAX_WINDOW_SECONDS = 24 * 3600;

/** `<n>m` or `<n>h` between 1m and 24h, as seconds; undefined for anything else. */
export function windowSeconds(text: string): number | undefined {
  const m = /^([1-9]\d{0,4})([mh])$/.exec(text);
  if (!m) return undefined;
  const seconds = Number(m[1]) * (m[2] === 'h' ? 3600 : 60);
  return seconds >= MIN_WINDOW_SECONDS && seconds <= MAX_WINDOW_SECONDS ? seconds : undefined;
}

function windowQuery(req: Request): { window: string; seconds: number } {
  const raw = req.query.window ?? DEFAULT_WINDOW;
  const seconds = typeof raw === 'string' ? windowSeconds(raw) : undefined;
  if (seconds === undefined) {
    const message = `expected <n>m or <n>h from 1m to 24h, got ${JSON.stringify(raw)}`;
    throw new HttpProblem('bad-request', `window must be <n>m or <n>h from 1m to 24h`, {
      errors: [{ field: 'window', message }],
    });
  }
  return { window: raw as string, seconds };
}

/**
 * Feature 1, the provider grid: success rate and latency per provider over a window, from the probe log. All
 * three providers are always listed; one that is not probed has `samples: 0` and null rates.
 */
export function providerHealthRoutes(source: ProviderHealthSource): Router {
  const router = Router();
  router.get('/api/ops/provider-health', async (req, res) => {
    const { window, seconds } = windowQuery(req);
    res.json({ window, providers: await source.providerHealth(seconds) });
  });
  return router;
}
