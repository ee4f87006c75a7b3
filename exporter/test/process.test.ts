import net from 'node:net';
import {
  createTestRedis,
  freePort,
  spawnService,
  uniqueName,
  waitFor,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { dropDatabase, Secret } from '@ops-cockpit/core';

let redis: TestRedis;
const dbName = uniqueName('exproc');
// Trust auth ignores the password, so a real-looking secret can travel through the whole start-up path.
const databaseUrl = `postgres://postgres:hunter2-secret@127.0.0.1:5432/${dbName}`;

beforeAll(async () => {
  redis = await createTestRedis('exproc');
});

afterAll(async () => {
  await redis?.close();
  await dropDatabase(new Secret(databaseUrl));
});

async function env(extra: Record<string, string> = {}) {
  const port = String(await freePort());
  return { DATABASE_URL: databaseUrl, REDIS_PREFIX: redis.prefix, HOST: '127.0.0.1', PORT: port, ...extra };
}

describe('exporter process', () => {
  it('exits 2 with one line naming a bad variable', async () => {
    const svc = spawnService('exporter', await env({ PORT: 'abc' }));
    expect(await svc.exited).toEqual({ code: 2, signal: null });
    expect(svc.stderr()).toBe('PORT: expected an integer 1-65535, got "abc"\n');
  });

  it('creates its database, serves, never logs the password, and drains an in-flight request on SIGTERM', async () => {
    const svc = spawnService('exporter', await env());
    try {
      const listening = await svc.waitForLog('exporter listening');
      const url = String(listening.url);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(svc.stdout()).toContain(`postgres://postgres:***@127.0.0.1:5432/${dbName}`);
      expect(svc.stdout()).not.toContain('hunter2');

      // Start a request whose body is still arriving, then ask the process to stop.
      const { port } = new URL(url);
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      const body = JSON.stringify({ pending: 'yes' });
      socket.write(
        `POST /api/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
      );
      let response = '';
      socket.setEncoding('utf8').on('data', (d: string) => (response += d));
      await new Promise((r) => setTimeout(r, 100));
      svc.child.kill('SIGTERM');
      await svc.waitForLog('shutting down');
      // New connections are refused while the old request is still in flight.
      await waitFor(
        () =>
          new Promise<boolean>((resolve) => {
            const probe = net.connect(Number(port), '127.0.0.1');
            probe.once('connect', () => {
              probe.destroy();
              resolve(false);
            });
            probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
          }),
        'new connections refused',
      );
      socket.write(body.slice(5));
      const exit = await svc.exited;
      await new Promise((r) => setTimeout(r, 50));
      expect(response).toMatch(/^HTTP\/1\.1 404 /);
      expect(response).toContain('application/problem+json');
      expect(exit).toEqual({ code: 0, signal: null });
    } finally {
      await svc.stop('SIGKILL');
    }
  });
});
