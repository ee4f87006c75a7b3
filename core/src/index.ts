// The core library's one entry point, by role: platform (process infrastructure), contracts (what exporter and
// worker exchange), providers (payload schemas and signatures, no I/O), store (SQL on shared tables, and the
// chaos flags both sides read). Test support is `@ops-cockpit/core/testing`.
export * from './platform/config.js';
export * from './platform/env-vars.js';
export * from './platform/secret.js';
export * from './platform/logger.js';
export * from './platform/health.js';
export * from './platform/shutdown.js';
export * from './platform/version.js';
export * from './platform/pool.js';
export * from './platform/migrate.js';
export * from './platform/transaction.js';
export * from './platform/redis.js';
export * from './platform/metrics-registry.js';
export * from './platform/http-lifecycle.js';
export * from './platform/dependency-errors.js';
export * from './platform/node-flags.js';
export * from './platform/demo.js';
export * from './contracts/providers.js';
export * from './contracts/queues.js';
export * from './contracts/ingest.js';
export * from './contracts/redis-keys.js';
export * from './contracts/nudges.js';
export * from './contracts/chaos.js';
export * from './contracts/column-limits.js';
export * from './providers/strava.js';
export * from './providers/garmin.js';
export * from './providers/apple-health.js';
export * from './providers/polar.js';
export * from './providers/standard-webhooks.js';
export * from './store/activities.js';
export * from './store/activity-batch.js';
export * from './store/incidents.js';
export * from './store/nudges.js';
export * from './store/chaos-store.js';
export * from './store/reader-role.js';
