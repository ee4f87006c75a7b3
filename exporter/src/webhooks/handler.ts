import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger, Provider, Redis, RedisKeys } from '@ops-cockpit/core';
import { HttpProblem, problemFor, sendProblem } from '../http/problem.js';
import { methodLabel, recordHttpRequest, UNMATCHED_ROUTE } from '../http/request-metrics.js';
import { sendJson, sendJsonText } from '../http/reply.js';
import type { ExporterMetrics } from '../metrics.js';
import {
  checkJsonMedia,
  jsonNestingExceeds,
  readBody,
  WEBHOOK_BODY_LIMIT,
  WEBHOOK_MAX_DEPTH,
} from './body.js';
import { appendFailureReason, createIngestAppender } from './ingest-append.js';
import { createLiveCounters, type LiveCounters } from './live-counters.js';
import type { LinkedAccounts } from './linked-accounts.js';
import type { Delivery } from './delivery.js';
import type { WebhookAdapter, WebhookContext, WebhookSettings } from './adapter.js';
import { WEBHOOK_PREFIX, WEBHOOK_ROUTES } from './registry.js';
import { matchToken, tokenDigest } from '../auth/bearer.js';
import { withIngestChaos, type ReceiveDelivery } from '../chaos/ingest.js';
import type { ChaosDeps } from '../chaos/deps.js';

export type { WebhookSettings } from './adapter.js';

export interface WebhookDeps {
  logger: Logger;
  metrics: ExporterMetrics;
  /** A 'command' role client: fails at once while disconnected, so the answer is a 503, not a hang. */
  redis: Redis;
  keys: RedisKeys;
  /** The linked accounts of the providers that do not sign (registry.ts: LINKED_ACCOUNT_PROVIDERS). */
  linkedAccounts: LinkedAccounts;
  settings: WebhookSettings;
  /** Epoch milliseconds; tests move it to check signature freshness. */
  now?: () => number;
  /** How often the live-signal counters are written to Redis (default 1 s). */
  counterFlushMs?: number;
  /** Longest wait for the append before answering 503; below Strava's 2 s deadline (default 1.5 s). */
  appendTimeoutMs?: number;
  /** Spike Lab target `ingest`, applied from memory (absent: never). */
  chaos?: Pick<ChaosDeps, 'flags' | 'injected'>;
}

/** A node:http listener for the webhook paths; returns false for any other path, to hand it to express. */
export interface WebhookHandler {
  (req: IncomingMessage, res: ServerResponse): boolean;
  readonly counters: LiveCounters;
  /** Flushes the live-signal counters; call after the HTTP server has closed. Safe to call twice. */
  close(): Promise<void>;
}

const MEDIA_DETAIL = {
  not_json: 'content-type must be application/json',
  bad_charset: 'the JSON body must be UTF-8',
  encoded: 'content-encoding is not supported',
} as const;

/**
 * The webhook receiving path, ahead of express on the same server: the measured cost of express's router (a
 * cap of 0.23 of bare node) is too much for ingestion. Per request: read ≤256 KB, verify, validate, then ONE
 * Redis call that dedups and appends atomically before the 2xx. Counters go to memory and are flushed in batches.
 * What is a provider's own (route, handshake, signature, body → envelopes, answer) its adapter says.
 */
