import { z } from 'zod';
import { Secret, redactUrl } from './secret.js';
import type { RedisNode } from './redis.js';
import {
  boolVar,
  enumVar,
  intVar,
  numberVar,
  originListVar,
  hostListVar,
  patternVar,
  retentionDaysVar,
  stringVar,
  urlVar,
  windowLimitsVar,
  redisNodesVar,
} from './env-vars.js';
import { STRAVA_DEFAULT_LIMITS } from '../contracts/rate-budget.js';
import { DEDUP_TTL_SECONDS } from '../contracts/ingest.js';
import { holdsDemoCredential } from './demo.js';
import { parsePlausibilityLimits, type PlausibilityLimits } from '../contracts/plausibility.js';
import { RETENTION_FLOORS, RETENTION_MAX_DAYS, type RetentionTarget } from '../contracts/retention.js';

/**
 * Spike Lab's default cap on faults active at once: below the number of modes (4), so an experiment cannot take
 * every fault at once without an operator raising it on purpose.
 */
export const CHAOS_MAX_ACTIVE_DEFAULT = 3;

/**
 * Open live-signal streams per exporter, and per client address. Grafana's proxy is one address for all its
 * viewers, so the per-client default leaves room for a control room of them.
 */
export const THROUGHPUT_STREAMS_MAX_DEFAULT = 1_000;
export const THROUGHPUT_STREAMS_PER_CLIENT_DEFAULT = 100;

/** Settings every process shares: where Postgres and Redis are, how to log, how long shutdown may take. */
export const baseEnvSchema = z.object({
  LOG_LEVEL: enumVar('info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  DATABASE_URL: urlVar('postgres://postgres@127.0.0.1:5432/ops_cockpit', ['postgres:', 'postgresql:'], {
    secret: true,
  }),
  DATABASE_POOL_MAX: intVar(10, 1, 200),
  REDIS_URL: urlVar('redis://127.0.0.1:6379', ['redis:', 'rediss:'], { secret: true }),
  REDIS_PREFIX: patternVar('ops', /^[A-Za-z0-9_\-:.]{1,64}$/, "1-64 letters, digits or '_-:.'"),
  /** Redis Cluster seed nodes; set, the processes use the cluster (credentials and TLS from REDIS_URL). */
  REDIS_CLUSTER_NODES: redisNodesVar(),
  SHUTDOWN_TIMEOUT_SECONDS: intVar(10, 1, 300),
  /** Spike Lab: off unless true; while off, chaos mutations answer 403 and no fault is ever applied. */
  CHAOS_ENABLED: boolVar(false),
  /** Most faults active at once (one per mode at most, so 4 would never refuse anything). */
  CHAOS_MAX_ACTIVE: intVar(CHAOS_MAX_ACTIVE_DEFAULT, 1, 4),
  /** Safety-net re-read of the chaos flags, besides pub/sub notifications. */
  CHAOS_REFRESH_MS: intVar(5_000, 100, 60_000),
});

/** `name:token,…` (OPS_OPERATOR_TOKENS, OPS_VIEWER_TOKENS); the value is never echoed, it holds secrets. */
function namedTokensVar() {
  return patternVar(
    '',
    /^$|^[A-Za-z0-9_.@-]{1,64}:[^,:\s]{16,}(,[A-Za-z0-9_.@-]{1,64}:[^,:\s]{16,})*$/,
    'comma-separated name:token pairs (name 1-64 of A-Za-z0-9_.@-, token at least 16 characters)',
    { secret: true },
  );
}

const HOST_PATTERN = /^[A-Za-z0-9.:\-[\]]{1,255}$/;

/** Days `target` is kept by the worker's hourly retention: 0 keeps forever, else at least the target's floor. */
const keepDays = (def: number, target: RetentionTarget) =>
  retentionDaysVar(def, RETENTION_FLOORS[target], RETENTION_MAX_DAYS);

