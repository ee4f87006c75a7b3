import type { Logger, Pool, Provider } from '@ops-cockpit/core';
import { HttpProblem } from '../http/problem.js';
import type { Delivery } from './delivery.js';

/** How often the linked-account sets are re-read: a newly linked user's first pushes wait at most this long. */
export const LINKED_ACCOUNTS_REFRESH_MS = 30_000;

/**
 * An entry of an unknown user triggers a re-read, but no more often than this: a newly linked account is
 * accepted at once, while junk user ids cost at most one query per interval.
 */
export const LINKED_ACCOUNTS_MISS_REFRESH_MS = 2_000;

export interface LinkedAccounts {
  /** Whether `userId` is a linked, authorised account of `provider`, from memory (no query per request). */
  has(provider: Provider, userId: string): boolean;
  /** False until the first successful load: until then deliveries that need it are deferred (503), not refused. */
  readonly loaded: boolean;
  /** Re-reads the sets now; resolves false (and keeps the previous sets) when Postgres fails. Never rejects. */
  refresh(): Promise<boolean>;
  /**
   * After a miss: waits for a re-read already under way, or starts one unless the last was less than
   * LINKED_ACCOUNTS_MISS_REFRESH_MS ago; then the caller looks again. Never rejects.
   */
  refreshAfterMiss(): Promise<void>;
  /** Stops the periodic refresh; safe to call twice. */
  close(): void;
}

/**
 * Providers that do not sign their calls (Garmin) are trusted only for users linked here: the webhook accepts
 * their entries only for those users. The linked accounts of `providers` live in memory, one set each, all read
 * by one query every `refreshMs`; the caller awaits the first `refresh()`.
 */
export function createLinkedAccounts(opts: {
  pool: Pool;
  logger: Logger;
  providers: readonly Provider[];
  refreshMs: number;
}): LinkedAccounts {
  let users = new Map<Provider, Set<string>>();
  let loaded = false;
  let running: Promise<boolean> | undefined;
  let lastMissRefresh = 0;

  const load = async (): Promise<boolean> => {
    try {
      const { rows } = await opts.pool.query<{ provider: Provider; external_user_id: string }>(
        `SELECT provider, external_user_id FROM provider_accounts
          WHERE provider = ANY($1::text[]) AND deauthorized_at IS NULL`,
        [opts.providers],
      );
      const next = new Map(opts.providers.map((p) => [p, new Set<string>()]));
      for (const r of rows) next.get(r.provider)?.add(r.external_user_id);
      users = next;
      loaded = true;
      return true;
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message }, 'linked account refresh failed');
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
    has: (provider, userId) => users.get(provider)?.has(userId) ?? false,
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
      if (now - lastMissRefresh < LINKED_ACCOUNTS_MISS_REFRESH_MS) return;
      lastMissRefresh = now;
      await refresh();
    },
    close: () => clearInterval(timer),
  };
}

/**
 * A delivery of a provider that does not sign: built by `build` against the linked accounts. Before the first
 * load it is deferred (503, retried), since refusing would lose real data (Garmin does not retry a 403); an
 * entry of an account linked since the last load is not refused either: on a miss the sets are re-read (at most
 * once per LINKED_ACCOUNTS_MISS_REFRESH_MS) and the delivery built again. Synchronous unless it must re-read.
 */
export function deliverToLinked(
  accounts: LinkedAccounts,
  build: (body: unknown, accounts: LinkedAccounts, receivedAt: string) => Delivery,
  body: unknown,
  receivedAt: string,
): Delivery | Promise<Delivery> {
  if (!accounts.loaded) {
    throw new HttpProblem('dependency-unavailable', 'linked accounts are not loaded yet');
  }
  const delivery = build(body, accounts, receivedAt);
  if (!delivery.rejected?.count) return delivery;
  return accounts.refreshAfterMiss().then(() => build(body, accounts, receivedAt));
}
