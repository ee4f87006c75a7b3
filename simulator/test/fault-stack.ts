import {
  INGEST_GROUP,
  closeRedis,
  createRedis,
  createRedisKeys,
  dropDatabase,
  type Redis,
  type RedisKeys,
  type RedisNode,
  type Secret,
} from '@ops-cockpit/core';
import {
  createTestRedis,
  databaseUrlFor,
  freePort,
  silentLogger,
  spawnService,
  uniqueName,
  type PrivateCluster,
  type ServiceProcess,
} from '@ops-cockpit/core/testing';
import pg from 'pg';
import {
  SIMULATED_SENDGRID_KEY,
  createEventGenerator,
  idBaseFor,
  seedDemo,
  type EventGenerator,
  type EventMix,
} from '../src/index.js';
import { ingestGroup, startSimulator, type IngestGroup, type RunningSimulator } from './helpers.js';

/**
 * The fault tests' stack: the built exporter and worker as real processes, the simulator's fake providers in
 * this process (so the test shares its world with the traffic it generates). The checks every fault test ends
 * with are in fault-world.ts, the traffic in fault-load.ts.
 */

export const FAULT_APPLE_SECRET = 'whsec_' + Buffer.from('fault-tests-apple-secret-0123').toString('base64');
export const OPERATOR_TOKEN = 'fault-operator-token-0123456789';
export const FAULT_POLAR_SECRET = 'fault-tests-polar-signature-key';

/** New activities only, no re-deliveries: each delivery is one activity the test can follow on its own. */
export const CREATES_ONLY: EventMix = {
  providers: { strava: 0.4, garmin: 0.35, apple_health: 0.25, polar: 0 },
  actions: {
    strava: { create: 1, update: 0, delete: 0, duplicate: 0 },
    garmin: { push: 1, ping: 0, update: 0, duplicate: 0 },
    apple_health: { create: 1, update: 0, delete: 0, duplicate: 0 },
    polar: { create: 1, duplicate: 0 },
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
  /** Polar too: its webhook secret on the exporter, the simulator's AccessLink for the worker, its traffic. */
  polar?: boolean;
  /** REDIS_CLUSTER_NODES: the stack runs on this Redis Cluster (redisUrl then gives no host). */
  redisClusterNodes?: RedisNode[];
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

  /** A stack on a test's own Redis Cluster, with a database of its own on the shared Postgres. */
  static async onCluster(
    label: string,
    cluster: PrivateCluster,
    opts: Omit<StackOptions, 'databaseUrl' | 'redisUrl' | 'redisPrefix' | 'redisClusterNodes'> = {},
  ): Promise<FaultStack> {
    const databaseUrl = databaseUrlFor(uniqueName(label));
    const stack = new FaultStack({
      ...opts,
      databaseUrl,
      redisUrl: cluster.servers[0]!.url,
      redisClusterNodes: cluster.nodes,
      redisPrefix: uniqueName(label),
    });
    stack.#cleanups.push(() => dropDatabase(databaseUrl));
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
        clusterNodes: this.opts.redisClusterNodes,
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
      REDIS_CLUSTER_NODES: (this.opts.redisClusterNodes ?? []).map((n) => `${n.host}:${n.port}`).join(','),
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
    };
  }

  /**
   * Starts an exporter on the stack's port (the same one after a restart, as behind a load balancer); `env` adds
   * to the stack's exporter settings for this start.
   */
  async startExporter(env: Record<string, string> = {}): Promise<ServiceProcess> {
    this.exporter = spawnService('exporter', {
      ...this.common(),
      PORT: String(this.exporterPort),
      APPLE_HEALTH_WEBHOOK_SECRET: FAULT_APPLE_SECRET,
      OPS_OPERATOR_TOKENS: `ops:${OPERATOR_TOKEN}`,
      ...(this.opts.polar ? { POLAR_WEBHOOK_SECRET: FAULT_POLAR_SECRET } : {}),
      ...this.opts.exporterEnv,
      ...env,
    });
    await this.exporter.waitForLog('exporter listening');
    return this.exporter;
  }

  async startWorker(): Promise<ServiceProcess> {
    this.worker = spawnService('worker', {
      ...this.common(),
      WORKER_METRICS_PORT: String(this.workerPort),
      STRAVA_API_URL: this.sim.url,
      GARMIN_API_HOSTS: this.sim.url,
      PROVIDER_TIMEOUT_MS: '3000',
      INGEST_CLAIM_IDLE_MS: '500',
      NUDGE_EMAIL_TRANSPORT: 'sendgrid',
      SENDGRID_API_URL: this.sim.url,
      SENDGRID_API_KEY: SIMULATED_SENDGRID_KEY,
      ...(this.opts.polar ? { POLAR_API_URL: this.sim.url } : {}),
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
      ...(this.opts.polar ? { polarSecret: FAULT_POLAR_SECRET } : {}),
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
    const stream = this.keys.ingestStream;
    const consumers = (await this.redis.xinfo('CONSUMERS', stream, INGEST_GROUP)) as unknown[][];
    const mine = consumers.find((c) => String(c[c.indexOf('name') + 1]).includes(`-${pid}-`));
    return mine ? Number(mine[mine.indexOf('pending') + 1]) : 0;
  }

  /** The keys of the stack's Redis, under its prefix. */
  get keys(): RedisKeys {
    return createRedisKeys(this.opts.redisPrefix);
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
