import { Gauge, type Registry } from 'prom-client';
import { type Logger, type Pool } from '@ops-cockpit/core';
import { countQuietUsers } from '../read-models/quiet-users.js';

/** The quiet list's threshold in the gauge, as in the feature: no activity for more than 10 days. */
export const QUIET_GAUGE_DAYS = 10;

/** ops_quiet_users, counted at scrape time; a failed read keeps the last value (ops_dependency_up says why). */
export function registerQuietGauge(registry: Registry, pool: Pool, logger: Logger): void {
  new Gauge({
    name: 'ops_quiet_users',
    help: `Users without a live activity for more than ${QUIET_GAUGE_DAYS} days (never active: since sign-up).`,
    registers: [registry],
    async collect() {
      try {
        this.set(await countQuietUsers(pool, QUIET_GAUGE_DAYS));
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'quiet users gauge not refreshed');
      }
    },
  });
}
