import {
  garminActivitySchema,
  type ActivityInput,
  type ActivityWrite,
  type GarminActivity,
} from '@ops-cockpit/core';
import { z } from 'zod';
import { ProviderError } from '../providers/errors.js';
import { upsert, type IngestAdapter, type IngestAdapterDeps } from './adapter.js';
import { localTimeAtOffset } from './local-time.js';

export function fromGarmin(a: GarminActivity, userId: string, receivedAt: Date): ActivityInput {
  return {
    provider: 'garmin',
    externalId: a.summaryId,
    userId,
    type: a.activityType,
    distanceM: a.distanceInMeters,
    movingTimeS: a.durationInSeconds,
    startDate: new Date(a.startTimeInSeconds * 1000),
    startDateLocal: localTimeAtOffset(a.startTimeInSeconds, a.startTimeOffsetInSeconds),
    sourceUpdatedAt: receivedAt,
  };
}

const callbackSchema = z.union([
  z.object({ activities: z.array(garminActivitySchema) }),
  z.array(garminActivitySchema),
]);

/** Garmin pushes summaries inline, or pings with a callback URL that answers them; only linked users count. */
export function createGarminIngest(deps: IngestAdapterDeps): IngestAdapter<'garmin'> {
  return {
    want(env, wanted) {
      wanted.accounts.push(['garmin', env.body.userId]);
    },
    async prepare(env, { lookups }) {
      const receivedAt = new Date(env.receivedAt);
      const account = await lookups.account('garmin', env.body.userId);
      if (!account) return { outcome: 'skipped' };
      if (env.kind === 'garmin_activity') return upsert(fromGarmin(env.body, account.userId, receivedAt));
      const ping = env.body;
      const body = await deps.call('garmin', ping.callbackURL, { headers: { Accept: 'application/json' } });
      const parsed = callbackSchema.safeParse(body);
      if (!parsed.success)
        throw new ProviderError('bad_response', 'garmin callback answer is not a list of activities');
      const summaries = Array.isArray(parsed.data) ? parsed.data : parsed.data.activities;
      const writes = summaries
        .filter((s) => s.userId === ping.userId)
        .map((s): ActivityWrite => ({ kind: 'upsert', input: fromGarmin(s, account.userId, receivedAt) }));
      return writes.length ? { writes } : { outcome: 'ignored' };
    },
  };
}
