import type { Logger, Pool } from '@ops-cockpit/core';

/** How often the linked-account set is re-read: a newly linked user's first pushes wait at most this long. */
export const GARMIN_ACCOUNTS_REFRESH_MS = 30_000;

/**
 * An entry of an unknown user triggers a re-read, but no more often than this: a newly linked account is
 * accepted at once, while junk user ids cost at most one query per interval.
 */
export const GARMIN_ACCOUNTS_MISS_REFRESH_MS = 2_000;

export interface GarminAccounts {
  /** Whether `userId` is a linked, authorised Garmin account, from memory (no query per request). */
  has(userId: string): boolean;
  /** False until the first successful load: until then Garmin deliveries are deferred (503), not refused. */
  readonly loaded: boolean;
  /** Re-reads the set now; resolves false (and keeps the previous set) when Postgres fails. Never rejects. */
  refresh(): Promise<boolean>;
  /**
   * After a miss: waits for a re-read already under way, or starts one unless the last was less than
   * GARMIN_ACCOUNTS_MISS_REFRESH_MS ago; then the caller looks again. Never rejects.
   */
  refreshAfterMiss(): Promise<void>;
  /** Stops the periodic refresh; safe to call twice. */
  close(): void;
}

/**
 * Garmin does not sign its calls, so the webhook accepts only entries for users linked here. The set lives in
 * memory and is refreshed every `refreshMs`; the caller awaits the first `refresh()`.
 */
export function createGarminAccounts(opts: {
  pool: Pool;
  logger: Logger;
  refreshMs: number;
}): GarminAccounts {
  let users = new Set<string>();
  let loaded = false;
  let running: Promise<boolean> | undefined;
  let lastMissRefresh = 0;

  const load = async (): Promise<boolean> => {
    try {
      const { rows } = await opts.pool.query<{ external_user_id: string }>(
        `SELECT external_user_id FROM provider_accounts WHERE provider = 'garmin' AND deauthorized_at IS NULL`,
      );
      users = new Set(rows.map((r) => r.external_user_id));
      loaded = true;
      return true;
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message, kept: users.size }, 'garmin account refresh failed');
      return false;
    }
  };

  const refresh = () => {
    running ??= load().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => void refresh(), opts.refreshMs);
  timer.unref();

  return {
    has: (userId) => users.has(userId),
    get loaded() {
      return loaded;
    },
    refresh,
    refreshAfterMiss: async () => {
      if (running) {
        await running;
        return;
      }
      const now = Date.now();
      if (now - lastMissRefresh < GARMIN_ACCOUNTS_MISS_REFRESH_MS) return;
      lastMissRefresh = now;
      await refresh();
    },
    close: () => clearInterval(timer),
  };
}
