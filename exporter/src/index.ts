export { createApp, BODY_LIMIT, type AppDeps, type OpsApp } from './app.js';
export { createOpsData, type OpsData } from './ops-data.js';
export { createExporterMetrics, type ExporterMetrics } from './metrics.js';
export { HttpProblem, PROBLEM_TYPES, type ProblemType } from './http/problem.js';
