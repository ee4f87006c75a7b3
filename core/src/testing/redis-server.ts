import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Secret } from '../platform/secret.js';
import { freePort } from './process.js';

export interface PrivateRedis {
  port: number;
  url: Secret;
  /** SHUTDOWN: the server is gone (what a test of "Redis stopped" needs). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory; the append-only file brings the data back. */
  start(): Promise<void>;
  /** SIGKILL: the server dies as in a crash, with whatever it had not sent its replicas. */
  kill(): Promise<void>;
  /** SIGSTOP: the server hangs with its connections open (a replica that falls behind); `thaw` resumes it. */
  freeze(): void;
  thaw(): void;
  /** Stops it and removes its directory; safe to call twice. */
  destroy(): Promise<void>;
}

/**
 * A Redis server of a test's own on a free loopback port (destructive tests never stop the machine's shared
 * one). Append-only with fsync on every write, so a stop and start keeps everything acknowledged; `extraArgs`
 * come last and win (`--appendonly no`, `--replicaof`, `--cluster-enabled yes`, …).
 */
export async function startPrivateRedis(opts: { extraArgs?: string[] } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'ops-redis-'));
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--daemonize',
    'no',
    '--logfile',
    path.join(dir, 'redis.log'),
    ...(opts.extraArgs ?? []),
  ];
  const cli = (...cmd: string[]) => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...cmd]);
  let pid: number | undefined;
  const up = async () => {
    const child = spawn('redis-server', args, { stdio: 'ignore', detached: true });
    child.unref();
    pid = child.pid;
    for (let i = 0; i < 100; i++) {
      if (cli('PING').stdout?.toString().trim() === 'PONG') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`private redis on port ${port} did not answer`);
  };
  const gone = async () => {
    for (
      let i = 0;
      i < 100 && cli('PING').status === 0 && cli('PING').stdout?.toString().trim() === 'PONG';
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const down = async () => {
    // NOW: a replica that lags does not hold the shutdown for up to shutdown-timeout.
    cli('SHUTDOWN', 'NOSAVE', 'NOW');
    await gone();
  };
  const signal = (name: NodeJS.Signals) => {
    if (pid === undefined) return;
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  await up();
  let destroyed = false;
  return {
    port,
    url: new Secret(`redis://127.0.0.1:${port}`),
    stop: down,
    start: up,
    async kill() {
      signal('SIGKILL');
      await gone();
    },
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      signal('SIGCONT'); // a frozen server cannot take its SHUTDOWN
      await down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
