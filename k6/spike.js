// A spike: a calm baseline, a sudden burst far above it, and back. What a provider's backfill or a popular
// race morning looks like. Passes if nothing is refused and Strava's 2 s deadline holds throughout; the 50 ms
// p99 is reported per stage (tag `stage`) to show what the burst costs.
//
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e BASE_RATE=200 -e PEAK_RATE=5000 k6/spike.js
import http from 'k6/http';
import exec from 'k6/execution';
import { checkAccepted } from './lib/checks.js';
import { JSON_HEADERS, envNumber, runData, stravaEvent, uniqueId, webhookUrl } from './lib/payloads.js';

const BASE_RATE = envNumber('BASE_RATE', 200);
const PEAK_RATE = envNumber('PEAK_RATE', 5000);

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    spike: {
      executor: 'ramping-arrival-rate',
      startRate: BASE_RATE,
      timeUnit: '1s',
      preAllocatedVUs: envNumber('VUS', 200),
      maxVUs: envNumber('MAX_VUS', 2000),
      stages: [
        { target: BASE_RATE, duration: '30s' },
        { target: PEAK_RATE, duration: '10s' },
        { target: PEAK_RATE, duration: '30s' },
        { target: BASE_RATE, duration: '10s' },
        { target: BASE_RATE, duration: '30s' },
      ],
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.001'],
    http_req_duration: ['p(99)<2000'],
    'http_req_duration{stage:baseline}': ['p(99)<50'],
    'http_req_duration{stage:recovery}': ['p(99)<50'],
    checks: ['rate>0.999'],
  },
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(99)', 'max'],
};

/** Which part of the spike this request belongs to, from the scenario's progress (0-1 over 110 s). */
function stage() {
  const seconds = exec.scenario.progress * 110;
  if (seconds < 30) return 'baseline';
  if (seconds < 80) return 'spike';
  return 'recovery';
}

export function setup() {
  return runData();
}

/** @param {{ runBase: number }} data */
export default function (data) {
  const res = http.post(webhookUrl('strava'), stravaEvent(uniqueId(data)), {
    headers: JSON_HEADERS,
    tags: { stage: stage() },
  });
  checkAccepted(res);
}
