import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger, Provider, Redis, RedisKeys, Secret } from '@ops-cockpit/core';
import { HttpProblem } from '../problem.js';
import { methodLabel, type ExporterMetrics } from '../metrics.js';
import { checkJsonMedia, readBody, WEBHOOK_BODY_LIMIT } from './body.js';
import { sendJson, sendJsonText, sendProblem } from './reply.js';
import { stravaDelivery, stravaHandshake } from './strava.js';
import { garminDelivery } from './garmin.js';
import { appleDelivery, verifyAppleSignature } from './apple-health.js';
import { createIngestAppender } from './ingest-append.js';
import { createLiveCounters, type LiveCounters } from './live-counters.js';
import type { GarminAccounts } from './garmin-accounts.js';
import type { Delivery } from './delivery.js';
import { applyIngestChaos, InjectedFault } from '../chaos/ingest.js';
import type { ChaosDeps } from '../chaos/deps.js';

export const WEBHOOK_PREFIX = '/api/webhooks/';

/** Path → provider: the only paths served here, and the only values the `provider` label takes. */
export const WEBHOOK_ROUTES: ReadonlyMap<string, Provider> = new Map([
  ['/api/webhooks/strava', 'strava'],
  ['/api/webhooks/garmin', 'garmin'],
  ['/api/webhooks/apple-health', 'apple_health'],
]);

/** Strava's answers, rendered once. */
const STRAVA_ACCEPTED = JSON.stringify({ status: 'accepted' });
const STRAVA_DUPLICATE = JSON.stringify({ status: 'accepted', duplicate: true });

/** Sent with every 503: providers retry, and this tells them (and k6) when. */
const RETRY_AFTER_SECONDS = '5';

export interface WebhookSettings {
  /** STRAVA_VERIFY_TOKEN; unset answers every handshake 403. */
  stravaVerifyToken: Secret | undefined;
  /** STRAVA_SUBSCRIPTION_ID; 0 accepts events of any subscription. */
  stravaSubscriptionId: number;
  /** APPLE_HEALTH_WEBHOOK_SECRET; unset refuses Apple Health deliveries (403). */
  appleHealthSecret: Secret | undefined;
  /** INGEST_STREAM_MAXLEN, the approximate trim of the ingest stream. */
  ingestStreamMaxlen: number;
}

