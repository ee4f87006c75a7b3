import { Gauge, type Registry } from 'prom-client';
import type { BudgetWindowLengths, Logger, Provider } from '@ops-cockpit/core';
import { catchUpSeconds, type BudgetLedger } from './budget-ledger.js';

/**
 * The budgets as Prometheus sees them, read from the shared ledger at scrape time (so every worker reports the
 * same figures): `ops_provider_rate_limit_limit` and `ops_provider_rate_limit_usage` per provider, window and
 * class; this worker's entries waiting for a budget (`ops_ingest_budget_waiting`) and when they should all have
 * gone out (`ops_provider_budget_catchup_seconds`). A failed read keeps the last values.
 */
export function registerBudgetMetrics(
  registry: Registry,
  deps: {
    ledger: BudgetLedger;
    waiting: () => Map<Provider, number>;
    lengths: BudgetWindowLengths;
    reservePercent: number;
    logger: Logger;
    now?: () => number;
  },
): void {
  const now = deps.now ?? Date.now;
  const registers = [registry];
  const labelNames = ['provider', 'window', 'class'] as const;
  // The first of the four to be collected reads the ledger for all of them (a registry collects in order).
  const limit: Gauge<(typeof labelNames)[number]> = new Gauge({
    name: 'ops_provider_rate_limit_limit',
    help: "A provider's request limit per window (15m, day) and class (overall, read): its answers' figures, else the configured ones.",
    labelNames,
    registers,
    collect: () => refresh(),
  });
  const usage = new Gauge({
    name: 'ops_provider_rate_limit_usage',
    help: "Requests counted against a provider's limit in the current window, by every worker (and as the provider reports).",
    labelNames,
    registers,
  });
  const waiting = new Gauge({
    name: 'ops_ingest_budget_waiting',
    help: "Ingest entries this worker has set aside until their provider's budget window reopens.",
    labelNames: ['provider'],
    registers,
  });
  const catchUp = new Gauge({
    name: 'ops_provider_budget_catchup_seconds',
    help: 'Estimated seconds until the entries waiting for a budget have all gone out (0 when none wait).',
    labelNames: ['provider'],
    registers,
  });
  async function refresh(): Promise<void> {
    const counts = deps.waiting();
    for (const provider of deps.ledger.budgeted) {
      try {
        const figures = await deps.ledger.figures(provider);
        for (const f of figures) {
          const labels = { provider, window: f.window, class: f.cls };
          if (f.limit !== undefined) limit.set(labels, f.limit);
          usage.set(labels, f.used);
        }
        const n = counts.get(provider) ?? 0;
        waiting.set({ provider }, n);
        // Ingestion's calls are reads where the provider limits reads (Strava); else the overall budget binds.
        const binding = figures.some((f) => f.cls === 'read' && f.limit !== undefined) ? 'read' : 'overall';
        catchUp.set(
          { provider },
          catchUpSeconds(figures, binding, n, deps.lengths, deps.reservePercent, now()),
        );
      } catch (err) {
        deps.logger.warn({ err: (err as Error).message, provider }, 'budget metrics not refreshed');
      }
    }
  }
}
