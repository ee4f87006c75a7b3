import { FAULT_MESSAGES } from '../http-io.js';
import { garminSummary } from '../provider-payloads.js';
import { intBetween, pick } from '../prng.js';
import type { SimProvider } from './adapter.js';

/**
 * Garmin: pushes carry summaries inline, pings a callback URL on this simulator that answers them (the fake
 * API); unsigned, so the exporter accepts only linked users' entries.
 */
export const garminSim: SimProvider<'garmin'> = {
  provider: 'garmin',
  webhookPath: '/api/webhooks/garmin',
  deliver(action, nowMs, kit) {
    const { world, rng } = kit;
    if (action === 'ping') {
      const user = pick(rng, world.activeUsers);
      const callbackId = `cb${kit.nextId()}`;
      const summaries = Array.from({ length: intBetween(rng, 1, 3) }, () =>
        garminSummary(kit.newActivity('garmin', `sim-${kit.nextId()}`, nowMs, user)),
      );
      world.registerGarminCallback(callbackId, summaries);
      const end = Math.floor(nowMs / 1000);
      return kit.json('garmin', action, {
        activities: [
          {
            userId: user.garminUserId,
            userAccessToken: user.garminAccessToken,
            uploadStartTimeInSeconds: end - 3600,
            uploadEndTimeInSeconds: end,
            callbackURL: `${kit.settings.simulatorUrl}/garmin/callback/${callbackId}`,
          },
        ],
      });
    }
    const a =
      action === 'update'
        ? kit.revise(world.randomLive('garmin', rng)!)
        : kit.newActivity('garmin', `sim-${kit.nextId()}`, nowMs);
    return kit.json('garmin', action, { activities: [garminSummary(a)] });
  },
  api: {
    owns: (path) => path.startsWith('/garmin/'),
    serve(req, url, send, { world }) {
      if (req.method !== 'GET') return send(405, { errorMessage: 'Method Not Allowed' }, { Allow: 'GET' });
      const m = /^\/garmin\/callback\/([A-Za-z0-9_-]{1,100})$/.exec(url.pathname);
      const summaries = m ? world.garminCallback(m[1]!) : undefined;
      if (!summaries) return send(404, { errorMessage: 'Not Found' });
      send(200, { activities: summaries });
    },
    fault(send, error, headers) {
      send(error.status, { errorMessage: FAULT_MESSAGES[error.status] ?? 'Error' }, headers);
    },
  },
  // Garmin's duration is elapsed time.
  reportedMovingTimeS: (a) => a.elapsedTimeS,
  seedExternalId: (user, n) => `seed-${user.index}-${n}`,
  seedAccount: (user) => ({
    externalUserId: user.garminUserId,
    accessToken: user.garminAccessToken,
    refreshToken: null,
    tokenExpiresAt: null,
    scopes: null,
  }),
};
