import { setTimeout as sleep } from 'node:timers/promises';
import {
  INGEST_GROUP,
  closeRedis,
  createRedis,
  dropDatabase,
  type Provider,
  type Redis,
  type Secret,
} from '@ops-cockpit/core';
import {
  createTestRedis,
  databaseUrlFor,
  freePort,
  silentLogger,
  spawnService,
  uniqueName,
  type ServiceProcess,
} from '@ops-cockpit/core/testing';
import pg from 'pg';
import {
  SIMULATED_SENDGRID_KEY,
  createEventGenerator,
  idBaseFor,
  seedDemo,
  type Delivery,
  type EventGenerator,
  type EventMix,
  type World,
} from '../src/index.js';
import {
  ingestGroup,
  post,
  startSimulator,
  type Answer,
  type IngestGroup,
  type RunningSimulator,
} from './helpers.js';

/**
 * The fault tests' stack: the built exporter and worker as real processes, the simulator's fake providers in
 * this process (so the test shares its world with the traffic it generates), and the checks every fault test
 * ends with: what the worker stored equals what the providers hold, activity by activity, and the challenge
 * total equals the sum of live distances to the millimetre.
 */

export const FAULT_APPLE_SECRET = 'whsec_' + Buffer.from('fault-tests-apple-secret-0123').toString('base64');
export const OPERATOR_TOKEN = 'fault-operator-token-0123456789';

/** New activities only, no re-deliveries: each delivery is one activity the test can follow on its own. */
export const CREATES_ONLY: EventMix = {
  providers: { strava: 0.4, garmin: 0.35, apple_health: 0.25 },
  actions: {
    strava: { create: 1, update: 0, delete: 0, duplicate: 0 },
    garmin: { push: 1, ping: 0, update: 0, duplicate: 0 },
    apple_health: { create: 1, update: 0, delete: 0, duplicate: 0 },
  },
};

export interface StackOptions {
  databaseUrl: Secret;
  redisUrl: Secret;
  redisPrefix: string;
  exporterEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  /** Start the worker with the stack (default), or leave it to the test. */
  worker?: boolean;
}

export class FaultStack {
  exporter!: ServiceProcess;
  worker!: ServiceProcess;
  pool!: pg.Pool;
  sim!: RunningSimulator;
  /** A client of the stack's Redis, for looking at the stream; it waits out a Redis restart. */
  redis!: Redis;
  exporterPort!: number;
  workerPort!: number;
  /** Activities seeded before the test (provider:external id), left out of the comparison with the world. */
  seeded = new Set<string>();
  /** Run by close(), last: the test's own Redis prefix and database on the shared servers. */
  readonly #cleanups: (() => Promise<void>)[] = [];

  private constructor(private readonly opts: StackOptions) {}

