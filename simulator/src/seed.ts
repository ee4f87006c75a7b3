import {
  PROVIDERS,
  deleteActivity,
  inTransaction,
  upsertActivity,
  type Logger,
  type Pool,
} from '@ops-cockpit/core';
import { SIM_PROVIDERS } from './providers/registry.js';
import { DEMO_SEED, planUserHistory, toActivityInput } from './history.js';
import { DEMO_USER_COUNT, demoRoster, type DemoUser } from './roster.js';

/**
 * Writes the demo population to Postgres: users, their linked provider accounts (with the tokens the simulator
 * accepts), and their activity history through core's upsertActivity, so global_stats and the heatmap rollup
 * stay exact. Idempotent: users and accounts are inserted ON CONFLICT DO NOTHING, and activities already stored
 * are left alone, so a second run changes nothing.
 */

export interface SeedOptions {
  /** The history ends here on a first run; later runs reuse the first run's instant (read back from users). */
  now?: Date;
  users?: number;
  days?: number;
  seed?: number;
  logger?: Logger;
}

export interface SeedResult {
  /** The instant the history ends at. */
  anchor: Date;
  usersCreated: number;
  accountsCreated: number;
  activitiesWritten: number;
  activitiesDeleted: number;
  /** Already stored by an earlier run. */
  activitiesSkipped: number;
}

// Demo users "joined" this long before the history ends, which also lets a rerun recover the first run's anchor.
const JOINED_BEFORE_ANCHOR_MS = 60 * 86_400_000;

async function readAnchor(pool: Pool, firstUser: DemoUser): Promise<Date | undefined> {
  const { rows } = await pool.query<{ created_at: Date }>('SELECT created_at FROM users WHERE id = $1', [
    firstUser.id,
  ]);
  return rows[0] && new Date(rows[0].created_at.getTime() + JOINED_BEFORE_ANCHOR_MS);
}

async function insertUsers(pool: Pool, roster: readonly DemoUser[], createdAt: Date): Promise<number> {
  const { rowCount } = await pool.query(
    `INSERT INTO users (id, name, email, phone, crew, timezone, created_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
     ON CONFLICT (id) DO NOTHING`,
    [
      roster.map((u) => u.id),
      roster.map((u) => u.name),
      roster.map((u) => u.email),
      roster.map((u) => u.phone),
      roster.map((u) => u.crew),
      roster.map((u) => u.timezone),
      roster.map(() => createdAt),
    ],
  );
  return rowCount ?? 0;
}

async function insertAccounts(pool: Pool, roster: readonly DemoUser[]): Promise<number> {
  const rows = roster.flatMap((u) =>
    PROVIDERS.flatMap((provider) => {
      const a = SIM_PROVIDERS[provider].seedAccount(u);
      return a
        ? [[u.id, provider, a.externalUserId, a.accessToken, a.refreshToken, a.tokenExpiresAt, a.scopes]]
        : [];
    }),
  );
  const column = (i: number) => rows.map((r) => r[i]);
  const { rowCount } = await pool.query(
    `INSERT INTO provider_accounts
       (user_id, provider, external_user_id, access_token, refresh_token, token_expires_at, scopes)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[])
     ON CONFLICT DO NOTHING`,
    [0, 1, 2, 3, 4, 5, 6].map(column),
  );
  return rowCount ?? 0;
}

async function storedKeys(pool: Pool, roster: readonly DemoUser[]): Promise<Set<string>> {
  const { rows } = await pool.query<{ key: string }>(
    `SELECT provider || ':' || external_id AS key FROM activities WHERE user_id = ANY($1::uuid[])`,
    [roster.map((u) => u.id)],
  );
  return new Set(rows.map((r) => r.key));
}

export async function seedDemo(pool: Pool, opts: SeedOptions = {}): Promise<SeedResult> {
  const roster = demoRoster(opts.users ?? DEMO_USER_COUNT);
  const days = opts.days ?? 30;
  const seed = opts.seed ?? DEMO_SEED;
  const fresh = new Date(Math.floor((opts.now ?? new Date()).getTime() / 1000) * 1000);
  const anchor = (await readAnchor(pool, roster[0]!)) ?? fresh;
  const result: SeedResult = {
    anchor,
    usersCreated: await insertUsers(pool, roster, new Date(anchor.getTime() - JOINED_BEFORE_ANCHOR_MS)),
    accountsCreated: await insertAccounts(pool, roster),
    activitiesWritten: 0,
    activitiesDeleted: 0,
    activitiesSkipped: 0,
  };
  const stored = await storedKeys(pool, roster);
  for (const user of roster) {
    const todo = planUserHistory(user, { anchorMs: anchor.getTime(), days, seed }).filter((entry) => {
      const known = stored.has(`${entry.activity.provider}:${entry.activity.externalId}`);
      if (known) result.activitiesSkipped++;
      return !known;
    });
    if (todo.length === 0) continue;
    // One transaction per user: a crash mid-seed leaves whole users, and the rerun completes the rest.
    await inTransaction(pool, async (client) => {
      for (const entry of todo) {
        await upsertActivity(client, toActivityInput(entry));
        result.activitiesWritten++;
        if (entry.deletedAt) {
          await deleteActivity(client, entry.activity.provider, entry.activity.externalId, entry.deletedAt);
          result.activitiesDeleted++;
        }
      }
    });
  }
  opts.logger?.info(
    { ...result, anchor: anchor.toISOString(), users: roster.length, days },
    'demo data seeded',
  );
  return result;
}

/** Whether the database has no users yet: the demo start seeds only then. */
export async function isEmpty(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM users) AS any');
  return !rows[0]?.any;
}
