import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';

/** The API description, beside src/ and dist/ alike. */
export const OPENAPI_PATH = path.resolve(__dirname, '..', '..', 'openapi.yaml');

export function openapiRoutes(): Router {
  const document = readFileSync(OPENAPI_PATH, 'utf8');
  const router = Router();
  router.get('/api/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(document);
  });
  return router;
}