export interface WebhookDeps {
  logger: Logger;
  metrics: ExporterMetrics;
  /** A 'command' role client: fails at once while disconnected, so the answer is a 503, not a hang. */
  redis: Redis;
  keys: RedisKeys;
  garminAccounts: GarminAccounts;
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

/** Methods each webhook path serves (Strava's GET is its subscription handshake). */
export function webhookMethods(provider: Provider): readonly string[] {
  return provider === 'strava' ? ['GET', 'POST'] : ['POST'];
}

function allowed(provider: Provider): string {
  return webhookMethods(provider).join(', ');
}

/**
 * The webhook receiving path, ahead of express on the same server: the measured cost of express's router (a
 * cap of 0.23 of bare node) is too much for ingestion. Per request: read ≤256 KB, verify, validate, then ONE
 * Redis call that dedups and appends atomically before the 2xx. Counters go to memory and are flushed in batches.
 */
export function createWebhookHandler(deps: WebhookDeps): WebhookHandler {
  const { logger, metrics, settings, garminAccounts } = deps;
  const now = deps.now ?? Date.now;
  const appendTimeoutMs = deps.appendTimeoutMs ?? 1_500;
  const appender = createIngestAppender({
    redis: deps.redis,
    keys: deps.keys,
    maxlen: settings.ingestStreamMaxlen,
    timeoutMs: appendTimeoutMs,
  });
  const counters = createLiveCounters({
    redis: deps.redis,
    keys: deps.keys,
    logger,
    flushMs: deps.counterFlushMs ?? 1_000,
  });
  let lastAppendError = '';

  /** Appends, counts and answers an accepted delivery; 503 when the append cannot be confirmed. */
  const accept = async (provider: Provider, delivery: Delivery, res: ServerResponse, duplicate: boolean) => {
    let appended: boolean[];
    try {
      appended = await appender.append(
        delivery.items.map((item) => item.envelope),
        { duplicate },
      );
      lastAppendError = '';
    } catch (err) {
      const message = (err as Error).message;
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
    if (provider === 'strava') {
      sendJsonText(res, 200, duplicates ? STRAVA_DUPLICATE : STRAVA_ACCEPTED);
    } else {
      sendJson(res, 200, { accepted: appended.length - duplicates, duplicates });
    }
    return 200;
  };

  const serve = async (
    provider: Provider,
    path: string,
    query: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<number | undefined> => {
    if (provider === 'strava' && req.method === 'GET') {
      sendJson(res, 200, stravaHandshake(new URLSearchParams(query), settings.stravaVerifyToken));
      return 200;
    }
    if (req.method !== 'POST') {
      throw new HttpProblem('method-not-allowed', `${path} accepts ${allowed(provider)}`);
    }
    // Spike Lab first: an outage answers before the body is read, as a provider meeting a down service would see.
    // Without an active fault this is a plain false, and nothing waits.
    const chaos = applyIngestChaos(deps.chaos, provider);
    const duplicate = chaos === false ? false : await chaos;
    // Only Apple Health deliveries are signed; the secret is looked up for them alone.
    const appleSecret = provider === 'apple_health' ? settings.appleHealthSecret : undefined;
    if (provider === 'apple_health' && appleSecret === undefined) {
      throw new HttpProblem('forbidden', 'APPLE_HEALTH_WEBHOOK_SECRET is not set');
    }
    const media = checkJsonMedia(req.headers['content-type'], req.headers['content-encoding']);
    if (media !== 'ok') {
      const detail = {
        not_json: 'content-type must be application/json',
        bad_charset: 'the JSON body must be UTF-8',
        encoded: 'content-encoding is not supported',
      }[media];
      throw new HttpProblem('unsupported-media-type', detail);
    }
    const read = await readBody(req, WEBHOOK_BODY_LIMIT);
    if (!read.ok) {
      if (read.reason === 'aborted') return undefined;
      throw new HttpProblem('payload-too-large', `request body exceeds ${WEBHOOK_BODY_LIMIT / 1024} KB`);
    }
    const nowMs = now();
    if (appleSecret !== undefined) {
      verifyAppleSignature(req.headers, read.body, appleSecret, Math.floor(nowMs / 1000));
    }
    let body: unknown;
    try {
      body = JSON.parse(read.body.toString('utf8'));
    } catch {
      throw new HttpProblem('malformed-json', 'request body is not valid JSON');
    }
    const receivedAt = new Date(nowMs).toISOString();
    let delivery: Delivery;
    if (provider === 'strava') {
      delivery = stravaDelivery(body, settings.stravaSubscriptionId, receivedAt);
    } else if (provider === 'garmin') {
      // Before the first load, refusing would lose real data (Garmin does not retry a 403): defer instead.
      if (!garminAccounts.loaded) {
        throw new HttpProblem('dependency-unavailable', 'linked Garmin accounts are not loaded yet');
      }
      delivery = garminDelivery(body, garminAccounts.has, receivedAt);
      // An account linked since the last periodic load must not be refused (Garmin does not retry a 403):
      // re-read the set, at most once per GARMIN_ACCOUNTS_MISS_REFRESH_MS, and look again.
      if (delivery.rejected?.count) {
        await garminAccounts.refreshAfterMiss();
        delivery = garminDelivery(body, garminAccounts.has, receivedAt);
      }
    } else {
      delivery = appleDelivery(body, receivedAt);
    }
    if (delivery.rejected?.count) {
      metrics.webhookRejectedEntries.inc(
        { provider, reason: delivery.rejected.reason },
        delivery.rejected.count,
      );
    }
    if (delivery.items.length === 0) {
      throw new HttpProblem(
        'forbidden',
        provider === 'strava'
          ? `subscription_id is not ${settings.stravaSubscriptionId}`
          : 'no entry belongs to a linked Garmin account',
      );
    }
    return accept(provider, delivery, res, duplicate);
  };

  /** Answers a problem; 413 also closes the connection, so the rest of an oversized body is never read. */
  const answerProblem = (err: unknown, res: ServerResponse, path: string, provider?: Provider): number => {
    const problem =
      err instanceof HttpProblem
        ? err
        : new HttpProblem('internal', 'the server failed to handle this request');
    if (!(err instanceof HttpProblem)) logger.error({ err, provider }, 'webhook handler failed');
    if (res.headersSent) {
      res.destroy();
      return problem.status;
    }
    const headers: Record<string, string> = {};
    if (problem instanceof InjectedFault) headers['retry-after'] = String(problem.retryAfterSeconds);
    else if (problem.type === 'dependency-unavailable') headers['retry-after'] = RETRY_AFTER_SECONDS;
    if (problem.type === 'payload-too-large') headers.connection = 'close';
    if (problem.type === 'method-not-allowed' && provider) headers.allow = allowed(provider);
    sendProblem(res, problem.type, problem.message, path, { extras: problem.extras, headers });
    return problem.status;
  };

  const handler = ((req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!path.startsWith(WEBHOOK_PREFIX)) return false;
    const started = performance.now();
    const method = methodLabel(req.method ?? 'OTHER');
    const provider = WEBHOOK_ROUTES.get(path);
    if (provider === undefined) {
      // An unknown provider never becomes a label value: it is counted like any unmatched route.
      answerProblem(new HttpProblem('not-found', `no webhook for ${path}`), res, path);
      metrics.httpRequests.inc({ method, route: 'unmatched', code: '404' });
      return true;
    }
    const done = (status: number | undefined) => {
      if (status === undefined) return;
      try {
        const seconds = (performance.now() - started) / 1000;
        const code = String(status);
        metrics.webhookRequests.inc({ provider, code });
        metrics.webhookDuration.observe({ provider }, seconds);
        metrics.httpRequests.inc({ method, route: path, code });
        metrics.httpDuration.observe({ method, route: path }, seconds);
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
    serve(provider, path, q < 0 ? '' : url.slice(q + 1), req, res).then(done, fail);
    return true;
  }) as WebhookHandler;

  Object.defineProperty(handler, 'counters', { value: counters });
  handler.close = () => {
    appender.close();
    return counters.close();
  };
  return handler;
}
