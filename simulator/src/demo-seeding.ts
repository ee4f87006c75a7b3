import { Secret, createPool, ensureDatabase, migrate, redactUrl, type Logger } from '@ops-cockpit/core';
import { isEmpty, seedDemo, type SeedResult } from './seed.js';

/**
 * Demo start: seed the database only when it has no users at all, so a real database that merely points here
 * by mistake is never filled with demo data. An unreachable database is logged and skipped: the fake providers
 * are still useful without it.
 */
export async function seedEmptyDatabase(
  databaseUrl: string,
  logger: Logger,
): Promise<SeedResult | 'skipped' | 'unreachable'> {
  const url = new Secret(databaseUrl);
  try {
    await ensureDatabase(url);
  } catch (err) {
    logger.warn(
      { database: redactUrl(databaseUrl), err: (err as Error).message },
      'demo seed skipped: no database',
    );
    return 'unreachable';
  }
  const pool = createPool({ url, max: 2, logger, applicationName: 'ops-simulator-seed' });
  try {
    await migrate(pool, logger);
    if (!(await isEmpty(pool))) {
      logger.info('demo seed skipped: the database already has users');
      return 'skipped';
    }
    return await seedDemo(pool, { logger });
  } finally {
    await pool.end();
  }
}
