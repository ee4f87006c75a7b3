import type http from 'node:http';
import { POLAR_ENTITY_ID, POLAR_SIGNATURE_HEADER, signPolarWebhook } from '@ops-cockpit/core';
import type { Send } from '../http-io.js';
import { pick } from '../prng.js';
import { isPolarLinked, polarLinkOf, readPolarToken } from '../polar/accounts.js';
import { polarEntityId, polarExercise } from '../polar/payloads.js';
import type { Delivery, FakeApiDeps, SimProvider, TrafficSettings } from './adapter.js';

const PATH = '/api/webhooks/polar';
const EXERCISES = '/v3/exercises/';
/** Written into `polar_user` links, as the real API does. */
const POLAR_PUBLIC_BASE = 'https://www.polaraccesslink.com';

/** Polar's timestamps: whole seconds, UTC, `Z`. */
const polarTime = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;

/** A delivery to the Polar webhook, signed with the webhook's key when it is given. */
function polarDelivery(action: string, body: string, secret: string | undefined): Delivery {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (secret) headers[POLAR_SIGNATURE_HEADER] = signPolarWebhook(secret, body);
  return { provider: 'polar', action, path: PATH, headers, body };
}

/**
 * The PING Polar sends while a webhook is created or its URL changed: unsigned by default, since the key is
 * handed over only after it (tests and demos post it; the traffic mix does not).
 */
export function polarPing(nowMs: number, opts: { secret?: string } = {}): Delivery {
  return polarDelivery('ping', JSON.stringify({ event: 'PING', timestamp: polarTime(nowMs) }), opts.secret);
}

/** AccessLink's error body. */
function polarError(send: Send, status: number, errorType: string, message: string, headers = {}): void {
  send(status, { timestamp: new Date().toISOString(), status, errorType, message }, headers);
}

/**
 * GET /v3/exercises/{exerciseId} with the user's bearer token: 401 for a missing, forged or revoked token, 404 for
 * an unknown id or another user's exercise, AccessLink's rate-limit headers on every answer, 429 past a limit.
 */
function servePolar(req: http.IncomingMessage, url: URL, send: Send, { world, now }: FakeApiDeps): void {
  const meter = world.polarAccess.meter(now());
  const { headers } = meter;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return polarError(send, 405, 'METHOD_NOT_ALLOWED', 'Method Not Allowed', { ...headers, Allow: 'GET' });
  }
  if (meter.overForSeconds !== undefined) {
    return polarError(send, 429, 'TOO_MANY_REQUESTS', 'Rate limit exceeded', {
      ...headers,
      'Retry-After': String(meter.overForSeconds),
    });
  }
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '');
  const polarUserId = m ? readPolarToken(m[1]!) : undefined;
  if (polarUserId === undefined || world.polarAccess.isRevoked(polarUserId)) {
    return polarError(send, 401, 'UNAUTHORIZED', 'Unauthorized', headers);
  }
  const id = url.pathname.slice(EXERCISES.length);
  const found = POLAR_ENTITY_ID.test(id) ? world.activity('polar', id) : undefined;
  // Another user's exercise is as absent as an unknown one: ids are not to be probed.
  if (!found || polarLinkOf(found.user)?.polarUserId !== polarUserId) {
    return polarError(send, 404, 'NOT_FOUND', 'Exercise not found', headers);
  }
  send(200, polarExercise(found, POLAR_PUBLIC_BASE), headers);
}

/**
 * Polar AccessLink: an EXERCISE notification per new exercise of a Polar-linked user (the exercise is in the world
 * first, so the fetch finds it), signed with the webhook's key; a re-sent notification carries a new timestamp
 * and signature, as a Polar retry does. Exercises are immutable there: no updates or deletions.
 */
export const polarSim: SimProvider<'polar'> = {
  provider: 'polar',
  webhookPath: PATH,
  sends: (settings: TrafficSettings) => Boolean(settings.polarSecret),
  deliver(action, nowMs, kit) {
    const linked = kit.world.activeUsers.filter(isPolarLinked);
    const user = linked.length ? pick(kit.rng, linked) : undefined;
    if (!user) throw new Error('no active demo user is linked to Polar');
    const a = kit.newActivity('polar', polarEntityId(kit.nextId()), nowMs, user);
    const body = JSON.stringify({
      event: 'EXERCISE',
      user_id: polarLinkOf(user)!.polarUserId,
      entity_id: a.externalId,
      timestamp: polarTime(nowMs),
      url: `${POLAR_PUBLIC_BASE}${EXERCISES}${a.externalId}`,
    });
    kit.remember('polar', { action, body });
    return polarDelivery(action, body, kit.settings.polarSecret);
  },
  redeliver(previous, nowMs, kit) {
    const event = JSON.parse(previous.body) as Record<string, unknown>;
    const body = JSON.stringify({ ...event, timestamp: polarTime(nowMs) });
    return polarDelivery('duplicate', body, kit.settings.polarSecret);
  },
  api: {
    owns: (path) => path.startsWith(EXERCISES),
    serve: servePolar,
    fault(send, error, headers) {
      const messages: Record<number, string> = { 429: 'Rate limit exceeded', 500: 'Internal error' };
      polarError(send, error.status, 'INJECTED', messages[error.status] ?? 'Service unavailable', headers);
    },
  },
  // AccessLink's `duration` is the session's whole span.
  reportedMovingTimeS: (a) => a.elapsedTimeS,
  seedExternalId: (user, n) => `SEED${user.index}N${n}`,
  seedAccount: (user) => {
    const link = polarLinkOf(user);
    return link
      ? {
          externalUserId: String(link.polarUserId),
          accessToken: link.accessToken,
          refreshToken: null,
          tokenExpiresAt: null,
          scopes: 'accesslink.read_all',
        }
      : undefined;
  },
};
