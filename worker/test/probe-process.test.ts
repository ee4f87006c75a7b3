import { createRedisKeys, dropDatabase } from '@ops-cockpit/core';
import {
  createTestRedis,
  databaseUrlFor,
  freePort,
  spawnService,
  uniqueName,
  type ServiceProcess,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import pg from 'pg';
import { startSimulator, type RunningSimulator } from '../../simulator/test/helpers.js';

let redis: TestRedis;
let sim: RunningSimulator;
const dbUrl = databaseUrlFor(uniqueName('probeproc'));
const running: ServiceProcess[] = [];

beforeAll(async () => {
  redis = await createTestRedis('probeproc');
  sim = await startSimulator();
});
afterAll(async () => {
  await Promise.all(running.map((svc) => svc.stop('SIGKILL')));
  await sim?.close();
  await redis?.close();
  await dropDatabase(dbUrl);
});

it('two worker processes probe each configured provider once per interval', async () => {
  const token = sim.world.issueToken(sim.world.roster[0]!.stravaAthleteId, Date.now()).accessToken;
  const ports = [await freePort(), await freePort()];
  const closedPort = await freePort();
  const env = (port: number) => ({
    DATABASE_URL: dbUrl.reveal(),
    REDIS_PREFIX: redis.prefix,
    WORKER_METRICS_PORT: String(port),
    PROBE_INTERVAL_SECONDS: '1',
    PROBE_TIMEOUT_MS: '900',
    STRAVA_API_URL: sim.url,
    STRAVA_PROBE_TOKEN: token,
    // Nothing listens there: every Garmin probe is a connect failure.
    GARMIN_PROBE_URL: `http://127.0.0.1:${closedPort}/ping`,
  });
  // The first creates the database; the second starts once it exists.
  running.push(spawnService('worker', env(ports[0]!)));
  await running[0]!.waitForLog('worker running');
  running.push(spawnService('worker', env(ports[1]!)));
  await running[1]!.waitForLog('worker running');
  // Counted over a window that starts once both run: the first worker probes while the second starts, which
  // takes seconds on a loaded machine.
  const started = new Date();
  await new Promise((r) => setTimeout(r, 4_000));
  const stopped = new Date();
  await Promise.all(running.map((svc) => svc.stop('SIGTERM')));
  const elapsed = (stopped.getTime() - started.getTime()) / 1000;

  const schedulers = await redis.redis.zrange(
    `${createRedisKeys(redis.prefix).bullPrefix}:probe:repeat`,
    '0',
    '-1',
  );
  expect(schedulers.sort()).toEqual(['probe:garmin', 'probe:strava']);

  const client = new pg.Client({ connectionString: dbUrl.reveal() });
  await client.connect();
  try {
    const { rows } = await client.query<{ provider: string; n: number; reasons: string[]; gap: number }>(
      `SELECT provider, (count(*) FILTER (WHERE "timestamp" >= $1 AND "timestamp" < $2))::int AS n,
              array_agg(DISTINCT coalesce(error_reason, 'none')) AS reasons,
              (extract(epoch FROM min(gap)) * 1000)::int AS gap
         FROM (SELECT provider, error_reason, "timestamp",
                      "timestamp" - lag("timestamp") OVER (PARTITION BY provider ORDER BY "timestamp") AS gap
                 FROM provider_health_logs) g
        GROUP BY provider ORDER BY provider`,
      [started, stopped],
    );
    expect(rows.map((r) => [r.provider, r.reasons])).toEqual([
      ['garmin', ['connect']],
      ['strava', ['none']],
    ]);
    for (const row of rows) {
      // With both running: about one per second (a starved second may slip one), never two in one interval.
      expect(row.n).toBeGreaterThanOrEqual(Math.floor(elapsed) - 2);
      expect(row.n).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
      // Two workers running one slot would be ms apart; a late job followed by an on-time one, some 100s of ms.
      expect(row.gap).toBeGreaterThan(200);
    }
  } finally {
    await client.end();
  }
});

it('exports the last probe of each provider on /metrics', async () => {
  const port = await freePort();
  const token = sim.world.issueToken(sim.world.roster[0]!.stravaAthleteId, Date.now()).accessToken;
  const svc = spawnService('worker', {
    DATABASE_URL: dbUrl.reveal(),
    REDIS_PREFIX: redis.prefix,
    WORKER_METRICS_PORT: String(port),
    PROBE_INTERVAL_SECONDS: '1',
    STRAVA_API_URL: sim.url,
    STRAVA_PROBE_TOKEN: token,
  });
  running.push(svc);
  await svc.waitForLog('provider probes scheduled');
  let text = '';
  for (let i = 0; i < 50 && !/^ops_provider_probe_success\{provider="strava"\} 1$/m.test(text); i++) {
    await new Promise((r) => setTimeout(r, 100));
    text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  }
  expect(text).toMatch(/^ops_provider_probe_success\{provider="strava"\} 1$/m);
  expect(text).toMatch(/^ops_provider_probe_duration_seconds\{provider="strava",phase="ttfb"\} [\d.e-]+$/m);
  expect(text).toMatch(
    /^ops_provider_probes_total\{provider="strava",result="success",reason="none",source="probe"\} \d+$/m,
  );
  expect(text).toMatch(
    /^ops_provider_probe_request_duration_seconds_count\{provider="strava",source="probe"\} \d+$/m,
  );
  // The restart dropped Garmin's schedule along with its setting.
  expect(
    await redis.redis.zrange(`${createRedisKeys(redis.prefix).bullPrefix}:probe:repeat`, '0', '-1'),
  ).toEqual(['probe:strava']);
  expect(await svc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
});