export function createWebhookHandler(deps: WebhookDeps): WebhookHandler {
  const { logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const ctx: WebhookContext = { settings: deps.settings, linkedAccounts: deps.linkedAccounts };
  const appender = createIngestAppender({
    redis: deps.redis,
    keys: deps.keys,
    maxlen: deps.settings.ingestStreamMaxlen,
    dedupSeconds: deps.settings.ingestDedupSeconds,
    minReplicas: deps.settings.ingestMinReplicas,
    replicaTimeoutMs: deps.settings.ingestReplicaTimeoutMs,
    timeoutMs: deps.appendTimeoutMs ?? 1_500,
  });
  const counters = createLiveCounters({
    redis: deps.redis,
    keys: deps.keys,
    logger,
    flushMs: deps.counterFlushMs ?? 1_000,
    now,
  });
  /**
   * The `?token=` of each provider that signs nothing, checked before anything else of a POST: a forged delivery
   * is refused before it costs a body read, a parse or a provider call. Digests compared in constant time
   * (matchToken, as for operator tokens), each computed once from the fixed settings.
   */
  const urlTokens = new Map<WebhookAdapter, { variable: string; digest: Buffer | undefined }>();
  for (const adapter of WEBHOOK_ROUTES.values()) {
    const { provider } = adapter;
    const guard = adapter.urlToken?.(ctx);
    if (guard) {
      urlTokens.set(adapter, {
        variable: guard.variable,
        digest: guard.secret && tokenDigest(guard.secret.reveal()),
      });
    }
    metrics.webhookRequests.inc({ provider, code: '200' }, 0);
    metrics.webhookDuplicates.inc({ provider }, 0);
    for (const [object_type, aspect_type] of adapter.eventLabels) {
      metrics.webhookEvents.inc({ provider, object_type, aspect_type }, 0);
    }
    for (const reason of adapter.rejectReasons) metrics.webhookRejectedEntries.inc({ provider, reason }, 0);
  }
  let lastAppendError = '';

  const checkUrlToken = (adapter: WebhookAdapter, query: string) => {
    const guard = urlTokens.get(adapter);
    if (!guard) return;
    if (guard.digest === undefined) {
      if (ctx.settings.webhookTokensRequired)
        throw new HttpProblem('forbidden', `${guard.variable} is not set`);
      return;
    }
    const presented = new URLSearchParams(query).get('token');
    if (presented === null || matchToken(presented, [guard.digest]) !== 0) {
      throw new HttpProblem('unauthorized', 'the URL token is missing or wrong');
    }
  };

  /** Appends, counts and answers an accepted delivery; 503 when the append cannot be confirmed. */
  const accept = async (
    adapter: WebhookAdapter,
    delivery: Delivery,
    res: ServerResponse,
    duplicate: boolean,
  ) => {
    const { provider } = adapter;
    let appended: boolean[];
    try {
      appended = await appender.append(
        delivery.items.map((item) => item.envelope),
        { duplicate },
      );
      lastAppendError = '';
    } catch (err) {
      const message = (err as Error).message;
      metrics.webhookAppendFailures.inc({ provider, reason: appendFailureReason(err) });
      // One line per distinct failure, not one per request: an outage at 20k req/s must not flood the log.
      if (message !== lastAppendError) {
        logger.warn({ err: message, provider }, 'webhook append failed: answering 503');
      }
      lastAppendError = message;
      throw new HttpProblem('dependency-unavailable', 'the ingest stream is unavailable; retry later');
    }
    const duplicates = appended.filter((a) => !a).length;
    for (const item of delivery.items) {
      metrics.webhookEvents.inc({ provider, object_type: item.objectType, aspect_type: item.aspectType });
    }
    if (duplicates) metrics.webhookDuplicates.inc({ provider }, duplicates);
    counters.add(provider, delivery.items.length, now());
    sendJsonText(res, 200, adapter.accepted(appended.length - duplicates, duplicates));
    return 200;
  };

  /** A POST on a provider's path, after Spike Lab let it through: read, verify, validate, append, answer. */
  const receive: ReceiveDelivery = async (adapter, req, res, duplicate) => {
    const refusal = adapter.refusal?.(ctx);
    if (refusal !== undefined) throw new HttpProblem('forbidden', refusal);
    const media = checkJsonMedia(req.headers['content-type'], req.headers['content-encoding']);
    if (media !== 'ok') throw new HttpProblem('unsupported-media-type', MEDIA_DETAIL[media]);
    const read = await readBody(req, WEBHOOK_BODY_LIMIT);
    if (!read.ok) {
      if (read.reason === 'aborted') return undefined;
      throw new HttpProblem('payload-too-large', `request body exceeds ${WEBHOOK_BODY_LIMIT / 1024} KB`);
    }
    const nowMs = now();
    adapter.verify?.(req.headers, read.body, nowMs, ctx);
    if (jsonNestingExceeds(read.body, WEBHOOK_MAX_DEPTH)) {
      throw new HttpProblem('malformed-json', `JSON nests deeper than ${WEBHOOK_MAX_DEPTH} levels`);
    }
    let body: unknown;
    try {
      body = JSON.parse(read.body.toString('utf8'));
    } catch {
      throw new HttpProblem('malformed-json', 'request body is not valid JSON');
    }
    const pending = adapter.deliver(body, new Date(nowMs).toISOString(), ctx);
    const delivery = pending instanceof Promise ? await pending : pending;
    if (delivery.rejected?.count) {
      metrics.webhookRejectedEntries.inc(
        { provider: adapter.provider, reason: delivery.rejected.reason },
        delivery.rejected.count,
      );
    }
    if (delivery.items.length === 0 && delivery.refusal !== undefined) {
      throw new HttpProblem('forbidden', delivery.refusal);
    }
    return accept(adapter, delivery, res, duplicate);
  };

  // Spike Lab's one seam into ingestion: a wrapper around the receiving step (the same function without chaos).
  const receiveWithChaos = withIngestChaos(deps.chaos, receive);

  const serve = (
    adapter: WebhookAdapter,
    query: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): number | undefined | Promise<number | undefined> => {
    if (req.method === 'GET' && adapter.handshake) {
      sendJson(res, 200, adapter.handshake(new URLSearchParams(query), ctx));
      return 200;
    }
    if (req.method !== 'POST') {
      throw new HttpProblem(
        'method-not-allowed',
        `${adapter.path} accepts ${adapter.methods.join(', ')}`,
        {},
        {
          allow: adapter.methods.join(', '),
        },
      );
    }
    checkUrlToken(adapter, query);
    return receiveWithChaos(adapter, req, res);
  };

  /** Answers a problem through the module express uses too; returns the status, or undefined if none was sent. */
  const answerProblem = (err: unknown, res: ServerResponse, path: string, provider?: Provider): number => {
    const { problem, cause } = problemFor(err);
    if (cause !== 'request') logger.error({ err, provider }, 'webhook handler failed');
    sendProblem(res, problem, path);
    return problem.status;
  };

  const handler = ((req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!path.startsWith(WEBHOOK_PREFIX)) return false;
    const started = performance.now();
    const method = methodLabel(req.method);
    const adapter = WEBHOOK_ROUTES.get(path);
    if (adapter === undefined) {
      // An unknown provider never becomes a label value: it is counted like any unmatched route.
      const status = answerProblem(new HttpProblem('not-found', `no webhook for ${path}`), res, path);
      recordHttpRequest(metrics, method, UNMATCHED_ROUTE, status, (performance.now() - started) / 1000);
      return true;
    }
    const { provider } = adapter;
    const done = (status: number | undefined) => {
      if (status === undefined) return;
      try {
        const seconds = (performance.now() - started) / 1000;
        metrics.webhookRequests.inc({ provider, code: String(status) });
        metrics.webhookDuration.observe({ provider }, seconds);
        recordHttpRequest(metrics, method, path, status, seconds);
        if (logger.isLevelEnabled('debug')) logger.debug({ provider, status, ms: seconds * 1000 }, 'webhook');
      } catch (err) {
        logger.error({ err }, 'webhook bookkeeping failed');
      }
    };
    const fail = (err: unknown) => {
      let status: number;
      try {
        status = answerProblem(err, res, path, provider);
      } catch (answerErr) {
        logger.error({ err: answerErr }, 'webhook answer failed');
        res.destroy();
        return;
      }
      done(status);
    };
    // One promise per request: no chain of catch/then/catch behind it.
    try {
      const served = serve(adapter, q < 0 ? '' : url.slice(q + 1), req, res);
      if (served instanceof Promise) served.then(done, fail);
      else done(served);
    } catch (err) {
      fail(err);
    }
    return true;
  }) as WebhookHandler;

  Object.defineProperty(handler, 'counters', { value: counters });
  handler.close = () => {
    appender.close();
    return counters.close();
  };
  return handler;
}
