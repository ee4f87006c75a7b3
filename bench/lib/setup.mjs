// What every benchmark script sets up and tears down: its own database and Redis key prefix, and node processes.
// Each step pushes its undo onto `undo` ([what, fn] pairs); runUndo runs them last first.
import { spawn } from 'node:child_process';
import os from 'node:os';
import {
  Secret,
  closeRedis,
  createPool,
  createRedis,
  dropDatabase,
  ensureDatabase,
  migrate,
  waitForRedis,
} from '@ops-cockpit/core';
import { deleteKeys, silentLogger } from '@ops-cockpit/core/dist/testing/index.js';
import { seedDemo } from '@ops-cockpit/simulator';
import { waitForHttp } from './services.mjs';

export const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

/** The load average, printed with every result: other work on the machine skews every figure. */
export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** `name` on the Postgres server of `base`. */
export function databaseUrl(base, name) {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return new Secret(url.toString());
}

/** A migrated database of its own with the demo users and accounts; dropped by `undo`. */
export async function benchDatabase({ base, name, undo, poolMax = 4 }) {
  const url = databaseUrl(base, name);
  await ensureDatabase(url);
  undo.push(['drop database', () => dropDatabase(url)]);
  const pool = createPool({ url, max: poolMax, logger: silentLogger, applicationName: 'ops-bench' });
  undo.push(['close pool', () => pool.end()]);
  await migrate(pool, silentLogger);
  await seedDemo(pool, { users: 50, days: 1 });
  return { url, pool };
}

/** A command connection to `url`; `undo` deletes every key under `prefix` and closes it. */
export async function benchRedis({ url, prefix, undo }) {
  const redis = createRedis({ url: new Secret(url), role: 'command', logger: silentLogger, name: 'bench' });
  await waitForRedis(redis, 5_000);
  undo.push([
    'delete Redis keys',
    async () => {
      await deleteKeys(redis, `${prefix}*`);
      await closeRedis(redis);
    },
  ]);
  return redis;
}

/** The pid of the Redis server behind a connection, for its CPU figures. */
export async function redisPid(redis) {
  return Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
}

/**
 * A built service script run with `node [flags] script` (so node flags can be compared), stdout and stderr
 * inherited, ready once `readyUrl` answers; `undo` stops it (SIGCONT first, in case it was left frozen).
 */
export async function startNode({ script, flags = [], env, readyUrl, undo }) {
  const child = spawn(process.execPath, [...flags, script], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  undo.push([
    `stop ${script}`,
    async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
      }
      await exited;
    },
  ]);
  await waitForHttp(readyUrl, { exited });
  return { pid: child.pid, exited };
}

/** Runs the undo steps, last first, each on its own (a failure is printed, the rest still run). */
export async function runUndo(undo) {
  while (undo.length) {
    const [what, fn] = undo.pop();
    try {
      await fn();
    } catch (err) {
      console.error(`cleanup: ${what} failed: ${err.message}`);
    }
  }
}
