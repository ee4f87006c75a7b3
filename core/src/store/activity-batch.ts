import type { PoolClient } from '../platform/pool.js';
import type { Provider } from '../contracts/providers.js';
import {
  ActivityDeltas,
  STORED_ACTIVITY_COLUMNS,
  UPSERT_ACTIVITIES_SQL,
  activityLockKey,
  parseLocalTime,
  planUpsert,
  recordUpsert,
  upsertParams,
  writeActivity,
  writeDeletion,
  type ActivityInput,
  type PlannedUpsert,
  type StoredActivity,
  type WriteResult,
} from './activities.js';

/** A change to apply to the activities table, decided before any transaction opens. */
export type ActivityWrite =
  | { kind: 'upsert'; input: ActivityInput }
  | { kind: 'delete'; provider: Provider; externalId: string; at: Date; ownerUserId?: string };

/** Per entry of a batch: the result of each of its writes, or the error that kept all of them out. */
export type EntryResult = { results: WriteResult[] } | { error: Error };

export function writeKey(w: ActivityWrite): string {
  return w.kind === 'upsert'
    ? activityLockKey(w.input.provider, w.input.externalId)
    : activityLockKey(w.provider, w.externalId);
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Which entries can share one bulk upsert: entries made only of upserts, whose activities no other entry of the
 * batch deletes. An entry with a delete, and every entry touching an activity it touches (transitively), takes
 * the per-entry path instead, so the two paths never share an activity and each keeps its events in order.
 */
export function bulkEligible(entries: readonly (readonly ActivityWrite[])[]): boolean[] {
  const bulk = entries.map((writes) => writes.every((w) => w.kind === 'upsert'));
  const keysOf = entries.map((writes) => writes.map(writeKey));
  const slow = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    entries.forEach((_, i) => {
      if (bulk[i] && keysOf[i]!.some((k) => slow.has(k))) bulk[i] = false;
      if (!bulk[i]) {
        for (const k of keysOf[i]!) {
          if (!slow.has(k)) {
            slow.add(k);
            changed = true;
          }
        }
      }
    });
  }
  return bulk;
}

/** What the bulk statement must write, and what it does to the aggregates and to each entry. */
export interface BulkPlan {
  /** Per entry index: its results, or its error (an input no write could take). */
  results: Map<number, EntryResult>;
  /** The final state of each activity the bulk entries change, each activity once. */
  upserts: PlannedUpsert[];
  deltas: ActivityDeltas;
}

/**
 * Applies the upserts of `entries` (index → writes, in batch order) in memory to the stored rows, one after the
 * other exactly as writeActivity would one transaction at a time: each activity's events in order, stale ones
 * ignored, each entry all or nothing. Pure.
 */
export function planBulk(
  entries: ReadonlyMap<number, readonly ActivityWrite[]>,
  stored: ReadonlyMap<string, StoredActivity>,
): BulkPlan {
  const state = new Map<string, StoredActivity | undefined>(stored);
  const finals = new Map<string, PlannedUpsert>();
  const results = new Map<number, EntryResult>();
  const deltas = new ActivityDeltas();
  for (const [index, writes] of entries) {
    const mine = new ActivityDeltas();
    const tentative = new Map<string, StoredActivity>();
    const inputs = new Map<string, PlannedUpsert>();
    const out: WriteResult[] = [];
    try {
      for (const w of writes) {
        if (w.kind !== 'upsert') throw new Error('a delete cannot take the bulk path');
        const key = writeKey(w);
        const row = tentative.get(key) ?? state.get(key);
        const plan = planUpsert(row, w.input);
        out.push(recordUpsert(plan, mine));
        if (!('review' in plan)) continue; // stale or foreign: nothing written
        const local = parseLocalTime(w.input.startDateLocal);
        tentative.set(key, {
          id: row?.id ?? 0,
          user_id: w.input.userId,
          distance_m: w.input.distanceM.toFixed(3),
          local_date: local.date,
          local_hour: local.hour,
          source_updated_at: w.input.sourceUpdatedAt,
          deleted_at: null,
          moving_time_s: w.input.movingTimeS,
          review: plan.review,
        });
        inputs.set(key, { input: w.input, review: plan.review });
      }
    } catch (err) {
      results.set(index, { error: err as Error });
      continue;
    }
    for (const [key, row] of tentative) state.set(key, row);
    for (const [key, input] of inputs) finals.set(key, input);
    deltas.merge(mine);
    results.set(index, { results: out });
  }
  return { results, upserts: [...finals.values()], deltas };
}

