import {
  createChaosFlags,
  createChaosStore,
  createRedis,
  type ChaosFlags,
  type ChaosStore,
  type Logger,
  type Pool,
  type Redis,
  type RedisNode,
  type RedisKeys,
  type Secret,
} from '@ops-cockpit/core';
import type { Counter, Registry } from 'prom-client';
import type { OperatorTokens } from '../auth/operators.js';
import { registerChaosMetrics } from './metrics.js';

/** What the chaos routes and the webhook path need. */
export interface ChaosDeps {
  /** CHAOS_ENABLED: while false, mutations answer 403 and `flags` never applies a fault. */
  enabled: boolean;
  store: ChaosStore;
  flags: ChaosFlags;
  /** Where the `chaos_events` audit rows go. */
  pool: Pool;
  operators: OperatorTokens;
  /** `ops_chaos_injected_total{mode,provider}`. */
  injected: Counter<'mode' | 'provider'>;
  now?: () => number;
}

/** Wires them from settings; call `flags.start()` once the process is up and `flags.close()` at shutdown. */
export function createChaosDeps(opts: {
  enabled: boolean;
  maxActive: number;
  refreshMs: number;
  redis: Redis;
  /** For the dedicated subscriber connection. */
  redisUrl: Secret;
  /** REDIS_CLUSTER_NODES (empty: one Redis). */
  redisClusterNodes?: readonly RedisNode[];
  keys: RedisKeys;
  pool: Pool;
  operators: OperatorTokens;
  registry: Registry;
  logger: Logger;
  random?: () => number;
}): ChaosDeps {
  const store = createChaosStore({ redis: opts.redis, keys: opts.keys, maxActive: opts.maxActive });
  const flags = createChaosFlags({
    enabled: opts.enabled,
    store,
    connectSubscriber: () =>
      createRedis({
        url: opts.redisUrl,
        clusterNodes: opts.redisClusterNodes,
        role: 'blocking',
        logger: opts.logger,
        name: 'exporter-chaos',
      }),
    channel: opts.keys.chaosChannel,
    refreshMs: opts.refreshMs,
    logger: opts.logger,
    ...(opts.random ? { random: opts.random } : {}),
  });
  const injected = registerChaosMetrics(opts.registry, flags);
  return { enabled: opts.enabled, store, flags, pool: opts.pool, operators: opts.operators, injected };
}
