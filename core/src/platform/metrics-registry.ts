import { Registry, collectDefaultMetrics, Gauge } from 'prom-client';

export type { Registry } from 'prom-client';

/**
 * One registry per process, with Node's default process metrics and `ops_build_info`, the conventional
 * always-1 gauge whose labels say what is running.
 */
export function createRegistry(opts: { service: string; version: string }): Registry {
  if (!/^[a-z][a-z0-9_-]*$/.test(opts.service)) {
    throw new Error(`service must be a lowercase identifier, got ${JSON.stringify(opts.service)}`);
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const info = new Gauge({
    name: 'ops_build_info',
    help: 'Always 1; labels name the running service, its version and the Node.js version.',
    labelNames: ['service', 'version', 'node_version'],
    registers: [registry],
  });
  info.set({ service: opts.service, version: opts.version, node_version: process.version }, 1);
  return registry;
}
