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
 * The fault tests' stack: the built exporter and worker as real processes (one of each, or several replicas of
 * both on the same database and key prefix), the simulator's fake providers in this process (so the test shares
 * its world with the traffic it generates). The checks every fault test ends with are in fault-world.ts, the
 * traffic in fault-load.ts.
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
  /** The workers' extra settings; as a function, of the running simulator (its address, its tokens). */
  workerEnv?: Record<string, string> | ((sim: RunningSimulator) => Record<string, string>);
  /** Exporter replicas, each on a port of its own (default 1). */
  exporters?: number;
  /** Workers started with the stack (default 1); 0 leaves them to the test. */
  workers?: number;
  /** Polar too: its webhook secret on the exporter, the simulator's AccessLink for the worker, its traffic. */
  polar?: boolean;
  /** REDIS_CLUSTER_NODES: the stack runs on this Redis Cluster (redisUrl then gives no host). */
  redisClusterNodes?: RedisNode[];
}

export class FaultStack {
  /** Exporter replicas by index; a restarted one takes its predecessor's place (and port). */
  readonly exporters: ServiceProcess[] = [];
  readonly exporterPorts: number[] = [];
  /** Every worker started, in order (a killed one stays listed); each serves metrics on a port of its own. */
  readonly workers: ServiceProcess[] = [];
  readonly workerPorts: number[] = [];
  pool!: pg.Pool;
  sim!: RunningSimulator;
  /** A client of the stack's Redis, for looking at the stream; it waits out a Redis restart. */
  redis!: Redis;
  /** Activities seeded before the test (provider:external id), left out of the comparison with the world. */
  seeded = new Set<string>();
  /** Run by close(), last: the test's own Redis prefix and database on the shared servers. */
  readonly #cleanups: (() => Promise<void>)[] = [];
  /** Processes the test ended on purpose (kill): not crashes. */
  readonly #ended = new Set<ServiceProcess>();

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
      this.redis = this.connectRedis('fault');
      this.sim = await startSimulator();
      // Replicas start together, as a deployment's do (migrations serialise on their advisory lock).
      await Promise.all(Array.from({ length: this.opts.exporters ?? 1 }, (_, i) => this.startExporter(i)));
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
      await Promise.all(Array.from({ length: this.opts.workers ?? 1 }, () => this.startWorker()));
      return this;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** The first exporter: the only one, unless the stack has replicas. */
  get exporter(): ServiceProcess {
    return this.exporters[0]!;
  }

  /** The worker started last. */
  get worker(): ServiceProcess {
    return this.workers.at(-1)!;
  }

  get exporterUrl(): string {
    return this.exporterUrls[0]!;
  }

  /** Every exporter replica's address, by index (a killed one's included). */
  get exporterUrls(): string[] {
    return this.exporterPorts.map((port) => `http://127.0.0.1:${port}`);
  }

  /** The metrics address of the worker started last. */
  get workerUrl(): string {
    return this.workerUrlOf(this.workers.length - 1);
  }

  workerUrlOf(index: number): string {
    return `http://127.0.0.1:${this.workerPorts[index]}`;
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
   * Starts exporter replica `index` on its port (the same one after a restart, as behind a load balancer); a
   * new index gets a free port. `env` adds to the stack's exporter settings for this start.
   */
  async startExporter(index = 0, env: Record<string, string> = {}): Promise<ServiceProcess> {
    const port = (this.exporterPorts[index] ??= await freePort());
    const exporter = spawnService('exporter', {
      ...this.common(),
      PORT: String(port),
      APPLE_HEALTH_WEBHOOK_SECRET: FAULT_APPLE_SECRET,
      OPS_OPERATOR_TOKENS: `ops:${OPERATOR_TOKEN}`,
      ...(this.opts.polar ? { POLAR_WEBHOOK_SECRET: FAULT_POLAR_SECRET } : {}),
      ...this.opts.exporterEnv,
      ...env,
    });
    this.exporters[index] = exporter;
    await exporter.waitForLog('exporter listening', 30_000);
    return exporter;
  }

  /** Starts one more worker, beside those running. */
  async startWorker(): Promise<ServiceProcess> {
    const port = await freePort();
    const worker = spawnService('worker', {
      ...this.common(),
      WORKER_METRICS_PORT: String(port),
      STRAVA_API_URL: this.sim.url,
      GARMIN_API_HOSTS: this.sim.url,
      PROVIDER_TIMEOUT_MS: '3000',
      INGEST_CLAIM_IDLE_MS: '500',
      NUDGE_EMAIL_TRANSPORT: 'sendgrid',
      SENDGRID_API_URL: this.sim.url,
      SENDGRID_API_KEY: SIMULATED_SENDGRID_KEY,
      ...(this.opts.polar ? { POLAR_API_URL: this.sim.url } : {}),
      ...(typeof this.opts.workerEnv === 'function' ? this.opts.workerEnv(this.sim) : this.opts.workerEnv),
    });
    this.workers.push(worker);
    this.workerPorts.push(port);
    await worker.waitForLog('worker running', 30_000);
    return worker;
  }

  /** Ends `process` with `signal` (SIGKILL: no shutdown at all) and waits for its exit; not counted as a crash. */
  async kill(process: ServiceProcess, signal: NodeJS.Signals = 'SIGKILL') {
    this.#ended.add(process);
    return process.stop(signal);
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

  /** A connection to the stack's Redis (its own, or another one: a subscription needs its own), closed with the stack. */
  connectRedis(name = 'fault-extra'): Redis {
    const client = createRedis({
      url: this.opts.redisUrl,
      clusterNodes: this.opts.redisClusterNodes,
      role: 'blocking',
      logger: silentLogger,
      name,
    });
    this.#cleanups.unshift(() => closeRedis(client));
    return client;
  }

  /** The keys of the stack's Redis, under its prefix. */
  get keys(): RedisKeys {
    return createRedisKeys(this.opts.redisPrefix);
  }

  /**
   * A process that exited when it should not have, with what it said: a fault test's first suspect. Processes
   * ended through kill() are not counted.
   */
  crashed(): string[] {
    const all = [
      ...this.exporters.map((p, i) => [`exporter ${i}`, p] as const),
      ...this.workers.map((p, i) => [`worker ${i}`, p] as const),
    ];
    return all.flatMap(([name, p]) =>
      !this.#ended.has(p) && p.child.exitCode !== null
        ? [`${name} exited ${p.child.exitCode}: ${p.stderr()} ${p.stdout().slice(-1500)}`]
        : [],
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.exporters, ...this.workers].map((p) => p.stop()));
    await this.pool?.end();
    await this.sim?.close();
    for (const cleanup of this.#cleanups.splice(0)) await cleanup();
  }
}
