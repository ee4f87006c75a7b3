import { Counter, Gauge, type Registry } from 'prom-client';
import { CHAOS_MODES, CHAOS_TARGETS, type ChaosFlags } from '@ops-cockpit/core';

/**
 * `ops_chaos_active{mode,target}` is read from this process's memory at scrape time (no Redis call), every
 * pair pre-set so a cleared fault reads 0 rather than vanishing. Returns `ops_chaos_injected_total`.
 */
export function registerChaosMetrics(registry: Registry, flags: ChaosFlags): Counter<'mode' | 'provider'> {
  const registers = [registry];
  new Gauge({
    name: 'ops_chaos_active',
    help: 'Whether a Spike Lab fault of this mode and target is active in this process (1) or not (0).',
    labelNames: ['mode', 'target'],
    registers,
    collect() {
      const active = flags.active();
      for (const mode of CHAOS_MODES) {
        for (const target of CHAOS_TARGETS) {
          this.set({ mode, target }, active.some((f) => f.mode === mode && f.target === target) ? 1 : 0);
        }
      }
    },
  });
  return createChaosInjectedCounter(registry);
}

/** Requests (webhooks here, outgoing provider calls in the worker) a Spike Lab fault was applied to. */
export function createChaosInjectedCounter(registry: Registry): Counter<'mode' | 'provider'> {
  return new Counter({
    name: 'ops_chaos_injected_total',
    help: 'Requests a Spike Lab fault was applied to, by mode and provider.',
    labelNames: ['mode', 'provider'],
    registers: [registry],
  });
}
