import type { Express } from 'express';
import { MemoryStore } from 'express-rate-limit';
import { createRegistry } from '@ops-cockpit/core';
import { silentLogger } from '@ops-cockpit/core/testing';
import { createApp } from '../src/app.js';
import { createExporterMetrics } from '../src/metrics.js';
import type { OpsData } from '../src/ops-data.js';
import type { IncidentsDeps } from '../src/incidents/deps.js';
import type { ChaosDeps } from '../src/chaos/deps.js';
import type { NudgesDeps } from '../src/nudges/deps.js';
import type { JobsDeps } from '../src/jobs/deps.js';
import type { QuarantineDeps } from '../src/quarantine/deps.js';
import { parseNamedTokens } from '../src/auth/operators.js';

/** Shared by the tests that need the app's route table (OpenAPI, access control): routes listed, never called. */

export interface AppRoute {
  method: string;
  /** Express style, `:param`. */
  path: string;
}

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/** An app built only to list its routes: its dependencies are never called. */
export function listedApp(): Express {
  const check = async () => [];
  const registry = createRegistry({ service: 'exporter', version: 'test' });
  return createApp({
    logger: silentLogger,
    registry,
    metrics: createExporterMetrics(registry, { checkDependencies: check }),
    checkDependencies: check,
    ops: {} as OpsData,
    throughputPushSeconds: 5,
    incidents: {} as IncidentsDeps,
    chaos: {} as ChaosDeps,
    nudges: {} as NudgesDeps,
    jobs: {} as JobsDeps,
    quarantine: {} as QuarantineDeps,
    security: {
      readOpen: true,
      viewers: parseNamedTokens('', 'OPS_VIEWER_TOKENS'),
      corsOrigins: [],
      rateLimits: { windowSeconds: 60, nudge: 1, chaos: 1, store: () => new MemoryStore() },
    },
  }).app;
}

/** Every (method, path) express will route. */
export function routesOf(app: Express): AppRoute[] {
  const found: AppRoute[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods)) {
          if (m !== '_all') found.push({ method: m.toUpperCase(), path: layer.route.path });
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}
