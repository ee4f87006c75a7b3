import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Secret } from '../platform/secret.js';
import { freePort } from './process.js';

const run = promisify(execFile);

export interface PrivatePostgres {
  port: number;
  /** A database on this server (created by whoever connects first: the services' ensureDatabase does). */
  urlFor(database: string): Secret;
  /**
   * Stops the server: `fast` ends every session with "terminating connection due to administrator command",
   * `immediate` is a crash (no checkpoint; the next start recovers from the WAL).
   */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data directory: everything committed is back. */
  start(): Promise<void>;
  /** Stops it and removes its directory; safe to call twice. */
  destroy(): Promise<void>;
}

/** The newest installed server's bin directory (Debian: /usr/lib/postgresql/<major>/bin), or PG_BIN. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors.length) throw new Error(`no PostgreSQL server under ${root}; set PG_BIN`);
  return path.join(root, majors[0]!, 'bin');
}

/**
 * A Postgres server of a test's own on a free loopback port, so a test can stop it without touching the
 * machine's shared one. initdb refuses to run as root, so as root every server command runs as `postgres`
 * (runuser). fsync is off: a test needs no durability against an OS crash, only against a server stop.
 * Async all the way: a test may be serving HTTP (the simulator) from the same event loop meanwhile.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'ops-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await run('chown', ['postgres:postgres', dir]);
  const pg = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args])
      : run(path.join(bin, tool), args);
  const ctl = (...args: string[]) => pg('pg_ctl', ['-D', data, '-w', '-t', '30', ...args]);

  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off`;
  const up = async () => {
    await ctl('-l', path.join(dir, 'postgres.log'), '-o', options, 'start');
  };
  const down = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!existsSync(path.join(data, 'postmaster.pid'))) return;
    await ctl('-m', mode, 'stop');
  };
  await up();
  let destroyed = false;
  return {
    port,
    urlFor: (database) => new Secret(`postgres://postgres@127.0.0.1:${port}/${database}`),
    stop: down,
    start: up,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await down('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
