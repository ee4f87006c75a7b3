import fc from 'fast-check';
import { CHAOS_MODES, CHAOS_TARGETS, PROVIDERS } from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { WEBHOOK_ROUTES } from '../src/webhooks/registry.js';
import { INCIDENT_LEVELS } from '../src/incidents/calm.js';
import { REJECT_REASONS } from '../src/metrics.js';
import { startApp, type RunningApp } from './harness.js';
import { runs } from './properties-support.js';
import { samplesOf } from './metrics-exposition.js';
import { listedApp, routesOf } from './routes-support.js';
import { garminSummary, stravaEvent } from './webhooks-support.js';

/**
 * Random provider names, paths, methods and label-like values, sent as requests of every kind the exporter
 * counts, never create a metric series: every label of every ops_ series keeps to its fixed set (a route label
 * is a route template or `unmatched`, never a raw path), and no random value shows up anywhere in /metrics.
 */

const OPERATOR = 'ada-operator-token-0123456789';
const AM_TOKEN = 'am-token-0123456789abcdef';

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;

beforeAll(async () => {
  db = await createTestDatabase('series');
  redis = await createTestRedis('series');
  app = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    operatorTokens: `ada:${OPERATOR}`,
    alertmanagerToken: AM_TOKEN,
    chaos: { enabled: true },
    webhooks: { stravaSubscriptionId: 1 },
  });
});

afterAll(async () => {
  await app?.close();
  await redis?.close();
  await db?.drop();
});

/** The ops_ samples of a Prometheus text exposition, with their labels. */
const opsSeries = (text: string) => samplesOf(text).filter((s) => s.name.startsWith('ops_'));

const metrics = async () => (await fetch(`${app.url}/metrics`)).text();

/** Random names that cannot be mistaken for a real label value, so finding one in /metrics is a leak. */
const randomName = fc.stringMatching(/^[a-z0-9_.-]{4,12}$/).map((s) => `zq${s}`);
const seen = new Set<string>();
const named = randomName.map((n) => {
  seen.add(n);
  return n;
});

const operator = { authorization: `Bearer ${OPERATOR}` };
const json = { 'content-type': 'application/json' };

/** One request of a kind that touches a labelled metric, with random names where its labels come from. */
const request = fc.oneof(
  named.map((n) => ({ method: 'POST', path: `/api/webhooks/${n}`, body: '{}', headers: json })),
  fc
    .tuple(named, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'SEARCH'))
    .map(([n, method]) => ({ method, path: `/api/ops/${n}`, headers: operator })),
  // Refused by the access check before any route: counted as `unmatched`, whatever the path.
  fc
    .tuple(named, fc.constantFrom('nudge', 'chaos/outage', 'incidents/1/acknowledge'))
    .map(([token, path]) => ({
      method: 'POST',
      path: `/api/ops/${path}`,
      headers: { authorization: `Bearer ${token}` },
    })),
  fc
    .tuple(named, named)
    .map(([a, b]) => ({ method: 'GET', path: `/${a}/${encodeURIComponent(b)}?${a}=${b}`, headers: {} })),
  fc.tuple(named, fc.constantFrom(...PROVIDERS, 'zqnope')).map(([mode, provider]) => ({
    method: 'PUT',
    path: `/api/ops/chaos/${mode}`,
    body: JSON.stringify({ target: 'ingest', providers: [provider] }),
    headers: { ...operator, ...json },
  })),
  fc.tuple(fc.constantFrom(...CHAOS_MODES), named).map(([mode, provider]) => ({
    method: 'PUT',
    path: `/api/ops/chaos/${mode}`,
    body: JSON.stringify({ target: 'ingest', providers: [provider] }),
    headers: { ...operator, ...json },
  })),
  // Provider payloads whose label-like fields carry random values; some are accepted (Strava events).
  fc.tuple(named, named, fc.nat()).map(([objectType, aspectType, id]) => ({
    method: 'POST',
    path: '/api/webhooks/strava',
    body: JSON.stringify(stravaEvent({ object_type: objectType, aspect_type: aspectType, object_id: id })),
    headers: json,
  })),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 })).map(([id, sub]) => ({
    method: 'POST',
    path: '/api/webhooks/strava',
    body: JSON.stringify(stravaEvent({ object_id: id, subscription_id: sub, updates: { title: `zq${id}` } })),
    headers: json,
  })),
  fc.tuple(named, named).map(([user, type]) => ({
    method: 'POST',
    path: '/api/webhooks/garmin',
    body: JSON.stringify({ activities: [garminSummary(user, { activityType: type })] }),
    headers: json,
  })),
  // Valid Alertmanager notifications with random label values: they become incidents, counted by level.
  fc.tuple(named, named, named).map(([alertname, severity, provider]) => ({
    method: 'POST',
    path: '/api/alertmanager',
    body: JSON.stringify({
      version: '4',
      status: 'firing',
      receiver: 'ops',
      groupKey: alertname,
      alerts: [
        {
          status: 'firing',
          labels: { alertname, severity, provider },
          annotations: { summary: alertname },
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: alertname,
        },
      ],
    }),
    headers: { authorization: `Bearer ${AM_TOKEN}`, ...json },
  })),
  fc.tuple(named, named).map(([window, state]) => ({
    method: 'GET',
    path: `/api/ops/provider-health?window=${window}&state=${state}`,
    headers: {},
  })),
);

describe('metric series', () => {
  it('keep to fixed label values whatever names and values requests carry', async () => {
    const before = opsSeries(await metrics());
    const known = new Map<string, Set<string>>();
    for (const { labels } of before) {
      for (const [k, v] of Object.entries(labels)) known.set(k, (known.get(k) ?? new Set()).add(v));
    }
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const res = await fetch(`${app.url}${req.path}`, req);
        await res.arrayBuffer();
        statuses.add(res.status);
        // Anything but a 5xx: which 4xx or 2xx depends on the random values.
        if (res.status >= 500) throw new Error(`answered ${res.status} to ${JSON.stringify(req)}`);
      }),
      runs(200),
    );
    // The runs reached accepted, refused, unauthorised and unrouted answers alike.
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 400, 401, 403, 404, 422]));

    const text = await metrics();
    const routes = new Set([
      ...routesOf(listedApp()).map((r) => r.path),
      ...WEBHOOK_ROUTES.keys(),
      'unmatched',
    ]);
    const allowed: Record<string, (v: string) => boolean> = {
      method: (v) => ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER'].includes(v),
      route: (v) => routes.has(v),
      code: (v) => /^[1-5]\d\d$/.test(v),
      provider: (v) => (PROVIDERS as readonly string[]).includes(v),
      mode: (v) => (CHAOS_MODES as readonly string[]).includes(v),
      target: (v) => (CHAOS_TARGETS as readonly string[]).includes(v),
      level: (v) => (INCIDENT_LEVELS as readonly string[]).includes(v),
      reason: (v) => (Object.values(REJECT_REASONS) as string[]).includes(v),
      le: (v) => v === '+Inf' || Number.isFinite(Number(v)),
    };
    const after = opsSeries(text);
    expect(after.length).toBeGreaterThan(before.length); // the traffic was counted
    for (const { name, labels } of after) {
      for (const [k, v] of Object.entries(labels)) {
        // A label with no rule of its own keeps to the values it had before the traffic.
        const ok = allowed[k]?.(v) ?? known.get(k)?.has(v) ?? false;
        if (!ok) throw new Error(`${name} has ${k}="${v}"`);
      }
    }
    const leaked = [...seen].filter((n) => text.includes(n));
    expect(leaked).toEqual([]);
    expect(seen.size).toBeGreaterThan(100);
  });
});
