import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { startApp, type RunningApp } from './harness.js';

/** Shared by incidents*.test.ts: one app per test file (jest gives each file its own module state). */

// Response bodies are checked field by field; the tests read them loosely typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const AM_TOKEN = 'am-token-0123456789';
export const ADA = 'ada-token-0123456789abcdef';
export const BOB = 'bob-token-0123456789abcdef';
/** The token Grafana's app proxy holds: its operator is OPS_GRAFANA_OPERATOR (`grafana`). */
export const GRAFANA = 'grafana-token-0123456789abcdef';

export let db: TestDatabase;
export let redis: TestRedis;
let app: RunningApp;

/** Registers the hooks: a database, Redis prefix and app per file; incidents emptied before each test. */
export function setupIncidentsApp(): void {
  beforeAll(async () => {
    db = await createTestDatabase('incidents');
    redis = await createTestRedis('incidents');
    app = await startApp({
      pool: db.pool,
      redis: redis.redis,
      prefix: redis.prefix,
      alertmanagerToken: AM_TOKEN,
      operatorTokens: `ada:${ADA},bob:${BOB},grafana:${GRAFANA}`,
    });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    await db.pool.query('TRUNCATE incidents');
  });
}

export function appUrl(): string {
  return app.url;
}

/** The body Alertmanager 0.25 really sent (shared/FACTS.md), with this test's alerts. */
export function notification(alerts: Json[], status = 'firing'): Json {
  return {
    receiver: 'ops-cockpit-exporter',
    status,
    alerts,
    groupLabels: { alertname: 'ProviderDown' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    version: '4',
    groupKey: '{}:{alertname="ProviderDown"}',
    truncatedAlerts: 0,
  };
}

export function alert(overrides: Json = {}): Json {
  return {
    status: 'firing',
    labels: { alertname: 'ProviderDown', provider: 'strava', severity: 'critical' },
    annotations: { summary: 'strava is down', description: 'every probe failed' },
    startsAt: '2026-11-26T08:39:05.815Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=ops_provider_probe_success+%3D%3D+0',
    fingerprint: 'bff4b508465281bd',
    ...overrides,
  };
}

export async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/api/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${AM_TOKEN}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}

export async function rows(): Promise<Json[]> {
  const { rows } = await db.pool.query(
    `SELECT message, level, source, fingerprint, labels, generator_url, started_at, resolved_at
       FROM incidents ORDER BY id`,
  );
  return rows;
}

export async function list(state?: string) {
  const res = await fetch(`${app.url}/api/ops/incidents${state ? `?state=${state}` : ''}`);
  return { status: res.status, body: (await res.json()) as Json };
}

export async function acknowledge(id: number | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/api/ops/incidents/${id}/acknowledge`, { method: 'POST', headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}

export async function status(): Promise<Json> {
  return (await fetch(`${app.url}/api/ops/status`)).json();
}
