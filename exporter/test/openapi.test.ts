import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../src/routes/openapi.js';
import { WEBHOOK_ROUTES } from '../src/webhooks/registry.js';
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
    const webhooks = [...WEBHOOK_ROUTES].flatMap(([path, adapter]) =>
      adapter.methods.map((m) => `${m} ${path}`),
    );
    expect([...served, ...webhooks].sort()).toEqual(documented);
  });

  it('documents the access rules: operator token for /api/ops mutations, optional viewer token for reads', () => {
    type Op = { security?: Array<Record<string, string[]>>; responses: Record<string, unknown> };
    const doc = parse(readFileSync(OPENAPI_PATH, 'utf8')) as { paths: Record<string, Record<string, Op>> };
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/ops/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        const codes = Object.keys(op.responses);
        expect([path, method, codes]).toEqual([path, method, expect.arrayContaining(['401'])]);
        if (method === 'get' && ['/api/ops/jobs/failed', '/api/ops/quarantine'].includes(path)) {
          // Operators only even while reads are open: failure reasons speak of the inside, the review queue
          // names users.
          expect(op.security).toEqual([{ operatorToken: [] }]);
          expect(codes).toContain('403');
        } else if (method === 'get') {
          expect(op.security).toEqual([{}, { viewerToken: [] }, { operatorToken: [] }]);
        } else {
          expect([path, method, op.security]).toEqual([path, method, [{ operatorToken: [] }]]);
          expect(codes).toContain('403');
        }
      }
    }
    for (const [path, method] of [
      ['/api/ops/nudge', 'post'],
      ['/api/ops/chaos/{mode}', 'put'],
      ['/api/ops/chaos/{mode}', 'delete'],
      ['/api/ops/chaos/restore', 'post'],
    ] as const) {
      expect(doc.paths[path]![method]!.responses['429']).toEqual({
        $ref: '#/components/responses/RateLimited',
      });
    }
  });
});
