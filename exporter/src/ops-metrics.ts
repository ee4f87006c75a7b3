import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '@ops-cockpit/core';
import type { OpsData } from './ops-data.js';

/** The international mile; global_stats derives total_miles with the same factor. */
const METERS_PER_MILE = 1609.344;

/**
 * Scrape-time gauges of the challenge and the heatmap, read through the same (cached) paths as the API. A read
 * that fails (Postgres down) keeps the last values instead of failing the whole scrape; ops_dependency_up
 * tells Prometheus why they stopped moving.
 */
/**
 * `ops_provider_info{provider}` 1 for every provider the cockpit knows, whether or not it has had traffic yet:
 * the dashboard's provider variable lists these, so a provider that is quiet today can still be chosen.
 */
export function registerProviderInfo(registry: Registry, providers: readonly string[]): void {
  const info = new Gauge({
    name: 'ops_provider_info',
    help: 'Always 1, one series per provider the cockpit knows (the dashboard lists providers from it).',
    labelNames: ['provider'],
    registers: [registry],
  });
  for (const provider of providers) info.set({ provider }, 1);
}

export function registerOpsGauges(
  registry: Registry,
  data: OpsData,
  goalMiles: number,
  logger: Logger,
): void {
  const registers = [registry];
  new Gauge({
    name: 'ops_challenge_distance_meters',
    help: 'Metres logged by all live activities (global_stats.total_meters); dashboards show miles.',
    registers,
    async collect() {
      try {
        this.set((await data.challenge()).totalMeters);
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'challenge gauge not refreshed');
      }
    },
  });
  new Gauge({
    name: 'ops_challenge_goal_meters',
    help: 'The challenge goal (CHALLENGE_GOAL_MILES) in metres.',
    registers,
  }).set(goalMiles * METERS_PER_MILE);
  new Gauge({
    name: 'ops_activity_heatmap_activities',
    help: 'Activities over the last 7 days by local weekday (0 = Sunday) and local hour.',
    labelNames: ['weekday', 'hour'],
    registers,
    async collect() {
      try {
        const matrix = await data.heatmap();
        matrix.forEach((row, weekday) =>
          row.forEach((count, hour) => this.set({ weekday: String(weekday), hour: String(hour) }, count)),
        );
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'heatmap gauge not refreshed');
      }
    },
  });
}
