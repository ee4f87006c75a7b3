import { Router } from 'express';
import type { Logger } from '@ops-cockpit/core';
import { HttpProblem } from '../http/problem.js';
import type { OpsData } from '../ops-data.js';

export interface StreamOptions {
  pushSeconds: number;
  /** Open streams this process serves at most; beyond it 503 (THROUGHPUT_STREAMS_MAX). */
  maxStreams: number;
  /** Open streams one client address holds at most; beyond it 429 (THROUGHPUT_STREAMS_PER_CLIENT). */
  maxStreamsPerClient: number;
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
  const perClient = new Map<string, number>();
  const retryAfter = { 'retry-after': String(opts.pushSeconds) };

  router.get('/api/ops/throughput/stream', (req, res) => {
    // Each stream holds a socket and two timers for as long as the client likes: bounded, so anonymous clients
    // cannot pile them up (3,000 were accepted before, +52 MB).
    const client = req.socket.remoteAddress ?? 'unknown';
    const held = perClient.get(client) ?? 0;
    if (held >= opts.maxStreamsPerClient) {
      throw new HttpProblem(
        'rate-limited',
        `this address already holds ${opts.maxStreamsPerClient} live-signal streams (THROUGHPUT_STREAMS_PER_CLIENT)`,
        {},
        retryAfter,
      );
    }
    if (open.size >= opts.maxStreams) {
      throw new HttpProblem(
        'dependency-unavailable',
        `this exporter already serves ${opts.maxStreams} live-signal streams (THROUGHPUT_STREAMS_MAX)`,
        {},
        retryAfter,
      );
    }
    perClient.set(client, held + 1);
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
      if (!open.delete(end)) return;
      clearInterval(pushTimer);
      clearInterval(beatTimer);
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
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
