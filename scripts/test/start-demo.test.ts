import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { DEMO_OPERATOR } from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  freePort,
  REPO_ROOT,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';

// `npm start` as a newcomer runs it (DEMO=true by default): every command of the printed "try this" block must
// work exactly as printed, and a taken port must name the setting to change.
const START = path.join(REPO_ROOT, 'scripts', 'start.mjs');

let db: TestDatabase;
let redis: TestRedis;
let start: ChildProcess | undefined;

beforeAll(async () => {
  db = await createTestDatabase('startdemo', { migrate: false });
  redis = await createTestRedis('startdemo');
});

afterAll(async () => {
  if (start && start.exitCode === null) {
    const exited = new Promise((r) => start!.once('exit', r));
    start.kill('SIGTERM');
    await exited;
  }
  await redis?.close();
  await db?.drop();
});

async function ports() {
  return { PORT: await freePort(), WORKER_METRICS_PORT: await freePort(), SIMULATOR_PORT: await freePort() };
}

function envWith(p: Record<string, number>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    DATABASE_URL: db.url.reveal(),
    REDIS_PREFIX: redis.prefix,
    LOG_LEVEL: 'warn',
    SIMULATOR_RATE: '1',
    ...Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)])),
  };
}

it('prints a try-this block whose every command works as printed against the demo', async () => {
  const p = await ports();
  start = spawn(process.execPath, [START], { env: envWith(p), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  start.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const block = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no try-this block in 60 s: ${out}\n${err}`)), 60_000);
    start!.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Try this:\n([\s\S]*?)\nEnd of try-this\./.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    start!.once('exit', (code) => reject(new Error(`npm start exited ${code}: ${err}`)));
  });
  // The URL list names the ops API and the simulator's control.
  expect(out).toContain(`http://127.0.0.1:${p.PORT}`);
  expect(out).toMatch(/\/api\/ops\/status/);
  expect(out).toMatch(new RegExp(`http://127.0.0.1:${p.SIMULATOR_PORT}\\s.*/control`));

  const commands = block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  expect(commands).toHaveLength(8);
  // One shell, so `user=` and `incident=` carry to the next line; any failing command fails the script.
  const run = spawnSync('bash', ['-euo', 'pipefail', '-c', commands.join('\n')], { encoding: 'utf8' });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });

  const nudges = await db.pool.query(`SELECT requested_by FROM nudges`);
  expect(nudges.rows).toEqual([{ requested_by: DEMO_OPERATOR.name }]);
  const chaos = await db.pool.query(`SELECT action, mode FROM chaos_events ORDER BY id`);
  expect(chaos.rows).toEqual([
    { action: 'set', mode: 'outage' },
    { action: 'restore', mode: null },
  ]);
  const incidents = await db.pool.query(`SELECT message, acknowledged_by FROM incidents`);
  expect(incidents.rows).toEqual([{ message: expect.any(String), acknowledged_by: DEMO_OPERATOR.name }]);
}, 120_000);

it('names the setting to change when a port is taken, before starting anything', async () => {
  const p = await ports();
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(p.PORT, '127.0.0.1', r));
  try {
    const run = spawnSync(process.execPath, [START], { env: envWith(p), encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`127.0.0.1:${p.PORT} is already in use: set PORT to a free port`);
    expect(run.stdout).not.toContain('Ops Cockpit is running');
  } finally {
    await new Promise((r) => blocker.close(r));
  }
});
