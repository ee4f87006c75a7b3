import { createRedisKeys, dropDatabase } from '@ops-cockpit/core';
import {
  createTestRedis,
  databaseUrlFor,
  freePort,
  spawnService,
  uniqueName,
  type ServiceProcess,
  type TestRedis,
} from '@ops-cockpit/core/testing';

let redis: TestRedis;
const dbUrl = databaseUrlFor(uniqueName('wkproc'));

beforeAll(async () => {
  redis = await createTestRedis('wkproc');
});
afterAll(async () => {
  await redis?.close();
  await dropDatabase(dbUrl);
});

describe('worker process', () => {
  it('exits 2 naming a bad WORKER_METRICS_PORT', async () => {
    const svc = spawnService('worker', { WORKER_METRICS_PORT: 'abc', REDIS_PREFIX: redis.prefix });
    expect(await svc.exited).toEqual({ code: 2, signal: null });
    expect(svc.stderr()).toBe('WORKER_METRICS_PORT: expected an integer 1-65535, got "abc"\n');
  });

  it('serves /healthz and /metrics with queue gauges, schedules housekeeping once, and stops on SIGTERM', async () => {
    const port = await freePort();
    const env = {
      DATABASE_URL: dbUrl.reveal(),
      REDIS_PREFIX: redis.prefix,
      WORKER_METRICS_PORT: String(port),
    };
    const svc = spawnService('worker', env);
    let again: ServiceProcess | undefined;
    try {
      await svc.waitForLog('worker running');
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toMatch(/^ops_queue_jobs\{queue="probe",state="waiting"\} 0$/m);
      const housekeeping = [...text.matchAll(/^ops_queue_jobs\{queue="housekeeping",state="\w+"\} (\d+)$/gm)];
      expect(housekeeping.reduce((sum, m) => sum + Number(m[1]), 0)).toBeGreaterThanOrEqual(2);
      expect(text).toMatch(/^ops_build_info\{service="worker"/m);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      expect(await svc.stop('SIGTERM')).toEqual({ code: 0, signal: null });

      // A restart (a second replica alike) converges on the same schedule rather than adding one.
      again = spawnService('worker', env);
      await again.waitForLog('worker running');
      // apply-retention and recompute-challenge, each once.
      const schedulers = await redis.redis.zrange(
        `${createRedisKeys(redis.prefix).bullPrefix}:housekeeping:repeat`,
        '0',
        '-1',
      );
      expect(schedulers.sort()).toEqual(['apply-retention', 'recompute-challenge']);
      expect(await again.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    } finally {
      // Never leave a process behind when an assertion fails midway.
      await svc.stop('SIGKILL');
      await again?.stop('SIGKILL');
    }
  });
});
