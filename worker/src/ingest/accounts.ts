import type { Pool, Provider } from '@ops-cockpit/core';

export interface LinkedAccount {
  id: number;
  userId: string;
  accessToken: string | null;
  refreshToken: string | null;
  tokenExpiresAt: Date | null;
}

/** The live (not deauthorized) account linking a provider's user id to one of ours. */
export async function findAccount(
  pool: Pool,
  provider: Provider,
  externalUserId: string,
): Promise<LinkedAccount | undefined> {
  const { rows } = await pool.query<LinkedAccount>(
    `SELECT id, user_id AS "userId", access_token AS "accessToken", refresh_token AS "refreshToken",
            token_expires_at AS "tokenExpiresAt"
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
