// A production-sized database in seconds: 1M activities written straight with generate_series (not through
// the worker), then the rollup, the challenge total and users' last activity rebuilt from them with the
// same definitions the worker maintains incrementally, so the read endpoints see consistent data.

/**
 * Inserts `count` live activities spread over the last 30 days among the existing users (each in the user's
 * time zone, so the heatmap has its weekday/hour rhythm), plus a week of provider probes every 60 s.
 * Returns the seconds each step took.
 */
export async function loadActivities(pool, count) {
  // The pool's 30 s statement timeout is for requests; a million-row insert on a busy machine takes longer.
  const client = await pool.connect();
  try {
    await client.query('SET statement_timeout = 0');
    return await load(client, count);
  } finally {
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
}

async function load(client, count) {
  const timings = {};
  const step = async (name, sql, params = []) => {
    const t = Date.now();
    // eslint-disable-next-line ops/sql-parameterized -- every caller below passes a literal statement
    await client.query(sql, params);
    timings[name] = (Date.now() - t) / 1000;
  };
  await step(
    'insert activities',
    `INSERT INTO activities (user_id, provider, external_id, type, distance_m, moving_time_s, start_date,
                             start_date_local, source_updated_at)
     SELECT u.ids[1 + g % u.n], (ARRAY['strava','garmin','apple_health'])[1 + g % 3], 'bulk-' || g,
            (ARRAY['Run','Ride','Walk','Hike'])[1 + (g / 7) % 4],
            (1000 + (g::bigint * 7919) % 25000)::numeric(12, 3) + 0.5, 300 + (g::bigint * 31) % 7200, t.ts,
            t.ts AT TIME ZONE u.tzs[1 + g % u.n], t.ts
       FROM generate_series(1, $1::int) AS g
      CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids, array_agg(timezone ORDER BY id) AS tzs,
                         count(*)::int AS n FROM users) AS u
      CROSS JOIN LATERAL (SELECT now() - ((g::bigint * 104729) % (30 * 86400)) * interval '1 second' AS ts) AS t`,
    [count],
  );
  await step(
    'rebuild activity_hourly',
    `DELETE FROM activity_hourly;
     INSERT INTO activity_hourly (local_date, local_hour, activity_count, distance_m)
     SELECT start_date_local::date, extract(hour FROM start_date_local)::int, count(*)::int, sum(distance_m)
       FROM activities WHERE deleted_at IS NULL GROUP BY 1, 2`,
  );
  await step(
    'rebuild global_stats',
    `UPDATE global_stats SET
       total_meters = (SELECT coalesce(sum(distance_m), 0) FROM activities WHERE deleted_at IS NULL),
       activity_count = (SELECT count(*) FROM activities WHERE deleted_at IS NULL), updated_at = now()
     WHERE id = 1`,
  );
  await step(
    'rebuild users.last_activity_at',
    `UPDATE users SET last_activity_at =
       (SELECT max(start_date) FROM activities a WHERE a.user_id = users.id AND a.deleted_at IS NULL)`,
  );
  await step(
    'insert provider_health_logs',
    `INSERT INTO provider_health_logs (provider, status, latency_ms, http_status, error_reason, "timestamp")
     SELECT p, CASE WHEN m % 97 = 0 THEN 'error' ELSE 'success' END,
            CASE WHEN m % 97 = 0 THEN NULL ELSE 80 + (m * 37) % 400 END,
            CASE WHEN m % 97 = 0 THEN 503 ELSE 200 END,
            CASE WHEN m % 97 = 0 THEN 'http_5xx' END,
            now() - m * interval '1 minute'
       FROM unnest(ARRAY['strava','garmin','apple_health']) AS p, generate_series(0, 7 * 1440) AS m`,
  );
  // VACUUM too: after a million inserts autovacuum would otherwise start mid-measurement and take a core.
  await step('vacuum analyze', 'VACUUM (ANALYZE) activities, activity_hourly, users, provider_health_logs');
  return timings;
}
