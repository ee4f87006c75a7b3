// Thresholds and answer checks shared by the load scripts.
import { check } from 'k6';

/** Strava's limit (an answer within 2 s, or it retries) and the tighter figure this project holds itself to. */
export const INGESTION_THRESHOLDS = {
  http_req_failed: ['rate<0.001'],
  http_req_duration: ['p(99)<2000', 'p(99)<50'],
  checks: ['rate>0.999'],
};

/**
 * Checks a webhook answer: 200 and an `accepted` body, as the exporter answers each provider.
 * @param {import('k6/http').RefinedResponse<'text'>} res
 * @returns {boolean}
 */
export function checkAccepted(res) {
  return check(res, {
    'status is 200': (r) => r.status === 200,
    'event accepted': (r) => {
      try {
        const body = JSON.parse(String(r.body));
        return body.status === 'accepted' || body.accepted >= 1;
      } catch {
        return false;
      }
    },
  });
}