/** Reads the stored state of `keys`' activities (provider:externalId), by the unique index. */
async function readStored(
  client: PoolClient,
  writes: readonly ActivityWrite[],
): Promise<Map<string, StoredActivity>> {
  const pairs = new Map<string, [string, string]>();
  for (const w of writes) {
    if (w.kind === 'upsert') pairs.set(writeKey(w), [w.input.provider, w.input.externalId]);
  }
  const list = [...pairs.values()];
  const { rows } = await client.query<StoredActivity & { provider: string; external_id: string }>(
    // eslint-disable-next-line ops/sql-parameterized -- a fixed column list, a constant of activities.ts
    `SELECT provider, external_id, ${STORED_ACTIVITY_COLUMNS} FROM activities
      WHERE (provider, external_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [list.map((p) => p[0]), list.map((p) => p[1])],
  );
  return new Map(rows.map((r) => [activityLockKey(r.provider as Provider, r.external_id), r]));
}

/**
 * Applies a batch of entries (each a list of activity writes) in the caller's transaction, with the aggregates
 * (challenge total, rollup, users) written once at the end: one hold of the hot global_stats row per batch.
 *
 * Every activity of the batch is locked first, in key order, in one statement, so concurrent batches cannot
 * deadlock, and the entries are then applied in their stream order: the result is what one transaction per
 * entry, in that order, would leave. Entries made only of upserts then go through ONE bulk upsert, planned in memory from one read of the
 * stored rows: a few round trips per batch instead of five per event. If that statement fails (a constraint the
 * plan cannot see), it is rolled back and those entries take the per-entry path: each behind its own savepoint,
 * so a failing entry fails alone. Entries with deletes always take it. Results come back in `entries` order.
 */
export async function applyActivityBatch(
  client: PoolClient,
  entries: readonly (readonly ActivityWrite[])[],
): Promise<EntryResult[]> {
  const results: EntryResult[] = entries.map(() => ({ results: [] }));
  // Entries in stream order, as one transaction each would apply them; the locks are all held already.
  const ordered = entries.map((writes, i) => ({ i, writes })).filter((e) => e.writes.length > 0);
  if (!ordered.length) return results;
  const keys = [...new Set(ordered.flatMap((e) => e.writes.map(writeKey)))].sort(byKey);
  // unnest yields the array's order, so the locks are taken in key order: no deadlock between batches.
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k', [
    keys,
  ]);

  const total = new ActivityDeltas();
  const eligible = bulkEligible(ordered.map((e) => e.writes));
  let perEntry = ordered.filter((_, n) => !eligible[n]);
  const bulk = ordered.filter((_, n) => eligible[n]);
  if (bulk.length) {
    const stored = await readStored(
      client,
      bulk.flatMap((e) => e.writes),
    );
    const plan = planBulk(new Map(bulk.map((e) => [e.i, e.writes])), stored);
    let written = true;
    if (plan.upserts.length) {
      await client.query('SAVEPOINT bulk');
      try {
        // eslint-disable-next-line ops/sql-parameterized -- fixed text, a constant of activities.ts
        await client.query(UPSERT_ACTIVITIES_SQL, upsertParams(plan.upserts));
        await client.query('RELEASE SAVEPOINT bulk');
      } catch {
        await client.query('ROLLBACK TO SAVEPOINT bulk');
        written = false;
      }
    }
    if (written) {
      total.merge(plan.deltas);
      for (const [i, result] of plan.results) results[i] = result;
    } else {
      perEntry = [...perEntry, ...bulk].sort((a, b) => a.i - b.i);
    }
  }

  for (const { i, writes } of perEntry) {
    const deltas = new ActivityDeltas();
    await client.query('SAVEPOINT entry');
    try {
      const out: WriteResult[] = [];
      for (const w of writes) {
        out.push(
          w.kind === 'upsert'
            ? await writeActivity(client, w.input, deltas)
            : await writeDeletion(client, w, deltas),
        );
      }
      await client.query('RELEASE SAVEPOINT entry');
      total.merge(deltas);
      results[i] = { results: out };
    } catch (err) {
      await client.query('ROLLBACK TO SAVEPOINT entry');
      results[i] = { error: err as Error };
    }
  }
  await total.apply(client);
  return results;
}
