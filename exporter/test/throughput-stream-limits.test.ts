import http from 'node:http';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { startApp, type RunningApp } from './harness.js';

// Open live-signal streams are bounded per client address (429) and per process (503), with Retry-After, and
// a closed stream frees its place.
let db: TestDatabase;
let redis: TestRedis;
const apps: RunningApp[] = [];
const held: http.ClientRequest[] = [];

beforeAll(async () => {
  db = await createTestDatabase('sselimit');
  redis = await createTestRedis('sselimit');
});
afterEach(async () => {
  for (const req of held.splice(0)) req.destroy();
  for (const app of apps.splice(0)) await app.close();
});
afterAll(async () => {
  await redis?.close();
  await db?.drop();
});

async function app(max: number, perClient: number) {
  const a = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    throughputStreams: { max, perClient },
  });
  apps.push(a);
  return a;
}

/** Opens a stream and resolves with its status and headers once they arrive; 200 streams stay open. */
function open(url: string): Promise<{ status: number; retryAfter?: string; type?: string; body?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/api/ops/throughput/stream`, (res) => {
      if (res.statusCode === 200) {
        held.push(req);
        resolve({ status: 200 });
        return;
      }
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          retryAfter: res.headers['retry-after'] as string | undefined,
          type: res.headers['content-type'],
          body,
        }),
      );
    });
    req.on('error', reject);
  });
}

it('refuses a client past its share with 429 and Retry-After, and lets it in again once one closes', async () => {
  const a = await app(10, 2);
  expect((await open(a.url)).status).toBe(200);
  expect((await open(a.url)).status).toBe(200);
  const refused = await open(a.url);
  expect(refused).toMatchObject({ status: 429, retryAfter: '5' });
  expect(refused.type).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(refused.body!).detail).toContain('THROUGHPUT_STREAMS_PER_CLIENT');
  held.shift()!.destroy();
  await new Promise((r) => setTimeout(r, 100));
  expect((await open(a.url)).status).toBe(200);
});

it('refuses past the process cap with 503 and Retry-After', async () => {
  const a = await app(3, 100);
  for (let i = 0; i < 3; i += 1) expect((await open(a.url)).status).toBe(200);
  const refused = await open(a.url);
  expect(refused).toMatchObject({ status: 503, retryAfter: '5' });
  expect(JSON.parse(refused.body!).detail).toContain('THROUGHPUT_STREAMS_MAX');
});
