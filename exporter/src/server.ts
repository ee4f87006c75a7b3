import http from 'node:http';
import type { Express } from 'express';
import type { WebhookHandler } from './webhooks/handler.js';

/** HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS. */
export interface ServerTimeouts {
  /** Longest a client may take to send the request line and headers (slow-loris bound); 408 after. */
  headersMs: number;
  /** Longest a client may take to send the whole request, body included; 408 after. */
  requestMs: number;
  /** How long an idle keep-alive connection is kept open for the next request. */
  keepAliveMs: number;
}

/**
 * Node checks the header and request deadlines on a timer (30 s by default, so a 10 s deadline could hold for
 * up to 40 s); checking at a quarter of the header deadline, at most every second, keeps the bound close.
 */
export function checkingIntervalMs(timeouts: ServerTimeouts): number {
  return Math.max(25, Math.min(1_000, Math.floor(timeouts.headersMs / 4)));
}

/**
 * The exporter's one HTTP server: webhooks take the lean node:http path, everything else goes through express.
 * Slow clients are cut by Node itself (408, then the connection closes) without holding up anyone else. The lean
 * path gets `X-Content-Type-Options: nosniff` here, outside its hot loop: its answers are JSON for machines, so
 * the rest of helmet's set (which guards documents a browser renders) is left to the express side.
 */
export function createExporterServer(opts: {
  webhooks: WebhookHandler;
  app: Express;
  timeouts: ServerTimeouts;
}): http.Server {
  const { webhooks, app, timeouts } = opts;
  const server = http.createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: checkingIntervalMs(timeouts),
    },
    (req, res) => {
      res.setHeader('x-content-type-options', 'nosniff');
      if (!webhooks(req, res)) app(req, res);
    },
  );
  server.keepAliveTimeout = timeouts.keepAliveMs;
  return server;
}
