import { Router, type Request, type RequestHandler } from 'express';
import {
  CHAOS_MODES,
  chaosFaultInputSchema,
  faultFromInput,
  isChaosMode,
  modeIssues,
  type ChaosFault,
  type ChaosMode,
} from '@ops-cockpit/core';
import { HttpProblem } from '../http/problem.js';
import { requireOperator } from '../auth/access.js';
import { fieldErrors } from '../http/field-errors.js';
import type { ChaosDeps } from '../chaos/deps.js';
import { insertChaosEvent } from '../chaos/events.js';

/** A fault as the API shows it: the expiry as an ISO timestamp. */
export function faultView(fault: ChaosFault) {
  return {
    mode: fault.mode,
    target: fault.target,
    providers: fault.providers,
    probability: fault.probability,
    delayMs: fault.delayMs,
    jitterMs: fault.jitterMs,
    expiresAt: new Date(fault.expiresAtMs).toISOString(),
    setBy: fault.setBy,
  };
}

/** The operator behind the request; authentication first, then whether chaos may be changed at all. */
function operator(req: Request, deps: ChaosDeps): string {
  const name = requireOperator(req, deps.operators);
  if (!deps.enabled) throw new HttpProblem('forbidden', 'chaos is disabled (CHAOS_ENABLED is not true)');
  return name;
}

function modeParam(raw: unknown): ChaosMode {
  if (isChaosMode(raw)) return raw;
  throw new HttpProblem('bad-request', `mode must be one of ${CHAOS_MODES.join(', ')}`, {
    errors: [
      { field: 'mode', message: `expected one of ${CHAOS_MODES.join(', ')}, got ${JSON.stringify(raw)}` },
    ],
  });
}

/** `rateLimit` counts the mutations per operator (CHAOS_RATE_LIMIT); reads are not limited. */
export function chaosRoutes(deps: ChaosDeps, opts: { rateLimit: RequestHandler }): Router {
  const router = Router();
  const now = deps.now ?? Date.now;

  router.get('/api/ops/chaos', async (_req, res) => {
    // While disabled nothing is applied, so nothing is shown as active, whatever Redis holds.
    const faults = deps.enabled ? await deps.store.list() : [];
    res.json({ enabled: deps.enabled, faults: faults.map(faultView) });
  });

  router.put('/api/ops/chaos/:mode', opts.rateLimit, async (req, res) => {
    const actor = operator(req, deps);
    const mode = modeParam(req.params.mode);
    const parsed = chaosFaultInputSchema.safeParse(req.body ?? {});
    const errors = parsed.success ? modeIssues(mode, parsed.data) : fieldErrors(parsed.error.issues);
    if (!parsed.success || errors.length > 0) {
      throw new HttpProblem('bad-request', `invalid fault: ${errors.map((e) => e.field).join(', ')}`, {
        errors,
      });
    }
    const fault = faultFromInput(mode, parsed.data, actor, now());
    const result = await deps.store.set(fault);
    if (!result.ok) {
      throw new HttpProblem(
        'conflict',
        `${result.maxActive} faults are already active (CHAOS_MAX_ACTIVE); clear one first`,
      );
    }
    await insertChaosEvent(deps.pool, {
      action: 'set',
      mode,
      target: fault.target,
      parameters: { ...parsed.data, providers: fault.providers },
      actor,
    });
    // This replica applies it before answering; the others follow on the announcement.
    await deps.flags.refresh();
    res.json(faultView(fault));
  });

  router.delete('/api/ops/chaos/:mode', opts.rateLimit, async (req, res) => {
    const actor = operator(req, deps);
    const mode = modeParam(req.params.mode);
    const cleared = await deps.store.clear(mode);
    if (cleared) {
      await insertChaosEvent(deps.pool, {
        action: 'clear',
        mode,
        target: cleared.target,
        parameters: {},
        actor,
      });
    }
    await deps.flags.refresh();
    res.json({ cleared: cleared ? faultView(cleared) : null });
  });

  router.post('/api/ops/chaos/restore', opts.rateLimit, async (req, res) => {
    const actor = operator(req, deps);
    const cleared = await deps.store.restore();
    await insertChaosEvent(deps.pool, {
      action: 'restore',
      mode: null,
      target: null,
      parameters: { cleared: cleared.map((f) => f.mode) },
      actor,
    });
    await deps.flags.refresh();
    res.json({ cleared: cleared.map(faultView) });
  });

  return router;
}