  /** A stack on the machine's shared Postgres and Redis, in a database and key prefix of its own. */
  static async onSharedServers(
    label: string,
    opts: Omit<StackOptions, 'databaseUrl' | 'redisUrl' | 'redisPrefix'> = {},
  ): Promise<FaultStack> {
    const testRedis = await createTestRedis(label);
    const databaseUrl = databaseUrlFor(uniqueName(label));
    const stack = new FaultStack({
      ...opts,
      databaseUrl,
      redisUrl: testRedis.url,
      redisPrefix: testRedis.prefix,
    });
    stack.#cleanups.push(
      () => testRedis.close(),
      () => dropDatabase(databaseUrl),
    );
    return stack.#boot();
  }

  /** A stack on the given servers (a test's private ones). */
  static start(opts: StackOptions): Promise<FaultStack> {
    return new FaultStack(opts).#boot();
  }

  async #boot(): Promise<this> {
    try {
      this.redis = createRedis({
        url: this.opts.redisUrl,
        role: 'blocking',
        logger: silentLogger,
        name: 'fault',
      });
      this.sim = await startSimulator();
      this.exporterPort = await freePort();
      this.workerPort = await freePort();
      await this.startExporter();
      this.pool = new pg.Pool({ connectionString: this.opts.databaseUrl.reveal(), max: 4 });
      // A server that a test stops ends the sessions of this pool too; that is expected here.
      this.pool.on('error', () => undefined);
      this.pool.on('connect', (client) => client.on('error', () => undefined));
      // Linked accounts (with the tokens the simulator accepts) must exist before deliveries arrive.
      await seedDemo(this.pool, { users: 10, days: 1 });
      const { rows } = await this.pool.query<{ key: string }>(
        `SELECT provider || ':' || external_id AS key FROM activities`,
      );
      this.seeded = new Set(rows.map((r) => r.key));
      if (this.opts.worker !== false) await this.startWorker();
      return this;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  get exporterUrl(): string {
    return `http://127.0.0.1:${this.exporterPort}`;
  }

  get workerUrl(): string {
    return `http://127.0.0.1:${this.workerPort}`;
  }

  private common(): Record<string, string> {
    return {
      DATABASE_URL: this.opts.databaseUrl.reveal(),
      REDIS_URL: this.opts.redisUrl.reveal(),
      REDIS_PREFIX: this.opts.redisPrefix,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
    };
  }

  /** Starts an exporter on the stack's port (the same one after a restart, as behind a load balancer). */
  async startExporter(): Promise<ServiceProcess> {
    this.exporter = spawnService('exporter', {
      ...this.common(),
      PORT: String(this.exporterPort),
      APPLE_HEALTH_WEBHOOK_SECRET: FAULT_APPLE_SECRET,
      OPS_OPERATOR_TOKENS: `ops:${OPERATOR_TOKEN}`,
      ...this.opts.exporterEnv,
    });
    await this.exporter.waitForLog('exporter listening');
    return this.exporter;
  }

  async startWorker(): Promise<ServiceProcess> {
    this.worker = spawnService('worker', {
      ...this.common(),
      WORKER_METRICS_PORT: String(this.workerPort),
      STRAVA_API_URL: this.sim.url,
      PROVIDER_TIMEOUT_MS: '3000',
      INGEST_CLAIM_IDLE_MS: '500',
      NUDGE_EMAIL_TRANSPORT: 'sendgrid',
      SENDGRID_API_URL: this.sim.url,
      SENDGRID_API_KEY: SIMULATED_SENDGRID_KEY,
      ...this.opts.workerEnv,
    });
    await this.worker.waitForLog('worker running');
    return this.worker;
  }

  /** Traffic from the simulator's generator: each delivery changes the world first, as a provider would. */
  generator(seed: number, mix: EventMix = CREATES_ONLY): EventGenerator {
    return createEventGenerator({
      world: this.sim.world,
      seed,
      simulatorUrl: this.sim.url,
      subscriptionId: 0,
      appleSecret: FAULT_APPLE_SECRET,
      mix,
      idBase: idBaseFor(Date.now()) + seed * 10_000,
    });
  }

  /** Ingest entries not acknowledged yet: read-but-unfinished plus unread. */
  async pending(): Promise<number> {
    return (await this.group()).pending;
  }

  group(): Promise<IngestGroup> {
    return ingestGroup(this.redis, this.opts.redisPrefix);
  }

  /** Entries delivered to the worker process `pid` and not acknowledged: what its end leaves behind. */
  async unacknowledgedOf(pid: number): Promise<number> {
    const stream = `${this.opts.redisPrefix}:ingest`;
    const consumers = (await this.redis.xinfo('CONSUMERS', stream, INGEST_GROUP)) as unknown[][];
    const mine = consumers.find((c) => String(c[c.indexOf('name') + 1]).includes(`-${pid}-`));
    return mine ? Number(mine[mine.indexOf('pending') + 1]) : 0;
  }

  /** A key of the stack's Redis (its prefix added). */
  key(suffix: string): string {
    return `${this.opts.redisPrefix}:${suffix}`;
  }

  /** A process that exited when it should not have, with what it said: a fault test's first suspect. */
  crashed(): string[] {
    return [this.exporter, this.worker].flatMap((p, i) =>
      p && p.child.exitCode !== null
        ? [
            `${i ? 'worker' : 'exporter'} exited ${p.child.exitCode}: ${p.stderr()} ${p.stdout().slice(-1500)}`,
          ]
        : [],
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.exporter?.stop(), this.worker?.stop()]);
    await this.pool?.end();
    await this.sim?.close();
    if (this.redis) await closeRedis(this.redis);
    for (const cleanup of this.#cleanups.splice(0)) await cleanup();
  }
}

