import type { Pool } from '@ops-cockpit/core';

/**
 * Deletes probe rows older than `olderThanDays` in batches of `batchSize`, so a large backlog never holds one
 * long lock on the table. Returns how many rows went.
 */
export async function pruneProbeLogs(pool: Pool, olderThanDays: number, batchSize = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `DELETE FROM provider_health_logs WHERE id IN (
         SELECT id FROM provider_health_logs
         WHERE "timestamp" < now() - make_interval(days => $1)
         LIMIT $2)`,
      [olderThanDays, batchSize],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return total;
  }
}
