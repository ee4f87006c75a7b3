// Spike Lab: turn on the `duplicates` fault (each accepted webhook handed to ingestion twice), post a known
// set of events, restore calm, then check the challenge total moved by exactly what was sent: deduplication
// must make a duplicated delivery count once. Uses the Spike Lab API (issue 6):
//   PUT  /api/ops/chaos/duplicates   {target, providers, probability, ttlSeconds}   (operator token)
//   POST /api/ops/chaos/restore                                                    (operator token)
//   GET  /api/ops/challenge          {totalMiles, goalMiles, percent}
// Run it against a stack with no other traffic (DEMO=false, or SIMULATOR_RATE=0) and CHAOS_ENABLED=true:
//
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e OPS_OPERATOR_TOKEN=... -e EVENTS=2000 k6/spike-lab.js
/* global __ENV */
import http from 'k6/http';
import { check, fail, sleep } from 'k6';
import { Counter } from 'k6/metrics';
import { checkAccepted } from './lib/checks.js';
import {
  JSON_HEADERS,
  baseUrl,
  envNumber,
  garminPush,
  runData,
  uniqueId,
  webhookUrl,
} from './lib/payloads.js';

/** One mile in metres: each event adds exactly 1 mile, so the expected change is the number of events. */
const MILE_M = 1609.344;
const EVENTS = envNumber('EVENTS', 2000);
const DRAIN_SECONDS = envNumber('DRAIN_SECONDS', 120);
const injected = new Counter('lab_duplicates_injected');

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '30s',
  teardownTimeout: `${DRAIN_SECONDS + 30}s`,
  scenarios: {
    lab: {
      executor: 'shared-iterations',
      vus: envNumber('VUS', 20),
      iterations: EVENTS,
      maxDuration: '5m',
    },
  },
  thresholds: {
    // Every event must be accepted, or the expected total below is wrong (and the run fails here anyway).
    http_req_failed: ['rate==0'],
    'checks{check:challenge total moved by exactly the events sent}': ['rate==1'],
    'checks{check:duplicates were injected}': ['rate==1'],
    checks: ['rate==1'],
  },
};

function operatorHeaders() {
  const token = __ENV.OPS_OPERATOR_TOKEN;
  if (!token) fail('OPS_OPERATOR_TOKEN is not set: the chaos endpoints need an operator token');
  return { ...JSON_HEADERS, Authorization: `Bearer ${token}` };
}

function totalMiles() {
  // The operator token also reads, so this works with OPS_READ_OPEN=false too.
  const res = http.get(`${baseUrl()}/api/ops/challenge`, {
    headers: operatorHeaders(),
    tags: { name: 'challenge' },
  });
  if (res.status !== 200) fail(`GET /api/ops/challenge answered ${res.status}: ${res.body}`);
  return Number(JSON.parse(String(res.body)).totalMiles);
}

/**
 * Sum of a counter on the exporter's /metrics over the series whose labels include every `match` pair.
 * @param {string} name
 * @param {string[]} match
 */
function exporterCounter(name, match) {
  const text = String(http.get(`${baseUrl()}/metrics`, { tags: { name: 'metrics' } }).body);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (match.every((pair) => line.includes(pair))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export function setup() {
  const before = totalMiles();
  const injectedBefore = exporterCounter('ops_chaos_injected_total', ['mode="duplicates"']);
  const res = http.put(
    `${baseUrl()}/api/ops/chaos/duplicates`,
    JSON.stringify({
      target: 'ingest',
      providers: ['garmin'],
      probability: 100,
      // Ends by itself even if this script dies before its teardown.
      ttlSeconds: 300,
    }),
    { headers: operatorHeaders(), tags: { name: 'chaos set' } },
  );
  if (res.status !== 200 && res.status !== 201) {
    fail(`PUT /api/ops/chaos/duplicates answered ${res.status}: ${res.body}`);
  }
  return { ...runData(), before, injectedBefore };
}

/** @param {{ runBase: number }} data */
export default function (data) {
  const res = http.post(webhookUrl('garmin'), garminPush(uniqueId(data), MILE_M), {
    headers: JSON_HEADERS,
  });
  checkAccepted(res);
}

/** @param {{ runBase: number, before: number, injectedBefore: number }} data */
export function teardown(data) {
  const restore = http.post(`${baseUrl()}/api/ops/chaos/restore`, null, {
    headers: operatorHeaders(),
    tags: { name: 'chaos restore' },
  });
  check(restore, { 'calm restored': (r) => r.status === 200 || r.status === 204 });

  const injectedNow =
    exporterCounter('ops_chaos_injected_total', ['mode="duplicates"']) - data.injectedBefore;
  injected.add(injectedNow);
  check(injectedNow, { 'duplicates were injected': (n) => n > 0 });

  // The worker applies asynchronously: wait for the total to reach what was sent, then a little longer, so
  // a duplicate applied twice would have shown up as an overshoot.
  const expected = EVENTS;
  let moved = totalMiles() - data.before;
  for (let waited = 0; waited < DRAIN_SECONDS && moved < expected - 0.001; waited++) {
    sleep(1);
    moved = totalMiles() - data.before;
  }
  sleep(3);
  moved = totalMiles() - data.before;
  console.log(
    `challenge moved ${moved.toFixed(3)} miles for ${expected} events; duplicates injected: ${injectedNow}`,
  );
  check(moved, {
    'challenge total moved by exactly the events sent': (m) => Math.abs(m - expected) < 0.001,
  });
}
