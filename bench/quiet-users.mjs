// `node bench/quiet-users.mjs` (after `tsc -b`): p99 of the quiet-list query behind GET /api/ops/quiet-users
// with 100k users, 1M activities and ~60k nudges (issue 7 target: 50 ms), plus the ops_quiet_users count run per scrape.
// Self-contained: its own Postgres database, removed at the end. Settings: BENCH_PG_URL (default TEST_PG_URL or
// postgres://postgres@127.0.0.1:5432/postgres), BENCH_USERS (100000), BENCH_ACTIVITIES (1000000),
// BENCH_QUERIES (1000).
import { randomBytes } from 'node:crypto';
import { Secret, createPool, dropDatabase, ensureDatabase, migrate } from '@ops-cockpit/core';
import { countQuietUsers, listQuietUsers } from '../exporter/dist/read-models/quiet-users.js';
import { silentLogger } from '@ops-cockpit/core/dist/testing/index.js';

const users = Number(process.env.BENCH_USERS ?? 100_000);
const activities = Number(process.env.BENCH_ACTIVITIES ?? 1_000_000);
const queries = Number(process.env.BENCH_QUERIES ?? 1_000);
const base = new URL(
  process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
);
base.pathname = `/ops_bench_quiet_${randomBytes(4).toString('hex')}`;
const url = new Secret(base.toString());

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

await ensureDatabase(url);
const pool = createPool({ url, max: 4, logger: silentLogger, applicationName: 'bench-quiet-users' });
try {
  await migrate(pool);
  let t = performance.now();
  // Seeding a million rows on a loaded machine can outlast the pool's 30 s statement timeout.
  const seeder = await pool.connect();
  await seeder.query('SET statement_timeout = 0');
  // Sign-ups spread over 120 days; activities over the last 60 days, some users never active.
  await seeder.query(
    `INSERT INTO users (name, crew, email, created_at)
     SELECT 'user ' || i, 'crew ' || (i % 50), 'u' || i || '@example.test', now() - random() * interval '120 days'
       FROM generate_series(1, $1) AS i`,
    [users],
  );
  await seeder.query(
    `INSERT INTO activities (user_id, provider, external_id, distance_m, start_date, start_date_local)
     SELECT u.ids[1 + floor(random() * (array_length(u.ids, 1) * 0.8))::int], 'strava', 'b' || i, 5000, d, d
       FROM (SELECT array_agg(id) AS ids FROM users) AS u,
            LATERAL (SELECT i, now() - random() * interval '60 days' AS d FROM generate_series(1, $1) AS i) AS a`,
    [activities],
  );
  // Nudge history for the cooldown column: a fifth of the users nudged up to three times over 30 days.
  await seeder.query(
    `INSERT INTO nudges (user_id, channel, status, created_at)
     SELECT id, 'email', (ARRAY['queued', 'sent', 'failed'])[1 + floor(random() * 3)::int],
            now() - random() * interval '30 days'
       FROM users, generate_series(1, 3) WHERE random() < 0.2`,
  );
  await seeder.query('ANALYZE nudges');
  // What the ingest transaction maintains.
  await seeder.query(
    `UPDATE users SET last_activity_at = a.latest
       FROM (SELECT user_id, max(start_date) AS latest FROM activities WHERE deleted_at IS NULL GROUP BY user_id) a
      WHERE users.id = a.user_id`,
  );
  await seeder.query('VACUUM ANALYZE users');
  await seeder.query('ANALYZE activities');
  seeder.release();
  console.log(
    `seeded ${users} users, ${activities} activities in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  // Cursors at every depth: walk the whole list once, keeping each page's keyset.
  const cursors = [undefined];
  for (let after; ;) {
    const page = await listQuietUsers(pool, { days: 10, limit: 50, cooldownHours: 24, after });
    if (!page.next) break;
    cursors.push(page.next);
    after = page.next;
  }
  const quiet = await countQuietUsers(pool, 10);
  const pageMs = [];
  for (let i = 0; i < queries; i++) {
    const after = cursors[Math.floor(Math.random() * cursors.length)];
    t = performance.now();
    await listQuietUsers(pool, { days: 10, limit: 50, cooldownHours: 24, after });
    pageMs.push(performance.now() - t);
  }
  const countMs = [];
  for (let i = 0; i < 50; i++) {
    t = performance.now();
    await countQuietUsers(pool, 10);
    countMs.push(performance.now() - t);
  }
  pageMs.sort((a, b) => a - b);
  countMs.sort((a, b) => a - b);
  const p99 = percentile(pageMs, 99);
  console.log(`quiet users (10 days): ${quiet}, ${cursors.length} pages of 50`);
  console.log(
    `page query: p50 ${percentile(pageMs, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms over ${queries} random pages ` +
      `(target p99 < 50 ms: ${p99 < 50 ? 'MET' : 'MISS'})`,
  );
  console.log(
    `ops_quiet_users count: p50 ${percentile(countMs, 50).toFixed(2)} ms, p99 ${percentile(countMs, 99).toFixed(2)} ms`,
  );
} finally {
  await pool.end();
  await dropDatabase(url);
}
