import { randomInt } from 'node:crypto';
import {
  Shutdown,
  VERSION,
  closeServer,
  createLogger,
  exitOnSignals,
  listen,
  loadEnvOrExit,
  urlOf,
} from '@ops-cockpit/core';
import { seedEmptyDatabase } from './demo-seeding.js';
import { simulatorProcessEnvSchema } from './env.js';
import { FaultControl } from './faults.js';
import { createEventGenerator, idBaseFor } from './generator.js';
import { demoRoster } from './roster.js';
import { createSimulatorServer } from './server.js';
import { StravaRateLimits } from './providers/strava-limits.js';
import { startTraffic, type Traffic } from './traffic.js';
import { World } from './world.js';

/** A wildcard bind address is no place to send a callback; loopback is, on the same machine. */
function reachableUrl(url: string): string {
  return url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:');
}

async function main(): Promise<void> {
  const env = loadEnvOrExit(simulatorProcessEnvSchema);
  const logger = createLogger({ name: 'simulator', level: env.LOG_LEVEL });
  const shutdown = new Shutdown(logger, env.SHUTDOWN_TIMEOUT_SECONDS * 1000);
  exitOnSignals(shutdown);
  const seed = env.SIMULATOR_SEED >= 0 ? env.SIMULATOR_SEED : randomInt(0, 2 ** 32);
  logger.info({ version: VERSION, demo: env.DEMO, rate: env.SIMULATOR_RATE, seed }, 'starting simulator');

  const world = new World({ roster: demoRoster() });
  const faults = new FaultControl();
  // Traffic stops before the server closes: the worker may still fetch what the last webhooks announced.
  let traffic: Traffic | undefined;
  shutdown.add('traffic', 'intake', () => traffic?.stop());
  const limited = env.SIMULATOR_STRAVA_RATE_LIMITS ?? env.SIMULATOR_STRAVA_READ_RATE_LIMITS;
  const stravaLimits = limited
    ? new StravaRateLimits(
        {
          ...(env.SIMULATOR_STRAVA_RATE_LIMITS ? { overall: env.SIMULATOR_STRAVA_RATE_LIMITS } : {}),
          ...(env.SIMULATOR_STRAVA_READ_RATE_LIMITS ? { read: env.SIMULATOR_STRAVA_READ_RATE_LIMITS } : {}),
        },
        {
          shortSeconds: env.SIMULATOR_STRAVA_WINDOW_SECONDS,
          daySeconds: env.SIMULATOR_STRAVA_DAY_SECONDS,
        },
        Date.now,
      )
    : undefined;
  const server = createSimulatorServer({ world, faults, logger, ...(stravaLimits ? { stravaLimits } : {}) });
  const address = await listen(server, env.SIMULATOR_HOST, env.SIMULATOR_PORT, 'SIMULATOR_PORT');
  shutdown.add('http', 'intake', () => closeServer(server, 1_000));
  const url = urlOf(address);
  logger.info({ url }, 'simulator listening');

  if (env.DEMO) await seedEmptyDatabase(env.DATABASE_URL as string, logger);

  if (env.SIMULATOR_RATE > 0 && !shutdown.started) {
    if (!env.APPLE_HEALTH_WEBHOOK_SECRET) {
      logger.warn(
        'APPLE_HEALTH_WEBHOOK_SECRET is not set: no Apple Health traffic (the exporter would refuse it)',
      );
    }
    if (!env.POLAR_WEBHOOK_SECRET) {
      logger.warn('POLAR_WEBHOOK_SECRET is not set: no Polar traffic (the exporter would refuse it)');
    }
    const generator = createEventGenerator({
      world,
      seed,
      simulatorUrl: env.SIMULATOR_PUBLIC_URL ?? reachableUrl(url),
      subscriptionId: env.STRAVA_SUBSCRIPTION_ID,
      appleSecret: env.APPLE_HEALTH_WEBHOOK_SECRET,
      polarSecret: env.POLAR_WEBHOOK_SECRET,
      idBase: idBaseFor(Date.now()),
    });
    traffic = startTraffic({
      exporterUrl: env.EXPORTER_URL as string,
      ratePerSecond: env.SIMULATOR_RATE,
      generator,
      logger,
    });
    logger.info({ exporter: env.EXPORTER_URL, rate: env.SIMULATOR_RATE }, 'traffic started');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
