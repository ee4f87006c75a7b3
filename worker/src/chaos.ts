import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, type Registry } from 'prom-client';
import {
  createChaosFlags,
  createChaosStore,
  createRedis,
  type ChaosFlags,
  type Logger,
  type Provider,
  type Redis,
  type RedisNode,
  type RedisKeys,
  type Secret,
} from '@ops-cockpit/core';
import type { ProbeCall } from './probes/http-probe.js';
import type { ProviderCall } from './providers/calls.js';
import { ProviderError, failureOfStatus } from './providers/errors.js';

/** An injected provider answer: the call is not made and behaves as if the provider sent this status. */
export interface InjectedAnswer {
  status: 503 | 429;
  retryAfterSeconds: number;
}

/**
 * Spike Lab target `provider`, called before each outgoing call to a provider (probes and activity fetches):
 * waits out an injected delay, then returns the answer to fake, or undefined to make the call for real.
 */
export type ProviderChaosGate = (provider: Provider) => Promise<InjectedAnswer | undefined>;

export function providerChaosGate(
  flags: Pick<ChaosFlags, 'decide'>,
  injected: Counter<'mode' | 'provider'>,
): ProviderChaosGate {
  return async (provider) => {
    const decision = flags.decide('provider', provider);
    if (decision.injected.length === 0) return undefined;
    for (const mode of decision.injected) injected.inc({ mode, provider });
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    return decision.abort
      ? { status: decision.abort.status, retryAfterSeconds: decision.abort.retryAfterSeconds }
      : undefined;
  };
}

/**
 * Spike Lab's one seam into outgoing provider calls: wraps a call so target `provider` may delay it or answer it
 * with an injected 503/429 (a ProviderError, as a real one would be) instead of making it.
 */
export function withProviderChaos(gate: ProviderChaosGate, call: ProviderCall): ProviderCall {
  return async (provider, url, init, onHeaders) => {
    const injected = await gate(provider);
    if (injected) {
      const message = `${init?.method ?? 'GET'} ${url}: HTTP ${injected.status} (injected by Spike Lab)`;
      throw new ProviderError(failureOfStatus(injected.status)!, message, injected.retryAfterSeconds);
    }
    return call(provider, url, init, onHeaders);
  };
}

/**
 * The same seam for health probes: target `provider` may delay a probe or answer it with an injected 503/429,
 * which the runner then logs and reacts to exactly as if the provider had sent it.
 */
export function withProbeChaos(gate: ProviderChaosGate, call: ProbeCall): ProbeCall {
  return async (provider, req) => {
    const injected = await gate(provider);
    if (!injected) return call(provider, req);
    return {
      kind: 'answered',
      status: injected.status,
      retryAfter: String(injected.retryAfterSeconds),
      marks: { firstByte: 0, end: 0 },
      // Injected: no provider figures to report.
      headers: new Headers(),
    };
  };
}

export interface WorkerChaos {
  flags: ChaosFlags;
  gate: ProviderChaosGate;
}

/** The worker's read-only view of the faults (it never changes them) and the injected-calls counter. */
export function createWorkerChaos(opts: {
  enabled: boolean;
  refreshMs: number;
  /** CHAOS_MAX_ACTIVE; the worker only reads, but the store checks it. */
  maxActive: number;
  redis: Redis;
  redisUrl: Secret;
  /** REDIS_CLUSTER_NODES (empty: one Redis). */
  redisClusterNodes?: readonly RedisNode[];
  keys: RedisKeys;
  registry: Registry;
  logger: Logger;
}): WorkerChaos {
  const flags = createChaosFlags({
    enabled: opts.enabled,
    store: createChaosStore({ redis: opts.redis, keys: opts.keys, maxActive: opts.maxActive }),
    connectSubscriber: () =>
      createRedis({
        url: opts.redisUrl,
        clusterNodes: opts.redisClusterNodes,
        role: 'blocking',
        logger: opts.logger,
        name: 'worker-chaos',
      }),
    channel: opts.keys.chaosChannel,
    refreshMs: opts.refreshMs,
    logger: opts.logger,
  });
  const injected = new Counter({
    name: 'ops_chaos_injected_total',
    help: 'Requests a Spike Lab fault was applied to, by mode and provider.',
    labelNames: ['mode', 'provider'],
    registers: [opts.registry],
  });
  return { flags, gate: providerChaosGate(flags, injected) };
}
