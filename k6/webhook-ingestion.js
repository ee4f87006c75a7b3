// Webhook ingestion at a constant arrival rate (open model: requests start on schedule whatever the server
// does, as providers' webhooks do). Strava wants an answer within 2 s; this project holds p99 under 50 ms.
//
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e RATE=2000 -e DURATION=1m k6/webhook-ingestion.js
//
// PROVIDER=strava (default: events of an unlinked athlete, accepted and then skipped by the worker),
// garmin (inline summaries for the demo users, written to Postgres) or mixed (half each).
/* global __ENV */
import http from 'k6/http';
import { INGESTION_THRESHOLDS, checkAccepted } from './lib/checks.js';
import {
  JSON_HEADERS,
  envNumber,
  garminPush,
  runData,
  stravaEvent,
  uniqueId,
  webhookUrl,
} from './lib/payloads.js';

const RATE = envNumber('RATE', 2000);
const PROVIDER = __ENV.PROVIDER || 'strava';
if (!['strava', 'garmin', 'mixed'].includes(PROVIDER)) {
  throw new Error(`PROVIDER must be strava, garmin or mixed, got "${PROVIDER}"`);
}

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    ingest: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: __ENV.DURATION || '1m',
      preAllocatedVUs: envNumber('VUS', 100),
      maxVUs: envNumber('MAX_VUS', 1000),
    },
  },
  thresholds: {
    ...INGESTION_THRESHOLDS,
    // The offered rate was really offered: no iteration dropped for want of a free VU.
    dropped_iterations: ['count<1'],
  },
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(99)', 'max'],
};

export function setup() {
  return runData();
}

/** @param {{ runBase: number }} data */
export default function (data) {
  const id = uniqueId(data);
  const garmin = PROVIDER === 'garmin' || (PROVIDER === 'mixed' && id % 2 === 1);
  const res = garmin
    ? http.post(webhookUrl('garmin'), garminPush(id, 5000), {
        headers: JSON_HEADERS,
        tags: { provider: 'garmin' },
      })
    : http.post(webhookUrl('strava'), stravaEvent(id), {
        headers: JSON_HEADERS,
        tags: { provider: 'strava' },
      });
  checkAccepted(res);
}
