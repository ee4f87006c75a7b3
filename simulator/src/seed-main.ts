import { Secret, createLogger, createPool, ensureDatabase, loadEnvOrExit, migrate } from '@ops-cockpit/core';
import { seedEnvSchema } from './env.js';
import { seedDemo } from './seed.js';

/** `npm run seed`: creates the database if needed, migrates it, and writes the demo data (idempotent). */
async function main(): Promise<void> {
  const env = loadEnvOrExit(seedEnvSchema);
  const logger = createLogger({ name: 'seed', level: env.LOG_LEVEL });
  const url = new Secret(env.DATABASE_URL as string);
  await ensureDatabase(url);
  const pool = createPool({ url, max: 2, logger, applicationName: 'ops-seed' });
  try {
    await migrate(pool, logger);
    await seedDemo(pool, { logger });
  } finally {
    await pool.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`seed failed: ${(err as Error).message}\n`);
  process.exit(1);
});
