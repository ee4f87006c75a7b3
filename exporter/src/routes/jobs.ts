import { Router } from 'express';
import { z } from 'zod';
import type { Logger, QueueName } from '@ops-cockpit/core';
import { HttpProblem } from '../http/problem.js';
import type { NamedTokens, OperatorTokens } from '../auth/operators.js';
import { requireOperator } from '../auth/access.js';
import { fieldErrors } from '../http/field-errors.js';
import { intQuery } from '../query-params.js';
import { REPLAY_SOURCES, type JobsDeps, type ReplaySource } from '../jobs/deps.js';

const DEAD_LETTER = 'ingest-dead-letter';
const MAX_ITEMS = 1_000;
/** A Redis stream id, as the dead-letter listing shows them. */
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

const replayBody = z
  .strictObject({
    source: z.enum(REPLAY_SOURCES),
    ids: z.array(z.string().min(1).max(200)).min(1).max(MAX_ITEMS).optional(),
    limit: z.number().int().min(1).max(MAX_ITEMS).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.ids && body.limit !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['limit'], message: 'give ids or limit, not both' });
    }
    if (body.source !== DEAD_LETTER) return;
    body.ids?.forEach((id, i) => {
      if (!STREAM_ID.test(id))
        ctx.addIssue({ code: 'custom', path: ['ids', i], message: 'expected a stream id' });
    });
  });

function sourceQuery(raw: unknown): ReplaySource | undefined {
  if (raw === undefined) return undefined;
  if ((REPLAY_SOURCES as readonly unknown[]).includes(raw)) return raw as ReplaySource;
  throw new HttpProblem('bad-request', `source must be one of ${REPLAY_SOURCES.join(', ')}`, {
    errors: [
      {
        field: 'source',
        message: `expected one of ${REPLAY_SOURCES.join(', ')}, got ${JSON.stringify(raw)}`,
      },
    ],
  });
}

/**
 * Failed work: `GET /api/ops/jobs/failed` lists dead-lettered ingest entries (what and why, never the payload)
 * and failed BullMQ jobs, for operators only (failure reasons speak of the inside: hosts, ports, what answered,
 * which no open read may tell an outsider); `POST /api/ops/jobs/replay` (an operator's)
 * sends them through again. Replays cannot double-apply: a dead letter leaves its stream in the same atomic
 * step that re-appends it, a job is retried only from `failed`, and applying an activity event twice changes
 * nothing anyway (the worker's upsert is idempotent).
 */
export function jobRoutes(
  deps: JobsDeps & { operators: OperatorTokens; viewers: NamedTokens; logger: Logger },
): Router {
  const router = Router();

  router.get('/api/ops/jobs/failed', async (req, res) => {
    requireOperator(req, deps.operators, deps.viewers);
    const only = sourceQuery(req.query.source);
    const limit = intQuery(req, 'limit', 100, 1, MAX_ITEMS);
    const sources = only ? [only] : REPLAY_SOURCES;
    const counts = Object.fromEntries(
      await Promise.all(
        REPLAY_SOURCES.map(async (s) => [
          s,
          s === DEAD_LETTER ? await deps.deadLetters.count() : await deps.failedJobs.count(s),
        ]),
      ),
    ) as Record<ReplaySource, number>;
    const failed = (
      await Promise.all(
        sources.map(async (source) =>
          source === DEAD_LETTER
            ? (await deps.deadLetters.list(limit)).map((d) => ({ source, ...d }))
            : (await deps.failedJobs.list(source, limit)).map((j) => ({ source, ...j })),
        ),
      )
    ).flat();
    res.set('Cache-Control', 'no-store').json({ counts, failed });
  });

  router.post('/api/ops/jobs/replay', async (req, res) => {
    const actor = requireOperator(req, deps.operators, deps.viewers);
    const parsed = replayBody.safeParse(req.body);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error.issues);
      throw new HttpProblem('bad-request', `invalid replay: ${errors.map((e) => e.field).join(', ')}`, {
        errors,
      });
    }
    const { source, ids, limit } = parsed.data;
    const selection = ids ? { ids: [...new Set(ids)] } : { limit: limit ?? 100 };
    const result =
      source === DEAD_LETTER
        ? await deps.deadLetters.replay(selection)
        : await deps.failedJobs.replay(source as QueueName, selection);
    if (!result.ok) {
      // Nothing was replayed: unknown ids, or ones replayed already (a second click).
      const position = (id: string) => ids!.indexOf(id);
      throw new HttpProblem(
        'not-found',
        `no failed ${source} entry with ${result.missing.length} of the ids`,
        {
          errors: result.missing.map((m) =>
            typeof m === 'string'
              ? { field: `ids.${position(m)}`, message: `no dead letter ${m}` }
              : { field: `ids.${position(m.id)}`, message: `no failed job ${m.id} (state: ${m.state})` },
          ),
        },
      );
    }
    deps.replayed.inc({ source }, result.replayed.length);
    deps.logger.info({ source, actor, count: result.replayed.length }, 'failed work replayed');
    res.json({ source, count: result.replayed.length, replayed: result.replayed });
  });

  return router;
}
