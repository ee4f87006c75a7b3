import { Router } from 'express';
import type { Secret } from '@ops-cockpit/core';
import { HttpProblem } from '../http/problem.js';
import { bearerToken, matchToken, tokenDigest } from '../auth/bearer.js';
import { unauthorized } from '../auth/unauthorized.js';
import { fieldErrors } from '../http/field-errors.js';
import { alertChanges, alertmanagerNotificationSchema } from '../incidents/alertmanager-payload.js';
import type { IncidentStore } from '@ops-cockpit/core';

/**
 * Alertmanager's webhook receiver: checks the bearer token, validates the whole notification before writing
 * anything, then upserts one incident per alert in one transaction. A failed write answers 500, and
 * Alertmanager retries the notification, which the upsert makes harmless.
 */
export function alertmanagerRoutes(deps: { store: IncidentStore; token: Secret | undefined }): Router {
  const expected = deps.token === undefined ? [] : [tokenDigest(deps.token.reveal())];
  const router = Router();

  router.post('/api/alertmanager', async (req, res) => {
    const token = bearerToken(req.get('authorization'));
    if (token === undefined) throw unauthorized(res, 'a bearer token is required');
    if (matchToken(token, expected) === -1) throw unauthorized(res, 'the bearer token is not accepted');
    if (!req.is('application/json')) {
      throw new HttpProblem('unsupported-media-type', 'the notification must be application/json');
    }
    const parsed = alertmanagerNotificationSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new HttpProblem(
        'validation-failed',
        'the Alertmanager notification has missing or mistyped fields',
        {
          errors: fieldErrors(parsed.error.issues),
        },
      );
    }
    const { changes, ignored } = alertChanges(parsed.data);
    const applied = await deps.store.applyAlerts(changes);
    req.log.info(
      { groupKey: parsed.data.groupKey, ...applied, ignored },
      'alertmanager notification applied',
    );
    res.json({ ...applied, ignored });
  });

  return router;
}