/** Activities (provider:external id) a delivery creates; Garmin pings name theirs only in the callback. */
export function activityKeys(d: Delivery): string[] {
  const body = JSON.parse(d.body) as Record<string, unknown>;
  if (d.provider === 'strava') return [`strava:${(body as { object_id: number }).object_id}`];
  if (d.provider === 'garmin') {
    const entries = (body as { activities: { summaryId?: string }[] }).activities;
    return entries.flatMap((a) => (a.summaryId ? [`garmin:${a.summaryId}`] : []));
  }
  return (body as { workouts: { id: string }[] }).workouts.map((w) => `apple_health:${w.id}`);
}

export interface Exactness {
  /** global_stats.total_meters, as Postgres prints it (numeric: compared exactly). */
  storedMeters: string;
  /** SUM(distance_m) of live activities. */
  liveMeters: string;
  storedCount: number;
  liveCount: number;
}

export async function exactness(pool: pg.Pool): Promise<Exactness> {
  const { rows } = await pool.query<Exactness>(`
    SELECT (SELECT total_meters FROM global_stats)::text AS "storedMeters",
           (SELECT coalesce(sum(distance_m), 0) FROM activities WHERE deleted_at IS NULL)::numeric(20, 3)::text
             AS "liveMeters",
           (SELECT activity_count FROM global_stats)::int AS "storedCount",
           (SELECT count(*) FROM activities WHERE deleted_at IS NULL)::int AS "liveCount"`);
  return rows[0]!;
}

export interface WorldComparison {
  /** Live at the provider, not live (or absent) in Postgres: an event lost. */
  lost: string[];
  /** Live in Postgres, not at the provider: an event applied that should not have been (or a lost delete). */
  unexpected: string[];
  /** In both, with another distance: an update lost or applied out of order. */
  wrongDistance: string[];
  /** Activities compared (live at the provider). */
  live: number;
  /** Σ distance of the provider's live activities, in millimetres. */
  liveMm: number;
}

/**
 * Every activity the traffic created, compared with the simulated providers' truth: the world holds what each
 * provider would return now, so after every delivery was applied the database must hold exactly that.
 */
export async function compareWithWorld(
  pool: pg.Pool,
  world: World,
  seeded: ReadonlySet<string>,
): Promise<WorldComparison> {
  const { rows } = await pool.query<{ provider: Provider; id: string; mm: string; live: boolean }>(
    `SELECT provider, external_id AS id, (distance_m * 1000)::bigint::text AS mm, deleted_at IS NULL AS live
       FROM activities`,
  );
  const result: WorldComparison = { lost: [], unexpected: [], wrongDistance: [], live: 0, liveMm: 0 };
  const seen = new Map<Provider, number>();
  for (const r of rows) {
    const key = `${r.provider}:${r.id}`;
    if (seeded.has(key)) continue;
    const truth = world.activity(r.provider, r.id);
    if (!truth) {
      if (r.live) result.unexpected.push(key);
      continue;
    }
    seen.set(r.provider, (seen.get(r.provider) ?? 0) + 1);
    if (!r.live) {
      result.lost.push(key);
      continue;
    }
    const mm = Math.round(truth.distanceM * 1000);
    if (String(mm) !== r.mm) result.wrongDistance.push(key);
    result.live += 1;
    result.liveMm += mm;
  }
  // Live at the provider but never written at all.
  for (const provider of ['strava', 'garmin', 'apple_health'] as const) {
    const missing = world.liveCount(provider) - (seen.get(provider) ?? 0);
    for (let i = 0; i < missing; i++) result.lost.push(`${provider}:(never written)`);
  }
  return result;
}

export interface Sent {
  delivery: Delivery;
  answer: Answer;
  /** When the answer (or the network error) came, ms since the epoch. */
  at: number;
  /** How long the answer took. */
  ms: number;
}

