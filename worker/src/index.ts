export { startQueueWorkers, type QueueWorkers, type QueueWorkersOptions } from './queue-workers.js';
export { createWorkerMetrics, type WorkerMetrics } from './metrics.js';
export { createMetricsServer } from './metrics-server.js';
export { applyRetention, type RetentionDeps } from './housekeeping/retention.js';
export { retentionPolicyFrom, type RetentionPolicy } from './housekeeping/retention-policy.js';
export { ensureHousekeepingSchedules } from './schedules.js';
export type { QueueHandlers, JobHandler } from './handlers.js';
