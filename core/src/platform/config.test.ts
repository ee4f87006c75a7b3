import { inspect } from 'node:util';
import type { z } from 'zod';
import {
  ConfigError,
  connectionsFrom,
  describeConnections,
  exporterEnvSchema,
  loadEnv,
  workerEnvSchema,
} from './config.js';
import { POLAR_API_DEFAULT_URL } from '../providers/polar.js';
import { DEMO_ALERTMANAGER_TOKEN, DEMO_OPERATOR } from './demo.js';

function problemsOf(
  env: Record<string, string>,
  schema: z.ZodType<unknown, Record<string, string | undefined>> = exporterEnvSchema,
): string[] {
  try {
    loadEnv(schema, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config defaults', () => {
  it('serves a local machine with no variables set', () => {
    const env = loadEnv(exporterEnvSchema, {});
    expect(env).toMatchObject({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/ops_cockpit',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_PREFIX: 'ops',
      PORT: 8080,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_SECONDS: 10,
    });
    expect(loadEnv(workerEnvSchema, {}).WORKER_METRICS_PORT).toBe(9465);
  });

  it('treats an empty value as unset', () => {
    expect(loadEnv(exporterEnvSchema, { PORT: '' }).PORT).toBe(8080);
  });

  it('parses valid values', () => {
    const env = loadEnv(exporterEnvSchema, { PORT: '9000', REDIS_PREFIX: 'ops:test', LOG_LEVEL: 'debug' });
    expect(env.PORT).toBe(9000);
    expect(env.REDIS_PREFIX).toBe('ops:test');
    expect(env.LOG_LEVEL).toBe('debug');
  });
});

describe('Redis Cluster and ingest durability settings', () => {
  it('read seed nodes, IPv6 in brackets, and say where the processes connect', () => {
    const env = loadEnv(exporterEnvSchema, { REDIS_CLUSTER_NODES: ' redis-0.redis:6379,[::1]:7000 ' });
    expect(env.REDIS_CLUSTER_NODES).toEqual([
      { host: 'redis-0.redis', port: 6379 },
      { host: '::1', port: 7000 },
    ]);
    expect(describeConnections(connectionsFrom(env)).redis).toBe('cluster redis-0.redis:6379,::1:7000');
    expect(loadEnv(exporterEnvSchema, {}).REDIS_CLUSTER_NODES).toEqual([]);
  });

  it('default to one Redis, a 24 h dedup window and no replica wait', () => {
    expect(loadEnv(exporterEnvSchema, {})).toMatchObject({
      INGEST_DEDUP_SECONDS: 86_400,
      INGEST_MIN_REPLICAS: 0,
      INGEST_REPLICA_TIMEOUT_MS: 500,
    });
  });
});

describe('config errors name the variable and why', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT: expected an integer 1-65535, got "abc"'],
    [{ PORT: '0' }, 'PORT: expected an integer 1-65535, got "0"'],
    [{ PORT: '70000' }, 'PORT: expected an integer 1-65535, got "70000"'],
    [{ PORT: '80.5' }, 'PORT: expected an integer 1-65535, got "80.5"'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ],
    [{ REDIS_PREFIX: 'has space' }, `REDIS_PREFIX: expected 1-64 letters, digits or '_-:.', got "has space"`],
    [{ SHUTDOWN_TIMEOUT_SECONDS: '-1' }, 'SHUTDOWN_TIMEOUT_SECONDS: expected an integer 1-300, got "-1"'],
    [{ DATABASE_POOL_MAX: 'many' }, 'DATABASE_POOL_MAX: expected an integer 1-200, got "many"'],
    [{ REDIS_CLUSTER_NODES: 'a:1,b' }, 'REDIS_CLUSTER_NODES: expected host:port,host:port,…, got "b"'],
    [
      { REDIS_CLUSTER_NODES: 'a:70000' },
      'REDIS_CLUSTER_NODES: expected host:port,host:port,…, got "a:70000"',
    ],
    [{ INGEST_DEDUP_SECONDS: '30' }, 'INGEST_DEDUP_SECONDS: expected an integer 60-2592000, got "30"'],
    [{ INGEST_MIN_REPLICAS: '6' }, 'INGEST_MIN_REPLICAS: expected an integer 0-5, got "6"'],
    [
      { INGEST_REPLICA_TIMEOUT_MS: '1500' },
      'INGEST_REPLICA_TIMEOUT_MS: expected an integer 10-1400, got "1500"',
    ],
  ])('%j', (env, message) => {
    expect(problemsOf(env)).toEqual([message]);
  });

  it('hides connection URLs, which may carry a password', () => {
    const [line] = problemsOf({ DATABASE_URL: 'mysql://admin:hunter2@db/x' });
    expect(line).toMatch(/^DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL, got /);
    expect(line).not.toContain('hunter2');
    const [redisLine] = problemsOf({ REDIS_URL: 'http://:pw@cache' });
    expect(redisLine).toMatch(/^REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(redisLine).not.toContain('pw@');
  });

  it('never echoes operator tokens in the message', () => {
    const [line] = problemsOf({ OPS_OPERATOR_TOKENS: 'alice:short-secret' });
    expect(line).toMatch(/^OPS_OPERATOR_TOKENS: expected comma-separated name:token pairs/);
    expect(line).not.toContain('short-secret');
  });

  it('reports every bad variable, one line each', () => {
    expect(problemsOf({ PORT: 'x', LOG_LEVEL: 'y' })).toHaveLength(2);
  });

  it('validates the worker port too', () => {
    expect(problemsOf({ WORKER_METRICS_PORT: 'abc' }, workerEnvSchema)).toEqual([
      'WORKER_METRICS_PORT: expected an integer 1-65535, got "abc"',
    ]);
  });
});

