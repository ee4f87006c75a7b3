import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Express } from 'express';
import { createRegistry } from '@ops-cockpit/core';
import { silentLogger } from '@ops-cockpit/core/testing';
import { createApp } from '../src/app.js';
import { createExporterMetrics } from '../src/metrics.js';
import { OPENAPI_PATH } from '../src/routes/openapi.js';
import type { OpsData } from '../src/ops-data.js';
import type { IncidentsDeps } from '../src/incidents/deps.js';
import type { ChaosDeps } from '../src/chaos/deps.js';
import type { NudgesDeps } from '../src/nudges/deps.js';
import { WEBHOOK_ROUTES, webhookMethods } from '../src/webhooks/handler.js';
import { parseNamedTokens } from '../src/auth/operators.js';
import { MemoryStore } from 'express-rate-limit';

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/** Every (method, path) express will route, converted to OpenAPI's `{param}` style. */
function routesOf(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
        for (const m of Object.keys(layer.route.methods))
          if (m !== '_all') found.push(`${m.toUpperCase()} ${path}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found.sort();
}

describe('OpenAPI document', () => {
  it('describes exactly the routes the app serves', () => {
    const check = async () => [];
    const registry = createRegistry({ service: 'exporter', version: 'test' });
    const { app } = createApp({
      logger: silentLogger,
      registry,
      metrics: createExporterMetrics(registry, { checkDependencies: check }),
      checkDependencies: check,
      ops: {} as OpsData, // routes are only listed, never called
      throughputPushSeconds: 5,
      incidents: {} as IncidentsDeps, // likewise
      chaos: {} as ChaosDeps, // likewise
      nudges: {} as NudgesDeps, // likewise
      security: {
        readOpen: true,
        viewers: parseNamedTokens('', 'OPS_VIEWER_TOKENS'),
        corsOrigins: [],
        rateLimits: { windowSeconds: 60, nudge: 1, chaos: 1, store: () => new MemoryStore() },
      },
    });
    const doc = parse(readFileSync(OPENAPI_PATH, 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    // Webhooks are served by the lean handler ahead of express, so they are listed from its own table.
    const webhooks = [...WEBHOOK_ROUTES].flatMap(([path, provider]) =>
      webhookMethods(provider).map((m) => `${m} ${path}`),
    );
    expect([...routesOf(app), ...webhooks].sort()).toEqual(documented);
  });
});
