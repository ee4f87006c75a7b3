import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { Gauge, type Registry } from 'prom-client';
import MarkdownIt from 'markdown-it';
import { HttpProblem } from '../http/problem.js';

/** The runbooks the alert rules link to: rules/runbooks.md, beside src/ and dist/ alike (the image copies it). */
export const RUNBOOKS_PATH = path.resolve(__dirname, '..', '..', '..', 'rules', 'runbooks.md');

/**
 * The runbooks as one HTML page, each alert's section under its own anchor (`<a id="providerdown">`, kept as
 * written: the file is ours, so its HTML is trusted). Pure, for tests.
 */
export function renderRunbooks(markdown: string): string {
  const body = new MarkdownIt({ html: true, linkify: false }).render(markdown);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ops Cockpit runbooks</title></head>
<body>
${body}</body></html>
`;
}

/**
 * `GET /runbooks`: where every alert's runbook_url leads (rules build it from ops_runbook_info's `url`, which
 * is RUNBOOK_BASE_URL). Open like /metrics: it holds procedures, no data. 404 when the file is not bundled.
 */
export function runbookRoutes(file = RUNBOOKS_PATH): Router {
  const page = existsSync(file) ? renderRunbooks(readFileSync(file, 'utf8')) : undefined;
  const router = Router();
  router.get('/runbooks', (_req, res) => {
    if (page === undefined)
      throw new HttpProblem('not-found', 'the runbooks are not bundled with this exporter');
    res.type('text/html; charset=utf-8').send(page);
  });
  return router;
}

/**
 * `ops_runbook_info{url}` 1: where the runbooks are served for on-call's browser (RUNBOOK_BASE_URL). Alert rules
 * read it (`query "max by (url) (ops_runbook_info)"`) to build each runbook_url, so no site is assumed.
 */
export function registerRunbookInfo(registry: Registry, url: string): void {
  new Gauge({
    name: 'ops_runbook_info',
    help: 'Where the runbooks the alerts link to are served (RUNBOOK_BASE_URL); always 1.',
    labelNames: ['url'],
    registers: [registry],
  }).set({ url }, 1);
}