describe('retention settings', () => {
  it('default to the documented days, 0 keeping forever', () => {
    expect(loadEnv(workerEnvSchema, {})).toMatchObject({
      RETENTION_PROBE_LOGS_DAYS: 7,
      RETENTION_RESOLVED_INCIDENTS_DAYS: 90,
      RETENTION_NUDGES_DAYS: 90,
      RETENTION_CHAOS_EVENTS_DAYS: 90,
      RETENTION_HOURLY_ROLLUP_DAYS: 30,
      RETENTION_DEAD_LETTERS_DAYS: 14,
      RETENTION_BATCH_SIZE: 2_000,
    });
    const forever = loadEnv(workerEnvSchema, {
      RETENTION_HOURLY_ROLLUP_DAYS: '0',
      RETENTION_NUDGES_DAYS: '0',
    });
    expect([forever.RETENTION_HOURLY_ROLLUP_DAYS, forever.RETENTION_NUDGES_DAYS]).toEqual([0, 0]);
  });

  it('take the floor itself', () => {
    const env = loadEnv(workerEnvSchema, {
      RETENTION_HOURLY_ROLLUP_DAYS: '7',
      RETENTION_NUDGES_DAYS: '7',
      RETENTION_PROBE_LOGS_DAYS: '1',
      RETENTION_DEAD_LETTERS_DAYS: '3650',
    });
    expect(env).toMatchObject({ RETENTION_HOURLY_ROLLUP_DAYS: 7, RETENTION_NUDGES_DAYS: 7 });
  });

  it.each([
    [
      { RETENTION_HOURLY_ROLLUP_DAYS: '6' },
      'RETENTION_HOURLY_ROLLUP_DAYS: expected 0 (keep forever) or 7-3650 days (the heatmap reads the last 7 local days), got 6',
    ],
    [
      { RETENTION_NUDGES_DAYS: '6' },
      'RETENTION_NUDGES_DAYS: expected 0 (keep forever) or 7-3650 days (a failed nudge job stays replayable for 7 days and needs its row), got 6',
    ],
    [{ RETENTION_PROBE_LOGS_DAYS: '-1' }, 'RETENTION_PROBE_LOGS_DAYS: expected an integer 0-3650, got "-1"'],
    [
      { RETENTION_RESOLVED_INCIDENTS_DAYS: '1.5' },
      'RETENTION_RESOLVED_INCIDENTS_DAYS: expected an integer 0-3650, got "1.5"',
    ],
    [
      { RETENTION_CHAOS_EVENTS_DAYS: '3651' },
      'RETENTION_CHAOS_EVENTS_DAYS: expected an integer 0-3650, got "3651"',
    ],
    [
      { RETENTION_DEAD_LETTERS_DAYS: 'two weeks' },
      'RETENTION_DEAD_LETTERS_DAYS: expected an integer 0-3650, got "two weeks"',
    ],
    [{ RETENTION_BATCH_SIZE: '50' }, 'RETENTION_BATCH_SIZE: expected an integer 100-10000, got "50"'],
  ])('refuse %j, naming the variable and why', (env, message) => {
    expect(problemsOf(env, workerEnvSchema)).toEqual([message]);
  });
});