/**
 * Webhook traffic as providers send it, until stopped: `lanes` concurrent senders, each pausing `pauseMs`
 * between deliveries. Every delivery and its answer is kept, so a test can tell what was acknowledged.
 */
export class Load {
  readonly sent: Sent[] = [];
  #running = false;
  #lanes: Promise<void>[] = [];

  constructor(
    private readonly url: () => string,
    private readonly generator: EventGenerator,
    private readonly opts: { lanes: number; pauseMs: number },
  ) {}

  start(): this {
    this.#running = true;
    this.#lanes = Array.from({ length: this.opts.lanes }, async () => {
      while (this.#running) {
        const delivery = this.generator.next(Date.now());
        const started = Date.now();
        const answer = await post(this.url(), delivery);
        this.sent.push({ delivery, answer, at: Date.now(), ms: Date.now() - started });
        await sleep(this.opts.pauseMs);
      }
    });
    return this;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#lanes);
  }

  /** Resolves once `n` more answers have come in. */
  async answered(n: number): Promise<void> {
    const target = this.sent.length + n;
    while (this.sent.length < target) await sleep(10);
  }

  /** Counts answers by status (0 = network error), optionally only those in [from, to). */
  statuses(from = 0, to = Infinity): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const s of this.sent) {
      if (s.at < from || s.at >= to) continue;
      const key = s.answer.status === 0 ? `error:${s.answer.error}` : String(s.answer.status);
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }
}

/** Runs `fault` while `load` sends traffic; the load stops however the fault ends. */
export async function underLoad<T>(load: Load, fault: (load: Load) => Promise<T>): Promise<T> {
  load.start();
  try {
    return await fault(load);
  } finally {
    await load.stop();
  }
}

/**
 * What a provider does with a delivery that got no 2xx: sends it again (here at once, over and over, until
 * the exporter takes it). Returns how many sends that took.
 */
export async function redeliver(
  url: string,
  deliveries: readonly Delivery[],
  timeoutMs = 20_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let sends = 0;
  for (const d of deliveries) {
    for (;;) {
      sends += 1;
      const answer = await post(url, d);
      if (answer.status >= 200 && answer.status < 300) break;
      if (Date.now() > deadline) throw new Error(`delivery never accepted: ${JSON.stringify(answer)}`);
      await sleep(50);
    }
  }
  return sends;
}

/** The provider account a delivery belongs to (Strava athlete, Garmin user, Apple user). */
function accountOf(d: Delivery): string {
  const body = JSON.parse(d.body) as Record<string, unknown>;
  if (d.provider === 'strava') return `strava:${(body as { owner_id: number }).owner_id}`;
  if (d.provider === 'garmin')
    return `garmin:${(body as { activities: { userId: string }[] }).activities[0]!.userId}`;
  return `apple_health:${(body as { workouts: { userId: string }[] }).workouts[0]!.userId}`;
}

/**
 * Posts deliveries over `lanes` connections while keeping each provider account's deliveries in their order
 * (one lane per account), as a provider sends them. Answers in the order of `deliveries`.
 */
export async function postInOrder(
  url: string,
  deliveries: readonly Delivery[],
  lanes: number,
): Promise<Answer[]> {
  const answers: Answer[] = new Array(deliveries.length);
  const queues: number[][] = Array.from({ length: lanes }, () => []);
  deliveries.forEach((d, i) => {
    const key = accountOf(d);
    let hash = 0;
    for (const c of key) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    queues[hash % lanes]!.push(i);
  });
  await Promise.all(
    queues.map(async (queue) => {
      for (const i of queue) answers[i] = await post(url, deliveries[i]!);
    }),
  );
  return answers;
}

/** Sum of a metric's samples whose labels include `labels`, from a Prometheus text page. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[3]);
  }
  return sum;
}

export async function scrape(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** One line a fault test prints, so its figures can be read off the jest output (and quoted in README). */
export function report(test: string, figures: Record<string, unknown>): void {
  const text = Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  process.stdout.write(`FAULT ${test}: ${text}\n`);
}
