// A soak: a steady, realistic rate for a long time, to find what only time shows (memory growth, a backlog
// the worker never catches up on, connection churn). A second scenario reads the exporter's and the worker's
// /metrics every 10 s and turns their RSS and the ingest backlog into k6 metrics with thresholds.
//
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e WORKER_METRICS_URL=http://127.0.0.1:9465/metrics \
//          -e RATE=300 -e DURATION=30m k6/soak.js
/* global __ENV */
import http from 'k6/http';
import { sleep } from 'k6';
import { Gauge } from 'k6/metrics';
import { INGESTION_THRESHOLDS, checkAccepted } from './lib/checks.js';
import {
  JSON_HEADERS,
  baseUrl,
  envNumber,
  garminPush,
  runData,
  stravaEvent,
  uniqueId,
  webhookUrl,
} from './lib/payloads.js';

const DURATION = __ENV.DURATION || '30m';
const exporterRss = new Gauge('exporter_rss_bytes');
const ingestPending = new Gauge('worker_ingest_pending');

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    ingest: {
      executor: 'constant-arrival-rate',
      rate: envNumber('RATE', 300),
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: envNumber('VUS', 50),
      maxVUs: envNumber('MAX_VUS', 500),
      exec: 'ingest',
    },
    watch: {
      executor: 'constant-vus',
      vus: 1,
      duration: DURATION,
      exec: 'watch',
    },
  },
  thresholds: {
    ...INGESTION_THRESHOLDS,
    dropped_iterations: ['count<1'],
    // Issue 10: the exporter stays under 150 MB; the worker keeps up (backlog never beyond a few seconds).
    exporter_rss_bytes: [`value<${150 * 1024 * 1024}`],
    worker_ingest_pending: [`value<${envNumber('MAX_PENDING', 5000)}`],
  },
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(99)', 'max'],
};

export function setup() {
  return runData();
}

/**
 * A realistic mix: Strava events (skipped by the worker) and Garmin summaries (written).
 * @param {{ runBase: number }} data
 */
export function ingest(data) {
  const id = uniqueId(data);
  const res =
    id % 3 === 0
      ? http.post(webhookUrl('garmin'), garminPush(id, 3000 + (id % 10_000)), {
          headers: JSON_HEADERS,
        })
      : http.post(webhookUrl('strava'), stravaEvent(id), { headers: JSON_HEADERS });
  checkAccepted(res);
}

/**
 * The first sample of `name` in a Prometheus text body, or undefined.
 * @param {string} text
 * @param {string} name
 */
function sample(text, name) {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

export function watch() {
  const tags = { tags: { name: 'metrics scrape' } };
  const exporter = http.get(`${baseUrl()}/metrics`, tags);
  const rss = sample(String(exporter.body), 'process_resident_memory_bytes');
  if (rss !== undefined) exporterRss.add(rss);
  if (__ENV.WORKER_METRICS_URL) {
    const worker = http.get(__ENV.WORKER_METRICS_URL, tags);
    const pending = sample(String(worker.body), 'ops_ingest_pending');
    if (pending !== undefined) ingestPending.add(pending);
  }
  sleep(10);
}