export const exporterEnvSchema = baseEnvSchema
  .extend({
    HOST: patternVar('127.0.0.1', HOST_PATTERN, 'a host name or IP address'),
    PORT: intVar(8080, 1, 65535),
    READY_TIMEOUT_MS: intVar(2000, 50, 60000),
    /** Strava subscription handshake: unset means no subscription can be verified (GET answers 403). */
    STRAVA_VERIFY_TOKEN: stringVar(),
    /** When set, Strava events for another subscription are refused (403). */
    STRAVA_SUBSCRIPTION_ID: intVar(0, 0, Number.MAX_SAFE_INTEGER),
    /** Standard Webhooks secret (`whsec_<base64>` or raw) for Apple Health deliveries; unset refuses them. */
    APPLE_HEALTH_WEBHOOK_SECRET: stringVar({ minLength: 16 }),
    /**
     * Polar AccessLink's `signature_secret_key` (returned once, when the webhook is created); unset refuses
     * EXERCISE deliveries (403) but still answers the creation PING 200.
     */
    POLAR_WEBHOOK_SECRET: stringVar({ minLength: 16 }),
    /**
     * Garmin and Strava sign nothing: the callback URL registered with each carries this secret as `?token=`,
     * and a POST without it is refused (401) before its body is read. Unset refuses every delivery (403) while
     * WEBHOOK_TOKENS_REQUIRED is true.
     */
    GARMIN_WEBHOOK_TOKEN: stringVar({ minLength: 16 }),
    STRAVA_WEBHOOK_TOKEN: stringVar({ minLength: 16 }),
    /** false only for the local demo: Garmin and Strava deliveries without a token set are accepted (with a warning). */
    WEBHOOK_TOKENS_REQUIRED: boolVar(true),
    /**
     * Password of the read-only role Grafana's Postgres datasource uses (`ops_cockpit_reader`: no e-mail, phone or
     * token column); set at start. Unset leaves the role unable to log in.
     */
    GRAFANA_DB_PASSWORD: stringVar({ minLength: 12 }),
    /**
     * Where on-call's browser reaches this exporter's /runbooks (behind your ingress): every alert's runbook_url
     * starts with it. Default: the address the exporter listens on.
     */
    RUNBOOK_BASE_URL: urlVar(undefined, ['http:', 'https:']),
    /** Entries kept in the ingest stream (approximate trim); acknowledged ones beyond it are dropped first. */
    INGEST_STREAM_MAXLEN: intVar(1_000_000, 1_000, 100_000_000),
    /**
     * How long an accepted event's marker turns a redelivery into a duplicate (docs/configuration.md says why
     * 24 h); past it a redelivery is appended again and the worker's idempotent upsert absorbs it.
     */
    INGEST_DEDUP_SECONDS: intVar(DEDUP_TTL_SECONDS, 60, 30 * 24 * 60 * 60),
    /** Replicas that must hold an append before its 2xx (Redis WAIT); 0 acknowledges once the master has it. */
    INGEST_MIN_REPLICAS: intVar(0, 0, 5),
    /** Longest WAIT for INGEST_MIN_REPLICAS; within the 1.5 s the append may take before a 503. */
    INGEST_REPLICA_TIMEOUT_MS: intVar(500, 10, 1_400),
    CHALLENGE_GOAL_MILES: numberVar(1_000_000, 1, 1e12),
    THROUGHPUT_PUSH_SECONDS: intVar(5, 1, 300),
    /** Live-signal streams one exporter serves at once (503 beyond), and one client address holds (429 beyond). */
    THROUGHPUT_STREAMS_MAX: intVar(THROUGHPUT_STREAMS_MAX_DEFAULT, 1, 100_000),
    THROUGHPUT_STREAMS_PER_CLIENT: intVar(THROUGHPUT_STREAMS_PER_CLIENT_DEFAULT, 1, 100_000),
    /** Bearer token Alertmanager presents on POST /api/alertmanager; unset refuses every notification (401). */
    ALERTMANAGER_TOKEN: stringVar({ minLength: 8 }),
    /** Operators allowed to act: `name:token` pairs, comma-separated. Unset means no mutation is allowed. */
    OPS_OPERATOR_TOKENS: namedTokensVar(),
    /** Viewers allowed to read /api/ops/* when OPS_READ_OPEN is false; same format as the operator tokens. */
    OPS_VIEWER_TOKENS: namedTokensVar(),
    /** Reads of /api/ops/* need no token (local use); false requires a viewer or operator token. */
    OPS_READ_OPEN: boolVar(true),
    /** Browser origins allowed to call the API cross-origin; empty sends no CORS headers at all. */
    CORS_ORIGINS: originListVar(),
    /** Requests per operator and window on POST /api/ops/nudge and on the chaos mutations, across replicas. */
    NUDGE_RATE_LIMIT: intVar(30, 1, 1_000_000),
    CHAOS_RATE_LIMIT: intVar(30, 1, 1_000_000),
    RATE_LIMIT_WINDOW_SECONDS: intVar(60, 1, 86_400),
    /** Slow-client bounds: time to send all headers, the whole request, and idle time between keep-alive requests. */
    HTTP_HEADERS_TIMEOUT_MS: intVar(10_000, 100, 600_000),
    HTTP_REQUEST_TIMEOUT_MS: intVar(30_000, 100, 3_600_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: intVar(5_000, 100, 600_000),
    /** A user nudged within this many hours is not nudged again (409). */
    NUDGE_COOLDOWN_HOURS: numberVar(24, 0, 24 * 365),
    /** First retry delay of a nudge job, doubling over its 5 attempts (30 s: 30 s, 1, 2, 4 min). */
    NUDGE_RETRY_BASE_MS: intVar(30_000, 100, 3_600_000),
    /**
     * The operator of OPS_OPERATOR_TOKENS whose token Grafana's app proxy sends: the only one whose requests may
     * name a Grafana user (X-Grafana-User) as the actor.
     */
    OPS_GRAFANA_OPERATOR: patternVar('grafana', /^[A-Za-z0-9._-]{1,64}$/, 'an operator name'),
    /** The local demo (`npm start`): only then are the public demo tokens (core/src/platform/demo.ts) accepted. */
    DEMO: boolVar(false),
  })
  .superRefine((env, ctx) => {
    if (!env.DEMO) {
      for (const name of ['OPS_OPERATOR_TOKENS', 'OPS_VIEWER_TOKENS', 'ALERTMANAGER_TOKEN'] as const) {
        if (holdsDemoCredential(env[name])) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'holds a public demo token, accepted only with DEMO=true: set a secret of your own',
          });
        }
      }
    }
    // node:http refuses a header timeout longer than the whole-request timeout; say so at start, by name.
    if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['HTTP_HEADERS_TIMEOUT_MS'],
        message: `expected at most HTTP_REQUEST_TIMEOUT_MS (${env.HTTP_REQUEST_TIMEOUT_MS}), got ${env.HTTP_HEADERS_TIMEOUT_MS}`,
      });
    }
  });

