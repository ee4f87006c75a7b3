import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '@ops-cockpit/core';
import { INCIDENT_LEVELS, type CalmReader } from './calm.js';

/**
 * Scrape-time gauges of the calm score, its penalties and the open incidents. A failed read (Postgres down)
 * keeps the last values and is logged, so the scrape still succeeds; ops_dependency_up says why.
 */
export function registerCalmGauges(registry: Registry, readCalm: CalmReader, logger: Logger): void {
  const registers = [registry];
  const read = async () => {
    try {
      return await readCalm();
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'calm gauges not refreshed');
      return undefined;
    }
  };
  new Gauge({
    name: 'ops_calm_score',
    help: 'Calm score 0-100: 100 - 10 per open incident - 20 if providers are slow - 50 if one is down.',
    registers,
    async collect() {
      const reading = await read();
      if (reading) this.set(reading.score.calmScore);
    },
  });
  new Gauge({
    name: 'ops_calm_penalty',
    help: 'Points each factor takes off the calm score (0 when it does not apply).',
    labelNames: ['factor'],
    registers,
    async collect() {
      const reading = await read();
      for (const f of reading?.score.factors ?? []) this.set({ factor: f.name }, f.penalty);
    },
  });
  new Gauge({
    name: 'ops_incidents_open',
    help: 'Incidents neither acknowledged nor resolved, by level.',
    labelNames: ['level'],
    registers,
    async collect() {
      const reading = await read();
      if (reading) for (const level of INCIDENT_LEVELS) this.set({ level }, reading.openByLevel[level]);
    },
  });
}
