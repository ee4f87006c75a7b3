import { spawnSync } from 'node:child_process';
import type { RedisNode } from '../platform/redis.js';
import { startPrivateRedis, type PrivateRedis } from './redis-server.js';

export interface PrivateCluster {
  /** Every node, masters and replicas, as created (roles change on failover). */
  servers: PrivateRedis[];
  /** REDIS_CLUSTER_NODES for the services: every node. */
  nodes: RedisNode[];
  /** `CLUSTER <args>` on the first node still answering, its reply as text. */
  cluster(...args: string[]): string;
  /** The server that is master of `key`'s slot now. */
  masterOf(key: string): PrivateRedis;
  /** Resolves once every live node reports cluster_state:ok and every slot has a reachable master. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A Redis Cluster of a test's own from Debian's redis-server: `masters` masters with one replica each on free
 * loopback ports, created with `redis-cli --cluster create`. Memory only (as the shared Redis), and a node
 * timeout of 1 s so that a killed master's replica takes over within a few seconds.
 */
export async function startPrivateCluster(
  opts: { masters?: number; nodeTimeoutMs?: number } = {},
): Promise<PrivateCluster> {
  const masters = opts.masters ?? 3;
  const servers: PrivateRedis[] = [];
  const cli = (port: number, ...args: string[]) =>
    spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' });
  const alive = () => servers.filter((s) => cli(s.port, 'PING').stdout.trim() === 'PONG');
  try {
    for (let i = 0; i < masters * 2; i++) {
      servers.push(
        await startPrivateRedis({
          extraArgs: [
            '--appendonly',
            'no',
            '--cluster-enabled',
            'yes',
            '--cluster-node-timeout',
            String(opts.nodeTimeoutMs ?? 1_000),
          ],
        }),
      );
    }
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...servers.map((s) => `127.0.0.1:${s.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { encoding: 'utf8' },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${created.stdout} ${created.stderr}`);
  } catch (err) {
    await Promise.all(servers.map((s) => s.destroy()));
    throw err;
  }
  const cluster = (...args: string[]) => {
    for (const s of alive()) {
      const out = cli(s.port, 'CLUSTER', ...args);
      if (out.status === 0 && out.stdout.trim()) return out.stdout;
    }
    throw new Error('no cluster node answers');
  };
  const byPort = (port: number) => {
    const server = servers.find((s) => s.port === port);
    if (!server) throw new Error(`no server on port ${port}`);
    return server;
  };
  const handle: PrivateCluster = {
    servers,
    nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    cluster,
    masterOf(key) {
      const slot = Number(cluster('KEYSLOT', key).trim());
      // CLUSTER NODES lines: id addr flags master ping pong epoch state slot-ranges…
      for (const line of cluster('NODES').split('\n')) {
        const [, addr, flags, , , , , state, ...ranges] = line.split(' ');
        if (!addr || !flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
        for (const range of ranges) {
          const [from, to = from] = range.split('-').map(Number);
          if (slot >= from! && slot <= to!) return byPort(Number(addr.split(':')[1]!.split('@')[0]));
        }
      }
      throw new Error(`no live master serves slot ${slot}`);
    },
    async waitHealthy(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const live = alive();
        // Every slot served, and every replica in sync with its master: a replica that has not synced yet
        // refuses to take over, so a failover test waits for this before it kills anything.
        const ok = live.every((s) => {
          const replication = cli(s.port, 'INFO', 'replication').stdout;
          const synced = !/role:slave/.test(replication) || /master_link_status:up/.test(replication);
          return synced && /cluster_state:ok/.test(cli(s.port, 'CLUSTER', 'INFO').stdout);
        });
        const check = spawnSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${live[0]?.port}`], {
          encoding: 'utf8',
        });
        if (
          ok &&
          live.length &&
          /All 16384 slots covered/.test(check.stdout) &&
          !/\[ERR\]/.test(check.stdout)
        )
          return;
        if (Date.now() > deadline)
          throw new Error(`cluster not healthy within ${timeoutMs} ms: ${check.stdout}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async destroy() {
      await Promise.all(servers.map((s) => s.destroy()));
    },
  };
  await handle.waitHealthy();
  return handle;
}
