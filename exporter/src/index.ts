export { createApp, BODY_LIMIT, type AppDeps } from './app.js';
export { createExporterMetrics, type ExporterMetrics } from './metrics.js';
export { HttpProblem, PROBLEM_TYPES, type ProblemType } from './problem.js';