describe('security settings', () => {
  it('default to open reads, no CORS, rate limits and slow-client bounds', () => {
    expect(loadEnv(exporterEnvSchema, {})).toMatchObject({
      OPS_READ_OPEN: true,
      OPS_VIEWER_TOKENS: '',
      CORS_ORIGINS: [],
      NUDGE_RATE_LIMIT: 30,
      CHAOS_RATE_LIMIT: 30,
      RATE_LIMIT_WINDOW_SECONDS: 60,
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 5_000,
    });
  });

  it('parses CORS_ORIGINS as exact origins and refuses paths, wildcards and other schemes', () => {
    const env = loadEnv(exporterEnvSchema, {
      CORS_ORIGINS: 'https://ops.example.com, http://localhost:3000,https://ops.example.com',
      OPS_READ_OPEN: 'false',
    });
    expect(env.CORS_ORIGINS).toEqual(['https://ops.example.com', 'http://localhost:3000']);
    expect(env.OPS_READ_OPEN).toBe(false);
    for (const bad of [
      '*',
      'https://ops.example.com/',
      'https://a.example.com/app',
      'ftp://x.example.com',
      'x',
    ]) {
      expect(problemsOf({ CORS_ORIGINS: `https://ok.example.com,${bad}` })).toEqual([
        `CORS_ORIGINS: expected comma-separated origins like https://app.example.com (no path or trailing slash), got ${JSON.stringify(bad)}`,
      ]);
    }
  });

  it('never echoes viewer tokens in the message', () => {
    const [line] = problemsOf({ OPS_VIEWER_TOKENS: 'vic:short-secret' });
    expect(line).toMatch(/^OPS_VIEWER_TOKENS: expected comma-separated name:token pairs/);
    expect(line).not.toContain('short-secret');
  });

  it('refuses a header deadline longer than the whole-request deadline, naming both', () => {
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT_MS: '40000' })).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS: expected at most HTTP_REQUEST_TIMEOUT_MS (30000), got 40000',
    ]);
    expect(problemsOf({ NUDGE_RATE_LIMIT: '0' })).toEqual([
      'NUDGE_RATE_LIMIT: expected an integer 1-1000000, got "0"',
    ]);
  });

  it('refuses a budget day that is not a whole number of budget windows', () => {
    const budget = (window: string, day: string) => ({
      PROVIDER_BUDGET_WINDOW_SECONDS: window,
      PROVIDER_BUDGET_DAY_SECONDS: day,
    });
    expect(loadEnv(workerEnvSchema, budget('2', '12')).PROVIDER_BUDGET_DAY_SECONDS).toBe(12);
    expect(problemsOf(budget('900', '1000'), workerEnvSchema)).toEqual([
      'PROVIDER_BUDGET_DAY_SECONDS: expected a multiple of PROVIDER_BUDGET_WINDOW_SECONDS (900), got 1000',
    ]);
  });
});

describe('demo credentials', () => {
  const demoEnv = {
    OPS_OPERATOR_TOKENS: `ada:a-real-operator-secret,${DEMO_OPERATOR.name}:${DEMO_OPERATOR.token}`,
    OPS_VIEWER_TOKENS: `someone:${DEMO_OPERATOR.token}`,
    ALERTMANAGER_TOKEN: DEMO_ALERTMANAGER_TOKEN,
  };

  it('are refused unless DEMO=true, naming each variable that holds one, and DEMO defaults to false', () => {
    const why = 'holds a public demo token, accepted only with DEMO=true: set a secret of your own';
    expect(problemsOf(demoEnv)).toEqual([
      `OPS_OPERATOR_TOKENS: ${why}`,
      `OPS_VIEWER_TOKENS: ${why}`,
      `ALERTMANAGER_TOKEN: ${why}`,
    ]);
    expect(problemsOf({ ...demoEnv, DEMO: 'false' })).toHaveLength(3);
  });

  it('are accepted with DEMO=true', () => {
    const env = loadEnv(exporterEnvSchema, { ...demoEnv, DEMO: 'true' });
    expect(env.ALERTMANAGER_TOKEN).toBe(DEMO_ALERTMANAGER_TOKEN);
  });
});

