import type { Pool } from './pool.js';
import type { Redis } from './redis.js';

export type DependencyName = 'postgres' | 'redis';

export interface DependencyStatus {
  name: DependencyName;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

class TimeoutError extends Error {}

async function timed(name: DependencyName, timeoutMs: number, check: () => Promise<unknown>) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return {
      name,
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: (err as Error).message,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Pings Postgres and Redis in parallel, each bounded by `timeoutMs`; never throws. */
export async function checkDependencies(
  deps: { pool: Pool; redis: Redis },
  timeoutMs: number,
): Promise<DependencyStatus[]> {
  return Promise.all([
    timed('postgres', timeoutMs, () => deps.pool.query('SELECT 1')),
    timed('redis', timeoutMs, () => deps.redis.ping()),
  ]);
}
