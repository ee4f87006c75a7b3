import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../src/routes/openapi.js';
import { WEBHOOK_ROUTES, webhookMethods } from '../src/webhooks/handler.js';
import { listedApp, routesOf } from './routes-support.js';

describe('OpenAPI document', () => {
  it('describes exactly the routes the app serves', () => {
    const doc = parse(readFileSync(OPENAPI_PATH, 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    // Express's `:param` is OpenAPI's `{param}`.
    const served = routesOf(listedApp()).map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    // Webhooks are served by the lean handler ahead of express, so they are listed from its own table.
    const webhooks = [...WEBHOOK_ROUTES].flatMap(([path, provider]) =>
      webhookMethods(provider).map((m) => `${m} ${path}`),
    );
    expect([...served, ...webhooks].sort()).toEqual(documented);
  });
});
