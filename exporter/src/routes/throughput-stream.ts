import { Router } from 'express';
import type { Logger } from '@ops-cockpit/core';
import type { OpsData } from '../ops-data.js';

export interface StreamOptions {
  pushSeconds: number;
  /** Comment lines keep proxies from closing an idle stream. */
  heartbeatSeconds?: number;
}

/**
 * Server-Sent Events: `event: throughput` every `pushSeconds` with events/s read from Redis (so every exporter
 * replica sends the same numbers), and `: heartbeat` comments between. Closing streams on shutdown is the
 * `close()` of the returned handle.
 */
export function throughputStreamRoutes(data: OpsData, logger: Logger, opts: StreamOptions) {
  const router = Router();
  const open = new Set<() => void>();

  router.get('/api/ops/throughput/stream', (req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: ${opts.pushSeconds * 1000}\n\n`);
    const push = async () => {
      try {
        const sample = await data.eventsPerSecond();
        res.write(`event: throughput\ndata: ${JSON.stringify(sample)}\n\n`);
      } catch (err) {
        res.write(`event: error\ndata: ${JSON.stringify({ error: 'throughput unavailable' })}\n\n`);
        logger.warn({ err: (err as Error).message }, 'throughput stream read failed');
      }
    };
    void push();
    const pushTimer = setInterval(() => void push(), opts.pushSeconds * 1000);
    const beatTimer = setInterval(() => res.write(': heartbeat\n\n'), (opts.heartbeatSeconds ?? 15) * 1000);
    const end = () => {
      clearInterval(pushTimer);
      clearInterval(beatTimer);
      open.delete(end);
      res.end();
    };
    open.add(end);
    req.on('close', end);
  });

  return {
    router,
    /** Ends every open stream, so a graceful shutdown is not held up by long-lived connections. */
    close() {
      for (const end of [...open]) end();
    },
  };
}
