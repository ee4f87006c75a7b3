import { createPool, Secret } from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  silentLogger,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { closeRedis, startApp, unreachableRedis, type RunningApp } from './harness.js';

// Response bodies are checked field by field; the test reads them loosely typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;

beforeAll(async () => {
  db = await createTestDatabase('app');
  redis = await createTestRedis('app');
  app = await startApp({ pool: db.pool, redis: redis.redis, prefix: redis.prefix });
});

afterAll(async () => {
  await app?.close();
  await redis?.close();
  await db?.drop();
});

describe('health', () => {
  it('GET /healthz answers while the process is up', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect((await res.json()) as Json).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 when Postgres and Redis answer', async () => {
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.status).toBe('ready');
    expect(body.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['postgres', true],
      ['redis', true],
    ]);
  });

  it('GET /readyz is 503 naming Redis when Redis is unreachable', async () => {
    const broken = unreachableRedis();
    const other = await startApp({ pool: db.pool, redis: broken, prefix: redis.prefix });
    try {
      const res = await fetch(`${other.url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as Json;
      expect(body.type).toBe('https://ops-cockpit.dev/problems/dependency-unavailable');
      expect(body.detail).toMatch(/^redis: /);
      expect(body.checks.find((c: { name: string }) => c.name === 'postgres').ok).toBe(true);
      expect(body.checks.find((c: { name: string }) => c.name === 'redis').ok).toBe(false);
    } finally {
      await other.close();
      await closeRedis(broken);
    }
  });

  it('GET /readyz is 503 naming Postgres when Postgres is unreachable', async () => {
    const pool = createPool({
      url: new Secret('postgres://postgres@127.0.0.1:1/none'),
      max: 1,
      logger: silentLogger,
      applicationName: 'unreachable',
    });
    const other = await startApp({ pool, redis: redis.redis, prefix: redis.prefix });
    try {
      const res = await fetch(`${other.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as Json;
      expect(body.detail).toMatch(/^postgres: /);
      expect(body.detail).not.toMatch(/redis/);
    } finally {
      await other.close();
      await pool.end();
    }
  });
});

describe('metrics', () => {
  it('GET /metrics serves the Prometheus text format with ops_ and process metrics', async () => {
    await fetch(`${app.url}/healthz`);
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toMatch(/^ops_build_info\{service="exporter",version="test",node_version="v\d+/m);
    expect(text).toMatch(/^ops_dependency_up\{dependency="postgres"\} 1$/m);
    expect(text).toMatch(/^ops_dependency_up\{dependency="redis"\} 1$/m);
    expect(text).toMatch(/^ops_http_requests_total\{method="GET",route="\/healthz",code="200"\} \d+$/m);
    expect(text).toMatch(
      /^ops_http_request_duration_seconds_bucket\{le="0.001",method="GET",route="\/healthz"\}/m,
    );
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('labels unknown paths as unmatched, so junk URLs never create series', async () => {
    await fetch(`${app.url}/no/such/${Math.random()}`);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/ops_http_requests_total\{method="GET",route="unmatched",code="404"\}/);
    expect(text).not.toMatch(/no\/such/);
  });
});

describe('errors are problem+json', () => {
  it('unknown route → 404', async () => {
    const res = await fetch(`${app.url}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await res.json()) as Json).toEqual({
      type: 'https://ops-cockpit.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'no route for GET /nope',
      instance: '/nope',
    });
  });

  it('body over 256 KB → 413', async () => {
    const res = await fetch(`${app.url}/api/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(300 * 1024) }),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as Json;
    expect(body.type).toBe('https://ops-cockpit.dev/problems/payload-too-large');
  });

  it('a body of just under 256 KB is read (and reaches routing)', async () => {
    const res = await fetch(`${app.url}/api/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(250 * 1024) }),
    });
    expect(res.status).toBe(404);
  });

  it('malformed JSON → 400', async () => {
    const res = await fetch(`${app.url}/api/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).type).toBe('https://ops-cockpit.dev/problems/malformed-json');
  });
});
