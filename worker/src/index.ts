export { startQueueWorkers, type QueueWorkers, type QueueWorkersOptions } from './queue-workers.js';
export { createWorkerMetrics, type WorkerMetrics } from './metrics.js';
export { createMetricsServer } from './metrics-server.js';
export { pruneProbeLogs } from './probes/provider-health-logs.js';
export { ensureHousekeepingSchedules } from './schedules.js';
export type { QueueHandlers, JobHandler } from './handlers.js';
