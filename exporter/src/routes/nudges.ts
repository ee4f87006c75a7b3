import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { discardNudge, NUDGE_CHANNELS, requestNudge, type Logger } from '@ops-cockpit/core';
import { HttpProblem } from '../http/problem.js';
import type { OperatorTokens } from '../auth/operators.js';
import { requireOperator } from '../auth/access.js';
import { fieldErrors } from '../http/field-errors.js';
import type { NudgesDeps } from '../nudges/deps.js';
import { nudgeIdempotency, type StoredNudgeAnswer } from '../nudges/idempotency.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

// Printable ASCII, as the IETF Idempotency-Key draft's examples (UUIDs, random strings) are.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const nudgeBody = z.strictObject({
  userId: z.uuid(),
  channel: z.enum(NUDGE_CHANNELS).default('email'),
});

function idempotencyKey(req: Request): string | undefined {
  const key = req.get(IDEMPOTENCY_HEADER);
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new HttpProblem('bad-request', `${IDEMPOTENCY_HEADER} must be 1-255 printable ASCII characters`, {
      errors: [{ field: IDEMPOTENCY_HEADER, message: 'expected 1-255 printable ASCII characters' }],
    });
  }
  return key;
}

/** A key reused for another request is a client bug; answering with the first nudge would hide it. */
function sameRequest(stored: StoredNudgeAnswer, body: z.infer<typeof nudgeBody>): StoredNudgeAnswer {
  if (stored.userId !== body.userId || stored.channel !== body.channel) {
    throw new HttpProblem('validation-failed', `${IDEMPOTENCY_HEADER} was already used for another nudge`, {
      errors: [{ field: IDEMPOTENCY_HEADER, message: 'already used with a different userId or channel' }],
    });
  }
  return stored;
}

/**
 * `POST /api/ops/nudge`: records a queued nudge and queues its job, answering 202 once the job is queued. With an
 * Idempotency-Key, a retry gets the first answer (Redis for 24 h; the nudges row's unique key after that).
 */
export function nudgeRoutes(
  deps: NudgesDeps & { operators: OperatorTokens; logger: Logger; rateLimit: RequestHandler },
): Router {
  const router = Router();
  const idempotency = nudgeIdempotency(deps.redis, deps.keys);

  router.post('/api/ops/nudge', deps.rateLimit, async (req, res) => {
    // Authentication first: an unauthenticated caller learns nothing, not even whether the user exists.
    const requestedBy = requireOperator(req, deps.operators);
    const key = idempotencyKey(req);
    if (
      req.body === undefined ||
      req.body === null ||
      typeof req.body !== 'object' ||
      Array.isArray(req.body)
    ) {
      throw new HttpProblem('bad-request', 'the body must be a JSON object', {
        errors: [{ field: '(root)', message: 'expected a JSON object with userId and channel' }],
      });
    }
    const parsed = nudgeBody.safeParse(req.body);
    if (!parsed.success) {
      throw new HttpProblem('validation-failed', 'the nudge request has missing or mistyped fields', {
        errors: fieldErrors(parsed.error.issues),
      });
    }
    const body = parsed.data;
    if (key !== undefined) {
      const stored = await idempotency.get(key);
      if (stored) {
        res.status(202).json({ nudgeId: sameRequest(stored, body).nudgeId });
        return;
      }
    }
    const outcome = await requestNudge(deps.pool, {
      ...body,
      requestedBy,
      idempotencyKey: key,
      cooldownHours: deps.cooldownHours,
    });
    if (outcome.kind === 'unknown-user') throw new HttpProblem('not-found', `no user ${body.userId}`);
    if (outcome.kind === 'cooling-down') {
      res.set('Retry-After', String(outcome.retryAfterSeconds));
      throw new HttpProblem(
        'conflict',
        `user ${body.userId} was nudged within the last ${deps.cooldownHours} h; retry in ${outcome.retryAfterSeconds} s`,
        { retryAfterSeconds: outcome.retryAfterSeconds },
      );
    }
    if (outcome.kind === 'existing') {
      const answer = sameRequest(outcome, body);
      if (key !== undefined) await idempotency.put(key, answer);
      res.status(202).json({ nudgeId: answer.nudgeId });
      return;
    }
    const { nudgeId } = outcome;
    try {
      await deps.queue.add({ nudgeId, userId: body.userId, channel: body.channel });
    } catch (err) {
      // Not queued, so not sent: drop the row so it neither blocks the cooldown nor answers a retry.
      await discardNudge(deps.pool, nudgeId).catch(() => undefined);
      deps.logger.warn({ err: (err as Error).message, nudgeId }, 'nudge not queued');
      throw new HttpProblem('dependency-unavailable', 'the nudge queue is unavailable; nothing was sent');
    }
    if (key !== undefined) {
      await idempotency
        .put(key, { nudgeId, userId: body.userId, channel: body.channel })
        .catch((err: Error) => deps.logger.warn({ err: err.message }, 'idempotency answer not stored'));
    }
    res.status(202).json({ nudgeId });
  });

  return router;
}
