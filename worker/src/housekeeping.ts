import { inTransaction, type Pool } from '@ops-cockpit/core';

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

/**
 * Recomputes the challenge total from live activities and corrects the stored one. Returns the drift that was
 * found (stored − actual, in miles); 0 is the expected answer, since every write moves the total exactly.
 */
export async function recomputeChallenge(pool: Pool): Promise<number> {
  return inTransaction(pool, async (client) => {
    // Lock the row first so no activity write commits between the sum and the correction.
    await client.query('SELECT 1 FROM global_stats WHERE id = 1 FOR UPDATE');
    const { rows } = await client.query<{ drift: string }>(
      `WITH actual AS (
         SELECT coalesce(sum(distance_m), 0) AS meters, count(*) AS n FROM activities WHERE deleted_at IS NULL
       ), old AS (SELECT total_meters FROM global_stats WHERE id = 1)
       UPDATE global_stats g SET total_meters = actual.meters, activity_count = actual.n, updated_at = now()
         FROM actual, old WHERE g.id = 1
       RETURNING ((old.total_meters - actual.meters) / 1609.344)::text AS drift`,
    );
    return Number(rows[0]?.drift ?? 0);
  });
}
