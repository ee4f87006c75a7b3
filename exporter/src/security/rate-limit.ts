import type { Request, RequestHandler } from 'express';
import { rateLimit, type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { isCluster, type Logger, type Redis } from '@ops-cockpit/core';
import { HttpProblem } from '../http/problem.js';

/** Where a limiter keeps its counts: Redis in the process (shared by replicas), memory where nothing is shared. */
export type RateLimitStoreFactory = (limiter: string) => Store;

/** NUDGE_RATE_LIMIT, CHAOS_RATE_LIMIT and RATE_LIMIT_WINDOW_SECONDS, plus the store they count in. */
export interface RateLimitSettings {
  windowSeconds: number;
  nudge: number;
  chaos: number;
  store: RateLimitStoreFactory;
}

/**
 * rate-limit-redis, made to survive Redis trouble: its scripts are loaded once at start, and a failed load (Redis
 * down then) would fail every later count until a restart. Here a failed count reloads them and tries once more;
 * failing again it answers 503 (`dependency-unavailable`, like every other Redis outage) instead of a 500.
 * Nothing is let through uncounted.
 */
class ResilientRedisStore extends RedisStore {
  override async init(options: Options): Promise<void> {
    this.windowMs = options.windowMs;
    this.reload();
  }

  override async increment(key: string): Promise<IncrementResponse> {
    try {
      return await super.increment(key);
    } catch {
      // Once more with freshly loaded scripts: the first count after Redis came back then succeeds.
      this.reload();
      try {
        return await super.increment(key);
      } catch {
        throw new HttpProblem('dependency-unavailable', 'the rate limiter cannot reach Redis; retry later');
      }
    }
  }

  private reload(): void {
    this.incrementScriptSha = this.loadIncrementScript();
    this.getScriptSha = this.loadGetScript();
    // Awaited where used; a rejection here is the next count's 503, not an unhandled rejection.
    this.incrementScriptSha.catch(() => undefined);
    this.getScriptSha.catch(() => undefined);
  }
}

/**
 * Counts in Redis under `prefix`, so every exporter replica enforces one limit together. On a cluster the scripts
 * are loaded on every master (a count's EVALSHA goes to its key's master, whichever it is; one promoted later
 * answers NOSCRIPT and the store loads them again).
 */
export function redisRateLimitStore(redis: Redis, prefix: string): Store {
  if (isCluster(redis)) {
    return new ResilientRedisStore({
      prefix,
      sendCommandCluster: async ({ command: [name, ...args] }) => {
        if (name?.toUpperCase() !== 'SCRIPT') return redis.call(name!, ...args) as Promise<RedisReply>;
        const shas = await Promise.all(redis.nodes('master').map((node) => node.call(name, ...args)));
        return shas[0] as RedisReply;
      },
    });
  }
  return new ResilientRedisStore({
    prefix,
    sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
  });
}

/**
 * A per-caller limit of `limit` requests per window; `key` names the caller (the operator, authenticated before
 * this runs). Over the limit: 429 problem+json with `Retry-After` and the IETF `RateLimit`/`RateLimit-Policy`
 * headers, which are also on every counted answer.
 */
export function createRateLimiter(opts: {
  name: string;
  limit: number;
  windowSeconds: number;
  store: Store;
  key: (req: Request) => string;
  logger: Logger;
}): RequestHandler {
  return rateLimit({
    windowMs: opts.windowSeconds * 1000,
    limit: opts.limit,
    store: opts.store,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: opts.name,
    keyGenerator: (req) => opts.key(req),
    handler: (_req, _res, next) => {
      next(
        new HttpProblem(
          'rate-limited',
          `more than ${opts.limit} ${opts.name} requests in ${opts.windowSeconds} s; retry after Retry-After`,
        ),
      );
    },
    // The library's own complaints (store errors, misconfiguration) go to the process log, not the console.
    logger: {
      error: (err, message) =>
        opts.logger.error({ err, limiter: opts.name }, message ?? 'rate limiter error'),
      warn: (err, message) =>
        opts.logger.warn({ err, limiter: opts.name }, message ?? 'rate limiter warning'),
    },
  });
}