export const workerEnvSchema = baseEnvSchema
  .extend({
    WORKER_METRICS_HOST: patternVar('127.0.0.1', HOST_PATTERN, 'a host name or IP address'),
    WORKER_METRICS_PORT: intVar(9465, 1, 65535),
    WORKER_CONCURRENCY: intVar(4, 1, 256),
    WORKER_STALLED_INTERVAL_MS: intVar(30000, 500, 600000),
    /** Base URL of the Strava API (the simulator's in demo mode). */
    STRAVA_API_URL: urlVar('https://www.strava.com', ['http:', 'https:']),
    STRAVA_CLIENT_ID: stringVar(),
    STRAVA_CLIENT_SECRET: stringVar(),
    /** Base URL of Polar AccessLink (the simulator's in demo mode); exercises are fetched only under it. */
    POLAR_API_URL: urlVar('https://www.polaraccesslink.com', ['http:', 'https:']),
    /** Timeout of one outgoing provider request. */
    PROVIDER_TIMEOUT_MS: intVar(10_000, 100, 120_000),
    /**
     * Where URLs taken from a request may be fetched (a Garmin ping's `callbackURL`): host names (https, public
     * addresses only) or exact origins (named: any address). STRAVA_API_URL and POLAR_API_URL are allowed as
     * configured; the demo adds the simulator's origin here.
     */
    GARMIN_API_HOSTS: hostListVar('apis.garmin.com'),
    POLAR_API_HOSTS: hostListVar('www.polaraccesslink.com'),
    /** Largest provider answer read; a larger one fails the call (a hostile endpoint cannot fill the memory). */
    PROVIDER_MAX_RESPONSE_BYTES: intVar(4 * 1024 * 1024, 1_024, 64 * 1024 * 1024),
    /**
     * Stream entries read per XREADGROUP call, applied in one transaction. 500: a batch costs about 15 round trips
     * whatever its size, so a backlog drains faster the bigger it is (measured: lag p99 0.5-0.8 s at 2,000 events/s
     * with 500, 2.5-4.9 s with 100, on a busy 2-core machine).
     */
    INGEST_BATCH_SIZE: intVar(500, 1, 10_000),
    /**
     * After a read returns fewer than INGEST_BATCH_SIZE entries, wait this long and top the batch up before
     * applying it: a steady trickle is written in fewer, larger transactions (less CPU per event in the worker
     * and Postgres) for at most this much lag. 0 applies each read at once.
     */
    INGEST_BATCH_LINGER_MS: intVar(20, 0, 1_000),
    /** A pending entry idle this long is taken over (its consumer died, or its retry is due). */
    INGEST_CLAIM_IDLE_MS: intVar(30_000, 100, 3_600_000),
    /** Deliveries before an entry that keeps failing goes to the dead-letter stream. */
    INGEST_MAX_DELIVERIES: intVar(5, 1, 100),
    /**
     * Time one entry's provider side may take (waiting for a call slot, token refresh, fetch) before it is set aside
     * for retry; entries never wait on each other, so this bounds only the slow entry itself.
     */
    INGEST_ENTRY_DEADLINE_MS: intVar(15_000, 100, 300_000),
    /**
     * JSON overriding some of the per-category limits past which an activity is quarantined (contracts/
     * plausibility.ts has the defaults and their sources), e.g. `{"run":{"maxSpeedMps":7}}`.
     */
    PLAUSIBILITY_LIMITS: z
      .string()
      .optional()
      .transform((raw, ctx): PlausibilityLimits => {
        try {
          return parsePlausibilityLimits(raw);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
    CHALLENGE_GOAL_MILES: numberVar(1_000_000, 1, 1e12),
    /**
     * The Strava application's limits (overall, and reads), `<15-minute>,<daily>`; Strava's answers report the real
     * ones on every call and those win. `off` lifts the budget (a test stack against an unlimited simulator).
     */
    STRAVA_RATE_LIMITS: windowLimitsVar(STRAVA_DEFAULT_LIMITS.overall),
    STRAVA_READ_RATE_LIMITS: windowLimitsVar(STRAVA_DEFAULT_LIMITS.read),
    /** Garmin and Apple Health publish no limits: off unless set, then kept to like Strava's (every call counts). */
    GARMIN_RATE_LIMITS: windowLimitsVar(undefined),
    APPLE_HEALTH_RATE_LIMITS: windowLimitsVar(undefined),
    /** Share of every window kept back for the probe and priority calls; ingestion spends the rest. */
    PROVIDER_BUDGET_RESERVE_PERCENT: intVar(10, 0, 90),
    /** Window lengths of the budgets: Strava's quarter hour and UTC day; shorter only to compress time in tests. */
    PROVIDER_BUDGET_WINDOW_SECONDS: intVar(900, 1, 86_400),
    PROVIDER_BUDGET_DAY_SECONDS: intVar(86_400, 1, 86_400),
    /** Seconds between two probes of one provider (60 in production, down to 1 for tests). */
    PROBE_INTERVAL_SECONDS: intVar(60, 1, 3_600),
    PROBE_TIMEOUT_MS: intVar(10_000, 100, 120_000),
    /** The app's own Strava token for probing GET {STRAVA_API_URL}/api/v3/athlete; unset probes without one. */
    STRAVA_PROBE_TOKEN: stringVar(),
    /** Probe targets of Garmin and Apple Health; each provider is not probed while its URL is unset. */
    GARMIN_PROBE_URL: urlVar(undefined, ['http:', 'https:']),
    APPLE_HEALTH_PROBE_URL: urlVar(undefined, ['http:', 'https:']),
    /** Probe target of Polar; not probed while unset. */
    POLAR_PROBE_URL: urlVar(undefined, ['http:', 'https:']),
    /** HTTP statuses a probe counts as success: codes and ranges, comma-separated. */
    PROBE_EXPECTED_STATUSES: patternVar(
      '200-299',
      /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/,
      'codes or ranges like 200-299,304',
    ),
    /** How nudges are sent: email through SMTP or SendGrid, SMS through Twilio. */
    NUDGE_EMAIL_TRANSPORT: enumVar('smtp', ['smtp', 'sendgrid']),
    SMTP_URL: urlVar('smtp://127.0.0.1:1025', ['smtp:', 'smtps:'], { secret: true }),
    NUDGE_FROM_EMAIL: patternVar('ops-cockpit@example.test', /^[^\s@]+@[^\s@]+$/, 'an e-mail address'),
    SENDGRID_API_URL: urlVar('https://api.sendgrid.com', ['http:', 'https:']),
    SENDGRID_API_KEY: stringVar(),
    TWILIO_API_URL: urlVar('https://api.twilio.com', ['http:', 'https:']),
    TWILIO_ACCOUNT_SID: stringVar(),
    TWILIO_AUTH_TOKEN: stringVar(),
    TWILIO_FROM_NUMBER: stringVar(),
    /**
     * Retention, in days, applied hourly by the housekeeping job (0 keeps forever); docs/configuration.md says why
     * each default. Incidents: resolved ones only, by resolved_at; nudges: sent or failed ones only.
     */
    RETENTION_PROBE_LOGS_DAYS: keepDays(7, 'provider_health_logs'),
    RETENTION_RESOLVED_INCIDENTS_DAYS: keepDays(90, 'incidents'),
    RETENTION_NUDGES_DAYS: keepDays(90, 'nudges'),
    RETENTION_CHAOS_EVENTS_DAYS: keepDays(90, 'chaos_events'),
    RETENTION_HOURLY_ROLLUP_DAYS: keepDays(30, 'activity_hourly'),
    RETENTION_DEAD_LETTERS_DAYS: keepDays(14, 'ingest_dead_letter'),
    /** Rows one retention DELETE removes (one short transaction each). */
    RETENTION_BATCH_SIZE: intVar(2_000, 100, 10_000),
  })
  .superRefine((env, ctx) => {
    // A day of budget is a whole number of short windows (96 quarter hours), as at Strava: otherwise the windows
    // straddle the day's reset and a window's allowance would be granted against two days.
    const { PROVIDER_BUDGET_WINDOW_SECONDS: window, PROVIDER_BUDGET_DAY_SECONDS: day } = env;
    if (day % window !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['PROVIDER_BUDGET_DAY_SECONDS'],
        message: `expected a multiple of PROVIDER_BUDGET_WINDOW_SECONDS (${window}), got ${day}`,
      });
    }
  });

export const simulatorEnvSchema = z.object({
  LOG_LEVEL: baseEnvSchema.shape.LOG_LEVEL,
  SIMULATOR_HOST: patternVar('127.0.0.1', HOST_PATTERN, 'a host name or IP address'),
  SIMULATOR_PORT: intVar(9400, 1, 65535),
  /** Where the traffic generator posts webhooks. */
  EXPORTER_URL: urlVar('http://127.0.0.1:8080', ['http:', 'https:']),
  /** Webhook events per second the traffic generator sends; 0 turns it off. */
  SIMULATOR_RATE: numberVar(2, 0, 10_000),
  /**
   * Strava's application limits the fake Strava enforces (overall, reads), `<15-minute>,<daily>`: answers carry
   * the four rate-limit headers and a request over a limit gets Strava's 429. Unset: unlimited, no headers.
   */
  SIMULATOR_STRAVA_RATE_LIMITS: windowLimitsVar(undefined),
  SIMULATOR_STRAVA_READ_RATE_LIMITS: windowLimitsVar(undefined),
  /** The fake Strava's window lengths (900 and 86400 as Strava's; shorter to compress time in tests). */
  SIMULATOR_STRAVA_WINDOW_SECONDS: intVar(900, 1, 86_400),
  SIMULATOR_STRAVA_DAY_SECONDS: intVar(86_400, 1, 86_400),
  DEMO: boolVar(true),
});

export type BaseEnv = z.infer<typeof baseEnvSchema>;

/** Thrown by loadEnv with one line per bad variable, each naming the variable and why. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Validates `env` against a schema; pure, so tests pass a plain object. */
export function loadEnv<S extends z.ZodType<unknown, Record<string, string | undefined>>>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data as z.infer<S>;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new ConfigError(problems);
}

