import type http from 'node:http';
import { FAULT_MESSAGES, readFields, type Send } from '../http-io.js';
import { stravaAthlete, stravaDetailedActivity } from '../provider-payloads.js';
import { pick } from '../prng.js';
import { stravaTokensFor } from '../tokens.js';
import { ACTIVITY_TYPES } from '../workouts.js';
import type { SimActivity } from '../world.js';
import type { FakeApiDeps, SimProvider } from './adapter.js';
import { STRAVA_RATE_LIMIT_ERROR } from './strava-limits.js';

/** Seeded Strava activity ids are this + user index x 1000 + n; live traffic uses far larger ones. */
export const SEED_STRAVA_ID_BASE = 9_000_000_000;

const STRAVA_TITLES = ['Easy', 'Tempo', 'Long', 'Recovery', 'Commute', 'Hill repeats'] as const;

/** Strava's error shape: `{"message": ..., "errors": [{resource, field, code}]}`. */
function stravaError(
  send: Send,
  status: number,
  message: string,
  resource: string,
  field: string,
  code: string,
) {
  send(status, { message, errors: [{ resource, field, code }] });
}

/** The fake Strava API: athlete, activity by id, OAuth refresh, with Strava's error shapes. */
async function serveStrava(
  req: http.IncomingMessage,
  url: URL,
  send: Send,
  deps: FakeApiDeps,
): Promise<void> {
  const { world, now } = deps;
  const method = req.method ?? 'GET';
  if (deps.stravaLimits) {
    // Every request counts, refused ones too; every answer carries the usage as it stands.
    const { allowed, headers } = deps.stravaLimits.admit(method);
    const inner = send;
    send = (status, body, extra = {}) => inner(status, body, { ...headers, ...extra });
    if (!allowed) return send(429, STRAVA_RATE_LIMIT_ERROR);
  }
  if (url.pathname === '/oauth/token') {
    if (method !== 'POST') return send(405, { message: 'Method Not Allowed', errors: [] }, { Allow: 'POST' });
    // Strava takes the fields as query parameters, a form or JSON; later sources win.
    const fields: Record<string, unknown> = {
      ...Object.fromEntries(url.searchParams),
      ...(await readFields(req, { acceptForm: true })),
    };
    if (fields.grant_type !== 'refresh_token') {
      return stravaError(send, 400, 'Bad Request', 'Application', 'grant_type', 'invalid');
    }
    const grant =
      typeof fields.refresh_token === 'string' ? world.refresh(fields.refresh_token, now()) : undefined;
    if (!grant) return stravaError(send, 400, 'Bad Request', 'RefreshToken', 'refresh_token', 'invalid');
    return send(200, {
      token_type: 'Bearer',
      access_token: grant.accessToken,
      expires_at: grant.expiresAt,
      expires_in: grant.expiresIn,
      refresh_token: grant.refreshToken,
    });
  }
  if (method !== 'GET') return send(405, { message: 'Method Not Allowed', errors: [] }, { Allow: 'GET' });
  const auth = world.authenticate(req.headers.authorization, now());
  if (!auth.ok) return stravaError(send, 401, 'Authorization Error', 'Athlete', 'access_token', auth.reason);
  if (url.pathname === '/api/v3/athlete') return send(200, stravaAthlete(auth.athlete));
  const m = /^\/api\/v3\/activities\/(\d{1,19})$/.exec(url.pathname);
  const activity = m ? world.activity('strava', String(BigInt(m[1]!))) : undefined;
  if (!activity) return stravaError(send, 404, 'Record Not Found', 'Activity', 'id', 'invalid');
  if (activity.user.stravaAthleteId !== auth.athlete.stravaAthleteId) {
    return stravaError(send, 401, 'Authorization Error', 'Athlete', 'access_token', 'invalid');
  }
  send(200, stravaDetailedActivity(activity));
}

/** Strava: events announce activities by id (the worker fetches them); the athlete's tokens are seeded. */
export const stravaSim: SimProvider<'strava'> = {
  provider: 'strava',
  webhookPath: '/api/webhooks/strava',
  deliver(action, nowMs, kit) {
    const { world, rng } = kit;
    const event = (a: SimActivity, aspect: 'create' | 'update' | 'delete', updates: Record<string, string>) =>
      kit.json('strava', action, {
        aspect_type: aspect,
        event_time: Math.floor(nowMs / 1000),
        object_id: Number(a.externalId),
        object_type: 'activity',
        owner_id: a.user.stravaAthleteId,
        subscription_id: kit.settings.subscriptionId,
        updates,
      });
    if (action === 'update') {
      const before = world.randomLive('strava', rng)!;
      const title = `${pick(rng, STRAVA_TITLES)} ${ACTIVITY_TYPES.strava[before.sport]}`;
      const after = kit.revise({ ...before, name: title });
      return event(after, 'update', { title });
    }
    if (action === 'delete') {
      const gone = world.randomLive('strava', rng)!;
      world.deleteActivity('strava', gone.externalId);
      return event(gone, 'delete', {});
    }
    return event(kit.newActivity('strava', String(kit.nextId()), nowMs), 'create', {});
  },
  api: {
    owns: (path) => path.startsWith('/api/v3/') || path === '/oauth/token',
    serve: serveStrava,
    fault(send, error, headers) {
      const message = FAULT_MESSAGES[error.status] ?? 'Error';
      if (error.status === 429) {
        // An injected 429 says the short limit is spent, as Strava's headers would (usage over the limit).
        headers['X-RateLimit-Limit'] = '100,1000';
        headers['X-RateLimit-Usage'] = '101,1000';
        return send(429, STRAVA_RATE_LIMIT_ERROR, headers);
      }
      send(error.status, { message, errors: [] }, headers);
    },
  },
  // Strava reports moving time.
  reportedMovingTimeS: (a) => a.movingTimeS,
  seedExternalId: (user, n) => String(SEED_STRAVA_ID_BASE + user.index * 1_000 + n),
  seedAccount(user) {
    const tokens = stravaTokensFor(user.stravaAthleteId);
    return {
      externalUserId: String(user.stravaAthleteId),
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      tokenExpiresAt: tokens.expiresAt,
      scopes: 'read,activity:read_all',
    };
  },
};
