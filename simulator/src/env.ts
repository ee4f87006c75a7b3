import { baseEnvSchema, exporterEnvSchema, intVar, simulatorEnvSchema, urlVar } from '@ops-cockpit/core';
import { z } from 'zod';

/**
 * What the simulator process reads: core's simulator settings plus what it shares with other processes (the
 * database it seeds in demo mode, the Apple signing secret and Strava subscription id the exporter checks),
 * validated exactly as there.
 */
export const simulatorProcessEnvSchema = simulatorEnvSchema.extend({
  DATABASE_URL: baseEnvSchema.shape.DATABASE_URL,
  SHUTDOWN_TIMEOUT_SECONDS: baseEnvSchema.shape.SHUTDOWN_TIMEOUT_SECONDS,
  APPLE_HEALTH_WEBHOOK_SECRET: exporterEnvSchema.shape.APPLE_HEALTH_WEBHOOK_SECRET,
  POLAR_WEBHOOK_SECRET: exporterEnvSchema.shape.POLAR_WEBHOOK_SECRET,
  STRAVA_SUBSCRIPTION_ID: exporterEnvSchema.shape.STRAVA_SUBSCRIPTION_ID,
  /** Base URL others reach the simulator at, written into Garmin callback URLs; defaults to the bound address. */
  SIMULATOR_PUBLIC_URL: urlVar(undefined, ['http:', 'https:']),
  /** Seed of the traffic generator, to replay a run; unset picks one per start (logged). */
  SIMULATOR_SEED: intVar(-1, 0, 0xffff_ffff),
});
export type SimulatorProcessEnv = z.infer<typeof simulatorProcessEnvSchema>;

/** `npm run seed` needs only the database. */
export const seedEnvSchema = z.object({
  LOG_LEVEL: baseEnvSchema.shape.LOG_LEVEL,
  DATABASE_URL: baseEnvSchema.shape.DATABASE_URL,
});