/** The connection settings of base config, with credentials wrapped so they never reach a log. */
export interface Connections {
  databaseUrl: Secret;
  databasePoolMax: number;
  redisUrl: Secret;
  /** Redis Cluster seed nodes; empty: the one Redis at redisUrl. */
  redisClusterNodes: RedisNode[];
  redisPrefix: string;
}

export function connectionsFrom(env: BaseEnv): Connections {
  return {
    databaseUrl: new Secret(env.DATABASE_URL as string),
    databasePoolMax: env.DATABASE_POOL_MAX,
    redisUrl: new Secret(env.REDIS_URL as string),
    redisClusterNodes: env.REDIS_CLUSTER_NODES,
    redisPrefix: env.REDIS_PREFIX,
  };
}

/** What a process logs about its settings at start: URLs with passwords masked. */
export function describeConnections(c: Connections): Record<string, string> {
  return {
    database: redactUrl(c.databaseUrl.reveal()),
    redis: c.redisClusterNodes.length
      ? `cluster ${c.redisClusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`
      : redactUrl(c.redisUrl.reveal()),
    redisPrefix: c.redisPrefix,
  };
}

/**
 * Entry points call this: on a bad setting it prints each problem on its own line to stderr and exits 2,
 * the conventional code for a usage error, so supervisors can tell it from a crash.
 */
export function loadEnvOrExit<S extends z.ZodType<unknown, Record<string, string | undefined>>>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  try {
    return loadEnv(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.problems) process.stderr.write(`${line}\n`);
      process.exit(2);
    }
    throw err;
  }
}
