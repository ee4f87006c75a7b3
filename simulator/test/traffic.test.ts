import http from 'node:http';
import { createHmac } from 'node:crypto';
import {
  appleDeliverySchema,
  garminNotificationSchema,
  isGarminPing,
  listen,
  stravaEventSchema,
  urlOf,
} from '@ops-cockpit/core';
import { freePort, silentLogger } from '@ops-cockpit/core/testing';
import { createEventGenerator, startTraffic } from '../src/index.js';
import { startSimulator, type RunningSimulator } from './helpers.js';

const SECRET = 'apple-health-demo-secret-0123456789';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Stands in for the exporter: records every delivery and answers 202. */
async function captureServer(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(202).end();
    });
  });
  const url = urlOf(await listen(server, '127.0.0.1', 0));
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(async () => {
  await sim.close();
});

describe('startTraffic', () => {
  it('posts valid, signed webhooks at about the configured rate', async () => {
    const exporter = await captureServer();
    const generator = createEventGenerator({
      world: sim.world,
      seed: 99,
      simulatorUrl: sim.url,
      subscriptionId: 0,
      appleSecret: SECRET,
      idBase: 1_000_000,
    });
    const started = performance.now();
    const traffic = startTraffic({
      exporterUrl: exporter.url,
      ratePerSecond: 50,
      generator,
      logger: silentLogger,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    await traffic.stop();
    // The sleep can last well over a second on a loaded machine, and the generator sends what the clock says is due.
    const elapsed = (performance.now() - started) / 1_000;
    await traffic.stop();
    const stats = traffic.stats();
    expect(stats.sent).toBeGreaterThanOrEqual(40);
    expect(stats.sent).toBeLessThanOrEqual(Math.ceil(50 * elapsed) + 1);
    expect(stats.byStatus['202']).toBe(stats.sent);
    expect(exporter.received).toHaveLength(stats.sent);

    for (const r of exporter.received) {
      expect(r.headers['content-type']).toBe('application/json');
      const body: unknown = JSON.parse(r.body);
      if (r.path === '/api/webhooks/strava') {
        stravaEventSchema.parse(body);
      } else if (r.path === '/api/webhooks/garmin') {
        for (const entry of garminNotificationSchema.parse(body).activities) {
          if (!isGarminPing(entry)) continue;
          // The worker's side of a ping: fetch the callback from the simulator.
          const res = await fetch(entry.callbackURL);
          expect(res.status).toBe(200);
          garminNotificationSchema.parse(await res.json());
        }
      } else {
        expect(r.path).toBe('/api/webhooks/apple-health');
        appleDeliverySchema.parse(body);
        const mac = createHmac('sha256', SECRET)
          .update(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`)
          .digest('base64');
        expect(r.headers['webhook-signature']).toBe(`v1,${mac}`);
      }
    }
    await exporter.close();
  });

  it('counts failures when the exporter is down, without throwing', async () => {
    const generator = createEventGenerator({
      world: sim.world,
      seed: 1,
      simulatorUrl: sim.url,
      subscriptionId: 0,
      idBase: 1_000_000,
    });
    const traffic = startTraffic({
      exporterUrl: `http://127.0.0.1:${await freePort()}`,
      ratePerSecond: 20,
      generator,
      logger: silentLogger,
    });
    await new Promise((r) => setTimeout(r, 500));
    await traffic.stop();
    expect(traffic.stats().failed).toBe(traffic.stats().sent);
    expect(traffic.stats().sent).toBeGreaterThan(5);
  });

  it('refuses a rate that is not positive', () => {
    const generator = createEventGenerator({
      world: sim.world,
      seed: 1,
      simulatorUrl: sim.url,
      subscriptionId: 0,
      idBase: 1,
    });
    expect(() =>
      startTraffic({ exporterUrl: 'http://x', ratePerSecond: 0, generator, logger: silentLogger }),
    ).toThrow('ratePerSecond must be a number > 0, got 0');
  });
});
