import type { Pool, Provider } from '@ops-cockpit/core';

export interface LinkedAccount {
  id: number;
  userId: string;
  accessToken: string | null;
  refreshToken: string | null;
  tokenExpiresAt: Date | null;
}

const ACCOUNT_COLUMNS = `id, user_id AS "userId", access_token AS "accessToken", refresh_token AS "refreshToken",
            token_expires_at AS "tokenExpiresAt"`;

/** The account and user lookups of the prepare step. */
export interface AccountLookups {
  account(provider: Provider, externalUserId: string): Promise<LinkedAccount | undefined>;
  userExists(userId: string): Promise<boolean>;
}

/** One query per lookup (single entries, tools). */
export function queryLookups(pool: Pool): AccountLookups {
  return {
    account: (provider, externalUserId) => findAccount(pool, provider, externalUserId),
    userExists: (userId) => userExists(pool, userId),
  };
}

/**
 * The lookups of a whole batch read up front, one query for the accounts and one for the users, then answered
 * from memory: a thousand entries of one batch cost two round trips, not a thousand. Fresh for each batch, so a
 * deauthorization is seen by the next batch.
 */
export async function preloadLookups(
  pool: Pool,
  wanted: { accounts: readonly (readonly [Provider, string])[]; users: readonly string[] },
): Promise<AccountLookups> {
  const accounts = new Map<string, LinkedAccount>();
  const users = new Set<string>();
  const keyOf = (provider: string, id: string) => `${provider}:${id}`;
  if (wanted.accounts.length) {
    const { rows } = await pool.query<LinkedAccount & { provider: string; external_user_id: string }>(
      `SELECT provider, external_user_id, ${ACCOUNT_COLUMNS}
         FROM provider_accounts
        WHERE (provider, external_user_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
          AND deauthorized_at IS NULL`,
      [wanted.accounts.map((a) => a[0]), wanted.accounts.map((a) => a[1])],
    );
    for (const { provider, external_user_id, ...account } of rows) {
      accounts.set(keyOf(provider, external_user_id), account);
    }
  }
  if (wanted.users.length) {
    const { rows } = await pool.query<{ id: string }>('SELECT id FROM users WHERE id = ANY($1::uuid[])', [
      [...new Set(wanted.users)],
    ]);
    for (const r of rows) users.add(r.id);
  }
  return {
    account: async (provider, externalUserId) => accounts.get(keyOf(provider, externalUserId)),
    userExists: async (userId) => users.has(userId),
  };
}

/** The live (not deauthorized) account linking a provider's user id to one of ours. */
export async function findAccount(
  pool: Pool,
  provider: Provider,
  externalUserId: string,
): Promise<LinkedAccount | undefined> {
  const { rows } = await pool.query<LinkedAccount>(
    `SELECT ${ACCOUNT_COLUMNS}
       FROM provider_accounts
      WHERE provider = $1 AND external_user_id = $2 AND deauthorized_at IS NULL`,
    [provider, externalUserId],
  );
  return rows[0];
}

export async function saveTokens(
  pool: Pool,
  accountId: number,
  tokens: { accessToken: string; refreshToken: string; expiresAt: Date },
): Promise<void> {
  await pool.query(
    `UPDATE provider_accounts SET access_token = $2, refresh_token = $3, token_expires_at = $4, updated_at = now()
      WHERE id = $1`,
    [accountId, tokens.accessToken, tokens.refreshToken, tokens.expiresAt],
  );
}

/** An athlete revoked access: keep the row (history) but stop using it. */
export async function deauthorize(pool: Pool, provider: Provider, externalUserId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE provider_accounts SET deauthorized_at = now(), access_token = NULL, refresh_token = NULL, updated_at = now()
      WHERE provider = $1 AND external_user_id = $2 AND deauthorized_at IS NULL`,
    [provider, externalUserId],
  );
  return (rowCount ?? 0) > 0;
}

export async function userExists(pool: Pool, userId: string): Promise<boolean> {
  const { rowCount } = await pool.query('SELECT 1 FROM users WHERE id = $1', [userId]);
  return (rowCount ?? 0) > 0;
}
