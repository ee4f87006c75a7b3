// Exactly-once checks after the load has drained: what was acknowledged is on the stream once, and what the
// worker applied moved Postgres by exactly the acknowledged events.
import { setTimeout as sleep } from 'node:timers/promises';
import { INGEST_FIELD } from '@ops-cockpit/core';
import { scrape, sumOf } from './prom-text.mjs';

/** Every envelope on the stream, oldest first (XRANGE in pages; acknowledged entries stay until trimmed). */
export async function readStream(redis, stream) {
  const envelopes = [];
  let start = '-';
  for (;;) {
    const page = await redis.xrange(stream, start, '+', 'COUNT', 10_000);
    for (const [, fields] of page) {
      const at = fields.indexOf(INGEST_FIELD);
      envelopes.push(at >= 0 ? JSON.parse(fields[at + 1]) : undefined);
    }
    if (page.length < 10_000) return envelopes;
    start = `(${page.at(-1)[0]}`;
  }
}

/**
 * Compares the ids a client saw acknowledged with the ids on the stream: none missing, none twice. Ids on the
 * stream but not acknowledged are requests in flight when the client stopped (appended, answer unread).
 */
export function compareAcked(acked, streamIds) {
  const seen = new Map();
  for (const id of streamIds) seen.set(id, (seen.get(id) ?? 0) + 1);
  let missing = 0;
  for (const id of acked) if (!seen.has(id)) missing += 1;
  let duplicated = 0;
  let unacknowledged = 0;
  for (const [id, n] of seen) {
    if (n > 1) duplicated += 1;
    if (!acked.has(id)) unacknowledged += 1;
  }
  return {
    acked: acked.size,
    onStream: streamIds.length,
    distinct: seen.size,
    missing,
    duplicated,
    unacknowledged,
  };
}

/**
 * Waits until the worker reports nothing pending (ops_ingest_pending 0 on two scrapes in a row), up to
 * `timeoutMs`. Returns how long it took and how many entries the worker finished meanwhile.
 */
export async function waitDrained(workerMetricsUrl, timeoutMs) {
  const started = Date.now();
  const handled = (samples) =>
    sumOf(samples, 'ops_ingest_jobs_total') - sumOf(samples, 'ops_ingest_jobs_total', { outcome: 'retried' });
  const first = await scrape(workerMetricsUrl);
  let zeros = 0;
  let pending = sumOf(first, 'ops_ingest_pending');
  while (Date.now() - started < timeoutMs) {
    const samples = await scrape(workerMetricsUrl);
    pending = sumOf(samples, 'ops_ingest_pending');
    zeros = pending === 0 ? zeros + 1 : 0;
    if (zeros >= 2) {
      return {
        drained: true,
        seconds: (Date.now() - started) / 1000,
        handled: handled(samples) - handled(first),
      };
    }
    await sleep(250);
  }
  return { drained: false, seconds: (Date.now() - started) / 1000, pending };
}

/** global_stats and the count of live activities, exact (numeric as text, metres to the millimetre). */
export async function totals(pool) {
  const { rows } = await pool.query(
    `SELECT (total_meters * 1000)::bigint::text AS total_mm, activity_count::text AS activity_count
       FROM global_stats WHERE id = 1`,
  );
  return { totalMm: BigInt(rows[0].total_mm), activityCount: BigInt(rows[0].activity_count) };
}

/**
 * The Garmin summaries a run sent, as Postgres has them: how many rows and how many millimetres. With the
 * totals' change over the run this tells whether each event was applied exactly once (a double apply moves the
 * total twice; a lost one leaves its row missing).
 */
export async function storedGarmin(pool, summaryIds) {
  const { rows } = await pool.query(
    `SELECT external_id, (distance_m * 1000)::bigint::text AS mm FROM activities
      WHERE provider = 'garmin' AND external_id = ANY($1::text[]) AND deleted_at IS NULL`,
    [summaryIds],
  );
  return new Map(rows.map((r) => [r.external_id, BigInt(r.mm)]));
}