describe('Polar settings', () => {
  it('default to the public Polar API, no secret and no probe', () => {
    expect(loadEnv(exporterEnvSchema, {}).POLAR_WEBHOOK_SECRET).toBeUndefined();
    const worker = loadEnv(workerEnvSchema, {});
    expect(worker.POLAR_API_URL).toBe('https://www.polaraccesslink.com');
    expect(worker.POLAR_API_URL).toBe(POLAR_API_DEFAULT_URL);
    expect(worker.POLAR_PROBE_URL).toBeUndefined();
  });

  it('name a bad value without echoing a secret', () => {
    expect(problemsOf({ POLAR_WEBHOOK_SECRET: 'short-key' })).toEqual([
      'POLAR_WEBHOOK_SECRET: expected at least 16 characters, got 9',
    ]);
    expect(problemsOf({ POLAR_API_URL: 'ftp://polar.example' }, workerEnvSchema)).toEqual([
      'POLAR_API_URL: expected a http:// or https:// URL, got "ftp://polar.example"',
    ]);
    expect(problemsOf({ POLAR_PROBE_URL: 'not a url' }, workerEnvSchema)).toEqual([
      'POLAR_PROBE_URL: expected a http:// or https:// URL, got "not a url"',
    ]);
  });
});

describe('connections', () => {
  it('never shows a password when logged, stringified or inspected', () => {
    const env = loadEnv(exporterEnvSchema, {
      DATABASE_URL: 'postgres://app:s3cret@db.internal:5432/ops',
      REDIS_URL: 'redis://:r3dis@cache:6379',
    });
    const conn = connectionsFrom(env);
    expect(JSON.stringify(conn)).not.toMatch(/s3cret|r3dis/);
    expect(inspect(conn, { depth: 5 })).not.toMatch(/s3cret|r3dis/);
    expect(`${conn.databaseUrl}`).toBe('[redacted]');
    expect(describeConnections(conn)).toEqual({
      database: 'postgres://app:***@db.internal:5432/ops',
      redis: 'redis://:***@cache:6379',
      redisPrefix: 'ops',
    });
    expect(conn.databaseUrl.reveal()).toBe('postgres://app:s3cret@db.internal:5432/ops');
  });
});

describe('outbound allow-lists', () => {
  it("default to the providers' published API hosts, and take host names and exact origins", () => {
    const worker = loadEnv(workerEnvSchema, {});
    expect(worker.GARMIN_API_HOSTS).toEqual(['apis.garmin.com']);
    expect(worker.POLAR_API_HOSTS).toEqual(['www.polaraccesslink.com']);
    expect(worker.PROVIDER_MAX_RESPONSE_BYTES).toBe(4 * 1024 * 1024);
    const set = loadEnv(workerEnvSchema, { GARMIN_API_HOSTS: ' APIS.garmin.com , http://127.0.0.1:9400' });
    expect(set.GARMIN_API_HOSTS).toEqual(['apis.garmin.com', 'http://127.0.0.1:9400']);
  });

  it('name an entry that is neither, and the operator Grafana proxies as', () => {
    for (const bad of [
      'http://sim:9400/path',
      'ftp://files.example',
      'under_score.example',
      '*.garmin.com',
    ]) {
      expect(problemsOf({ GARMIN_API_HOSTS: bad }, workerEnvSchema)).toEqual([
        `GARMIN_API_HOSTS: expected host names like api.example.com or origins like https://api.example.com:8443, got ${JSON.stringify(bad)}`,
      ]);
    }
    expect(loadEnv(exporterEnvSchema, {}).OPS_GRAFANA_OPERATOR).toBe('grafana');
    expect(problemsOf({ OPS_GRAFANA_OPERATOR: 'graf ana' })).toEqual([
      'OPS_GRAFANA_OPERATOR: expected an operator name, got "graf ana"',
    ]);
  });
});
