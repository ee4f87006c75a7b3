import http from 'node:http';
import { listen, urlOf } from '@ops-cockpit/core';
import {
  createTestDatabase,
  freePort,
  spawnService,
  waitFor,
  type TestDatabase,
} from '@ops-cockpit/core/testing';

/** The built simulator as `npm start` runs it (the test command builds first: `npx tsc -b`). */

describe('simulator process', () => {
  it('serves /healthz and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const proc = spawnService('simulator', {
      SIMULATOR_PORT: String(port),
      SIMULATOR_RATE: '0',
      DEMO: 'false',
    });
    try {
      const listening = await proc.waitForLog('simulator listening');
      expect(listening.url).toBe(`http://127.0.0.1:${port}`);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await res.json()).toEqual({ status: 'ok' });
    } finally {
      expect(await proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
  });

  it('exits 2 naming a bad setting', async () => {
    const proc = spawnService('simulator', {
      SIMULATOR_PORT: 'eighty',
      APPLE_HEALTH_WEBHOOK_SECRET: 'short',
    });
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr()).toContain('SIMULATOR_PORT: expected an integer 1-65535, got "eighty"');
    expect(proc.stderr()).toContain('APPLE_HEALTH_WEBHOOK_SECRET: expected at least 16 characters');
  });

  describe('in demo mode', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase('sim_demo');
    });
    afterAll(async () => {
      await db.drop();
    });

    it('seeds an empty database once, then sends traffic to the exporter', async () => {
      let deliveries = 0;
      const exporter = http.createServer((req, res) => {
        deliveries++;
        req.resume().on('end', () => res.writeHead(202).end());
      });
      const exporterUrl = urlOf(await listen(exporter, '127.0.0.1', 0));
      const run = async () => {
        const proc = spawnService('simulator', {
          SIMULATOR_PORT: String(await freePort()),
          SIMULATOR_RATE: '20',
          DEMO: 'true',
          DATABASE_URL: db.url.reveal(),
          EXPORTER_URL: exporterUrl,
          APPLE_HEALTH_WEBHOOK_SECRET: 'apple-health-demo-secret-0123456789',
        });
        try {
          await proc.waitForLog('traffic started', 50_000);
          const before = deliveries;
          await waitFor(() => deliveries >= before + 3, 'webhooks at the exporter');
          return proc;
        } finally {
          expect(await proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
        }
      };
      const first = await run();
      expect(first.stdout()).toContain('"msg":"demo data seeded"');
      const users = await db.pool.query('SELECT count(*)::int AS n FROM users');
      expect(users.rows[0].n).toBe(50);

      const second = await run();
      expect(second.stdout()).toContain('demo seed skipped: the database already has users');
      expect(second.stdout()).not.toContain('"msg":"demo data seeded"');
      // Stopped means stopped: nothing arrives after the process exited.
      const afterStop = deliveries;
      await new Promise((r) => setTimeout(r, 200));
      expect(deliveries).toBe(afterStop);
      await new Promise<void>((resolve) => {
        exporter.closeAllConnections();
        exporter.close(() => resolve());
      });
      // Two starts, each seeding or checking 50 users: seconds on a quiet machine, far more on a loaded one.
    }, 120_000);
  });
});
