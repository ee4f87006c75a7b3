// `npx tsc -b && node bench/capacity.mjs` (not part of `npm run bench`): what one event costs and what Redis
// beyond one box does to the pipeline, in one run.
//
// 1. The pipeline (exporter accepting Garmin pushes under a closed load, worker applying them) on: one Redis;
//    a Redis Cluster of 3 masters with a replica each (REDIS_CLUSTER_NODES); one Redis with a replica; the same
//    with INGEST_MIN_REPLICAS=1 (append, then WAIT). All servers are the test's own (loopback, memory only), so
//    the ratios compare like with like: accepted requests/s, the exporter's p99, and pipeline events/s (events
//    applied / time from the first request until the worker had drained).
// 2. Redis memory: bytes per dedup marker and per stream entry, measured with the exporter's own append script
//    over MEMORY_EVENTS Garmin envelopes (INFO used_memory before and after), and what 1M events cost with the
//    default INGEST_DEDUP_SECONDS and a shortened one.
// 3. Postgres bytes per activity, per probe row and per nudge (table, TOAST and indexes), over ROWS of each.
//
// Settings (environment): DURATION (10 s of load per setup), CONNECTIONS (32), MEMORY_EVENTS (100000),
// ROWS (200000).
import { randomBytes } from 'node:crypto';
import { closeRedis, createRedis, createRedisKeys, garminEntryId, waitForRedis } from '@ops-cockpit/core';
import {
  freePort,
  silentLogger,
  startPrivateCluster,
  startPrivateRedis,
} from '@ops-cockpit/core/dist/testing/index.js';
import { createIngestAppender } from '@ops-cockpit/exporter/dist/webhooks/ingest-append.js';
import { closedLoad } from './lib/closed-load.mjs';
import { waitDrained } from './lib/checks.mjs';
import { garminPushDeliveries } from './lib/payloads.mjs';
import { num, renderTable, row } from './lib/report.mjs';
import { loadActivities } from './lib/dataset.mjs';
import { DEFAULT_PG, benchDatabase, benchRedis, loadAverage, runUndo, startNode } from './lib/setup.mjs';

const durationSeconds = Number(process.env.DURATION ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 32);
const memoryEvents = Number(process.env.MEMORY_EVENTS ?? 100_000);
const rowsEach = Number(process.env.ROWS ?? 200_000);
const log = (line) => console.log(`[capacity] ${line}`);

// More distinct events than any setup accepts in DURATION: the pipeline figure counts distinct events applied.
const pushes = garminPushDeliveries(200_000);

/** One setup: its servers, then the exporter and worker on them; returns the figures. */
async function runPipeline(label, { redisUrl, clusterNodes = [], exporterEnv = {} }, undo) {
  const name = `ops_scale_${process.pid}_${randomBytes(3).toString('hex')}`;
  const { url: dbUrl } = await benchDatabase({ base: DEFAULT_PG, name, undo, poolMax: 1 });
  const common = {
    DATABASE_URL: dbUrl.reveal(),
    REDIS_URL: redisUrl,
    REDIS_CLUSTER_NODES: clusterNodes.map((n) => `${n.host}:${n.port}`).join(','),
    REDIS_PREFIX: name,
    LOG_LEVEL: 'warn',
  };
  const exporterPort = await freePort();
  const workerPort = await freePort();
  await startNode({
    script: 'exporter/dist/main.js',
    env: { ...common, PORT: String(exporterPort), WEBHOOK_TOKENS_REQUIRED: 'false', ...exporterEnv },
    readyUrl: `http://127.0.0.1:${exporterPort}/readyz`,
    undo,
  });
  await startNode({
    script: 'worker/dist/main.js',
    env: { ...common, WORKER_METRICS_PORT: String(workerPort), STRAVA_API_URL: 'http://127.0.0.1:9' },
    readyUrl: `http://127.0.0.1:${workerPort}/readyz`,
    undo,
  });
  const started = Date.now();
  const load = await closedLoad({
    url: `http://127.0.0.1:${exporterPort}/api/webhooks/garmin`,
    connections,
    durationSeconds,
    bodyFor: (n) => pushes[n % pushes.length].body,
    firstId: 0,
  });
  const drained = await waitDrained(`http://127.0.0.1:${workerPort}/metrics`, 300_000);
  const seconds = (Date.now() - started) / 1000;
  const figures = {
    label,
    acceptedPerSecond: load.ok2xx / durationSeconds,
    refused: load.non2xx + load.errors + load.timeouts,
    p99Ms: load.p99Ms,
    pipelinePerSecond: Math.min(load.ok2xx, pushes.length) / seconds,
    drained: drained.drained,
  };
  log(
    `${label}: ${num(Math.round(figures.acceptedPerSecond))} accepted/s (p99 ${load.p99Ms} ms, ${figures.refused} ` +
      `refused), pipeline ${num(Math.round(figures.pipelinePerSecond))} events/s, drained ${drained.drained} ` +
      `(load average ${loadAverage()})`,
  );
  return figures;
}

/** A private Redis with `replicas` replicas attached; resolves once they are in sync. */
async function redisWithReplicas(replicas, undo) {
  const primary = await startPrivateRedis({ extraArgs: ['--appendonly', 'no'] });
  undo.push(['stop redis', () => primary.destroy()]);
  for (let i = 0; i < replicas; i++) {
    const replica = await startPrivateRedis({
      extraArgs: ['--appendonly', 'no', '--replicaof', '127.0.0.1', String(primary.port)],
    });
    undo.push(['stop replica', () => replica.destroy()]);
    const client = createRedis({
      url: replica.url,
      role: 'command',
      logger: silentLogger,
      name: 'bench-replica',
    });
    await waitForRedis(client, 5_000);
    for (let t = 0; t < 100 && !/master_link_status:up/.test(await client.info('replication')); t++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await closeRedis(client);
  }
  return primary;
}

async function pipelines() {
  const results = [];
  const setups = [
    ['one Redis', async (undo) => ({ redisUrl: (await redisWithReplicas(0, undo)).url.reveal() })],
    [
      'Redis Cluster 3+3',
      async (undo) => {
        const cluster = await startPrivateCluster();
        undo.push(['stop cluster', () => cluster.destroy()]);
        return { redisUrl: cluster.servers[0].url.reveal(), clusterNodes: cluster.nodes };
      },
    ],
    ['one Redis + replica', async (undo) => ({ redisUrl: (await redisWithReplicas(1, undo)).url.reveal() })],
    [
      'one Redis + replica, INGEST_MIN_REPLICAS=1',
      async (undo) => ({
        redisUrl: (await redisWithReplicas(1, undo)).url.reveal(),
        exporterEnv: { INGEST_MIN_REPLICAS: '1' },
      }),
    ],
  ];
  for (const [label, setup] of setups) {
    const undo = [];
    try {
      results.push(await runPipeline(label, await setup(undo), undo));
    } finally {
      await runUndo(undo);
    }
  }
  const base = results[0];
  const rows = results.map((r) =>
    row(
      r.label,
      `${num(Math.round(r.acceptedPerSecond))} accepted/s (${(r.acceptedPerSecond / base.acceptedPerSecond).toFixed(2)}), ` +
        `p99 ${r.p99Ms} ms, pipeline ${num(Math.round(r.pipelinePerSecond))}/s ` +
        `(${(r.pipelinePerSecond / base.pipelinePerSecond).toFixed(2)} of one Redis)`,
    ),
  );
  console.log(renderTable(rows));
}

/** Bytes Redis holds per accepted event: its dedup marker and its stream entry, from the append script itself. */
async function memory() {
  const undo = [];
  try {
    const server = await redisWithReplicas(0, undo);
    const redis = await benchRedis({ url: server.url.reveal(), prefix: 'ops', undo });
    const keys = createRedisKeys('ops');
    const appender = createIngestAppender({
      redis,
      keys,
      maxlen: 100_000_000,
      dedupSeconds: 86_400,
      timeoutMs: 30_000,
    });
    undo.push(['close appender', () => appender.close()]);
    const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);
    const before = await used();
    const events = garminPushDeliveries(memoryEvents, 11);
    for (let i = 0; i < events.length; i += 500) {
      await appender.append(
        events.slice(i, i + 500).map((p) => {
          const summary = JSON.parse(p.body).activities[0];
          return {
            provider: 'garmin',
            kind: 'garmin_activity',
            eventId: garminEntryId(summary),
            receivedAt: new Date().toISOString(),
            body: summary,
          };
        }),
      );
    }
    const withBoth = await used();
    await redis.del(keys.ingestStream);
    const markersOnly = await used();
    const perMarker = (markersOnly - before) / events.length;
    const perEntry = (withBoth - markersOnly) / events.length;
    const sampleMarker = keys.seenEvent('garmin', garminEntryId(JSON.parse(events[0].body).activities[0]));
    log(
      `${num(events.length)} Garmin events: ${perMarker.toFixed(0)} B per dedup marker (MEMORY USAGE of one: ` +
        `${await redis.memory('USAGE', sampleMarker)} B, key ${sampleMarker.length} characters), ` +
        `${perEntry.toFixed(0)} B per stream entry`,
    );
    const gb = (bytes) => `${(bytes / 1e9).toFixed(2)} GB`;
    const rows = [];
    for (const [window, what] of [
      [86_400, 'INGEST_DEDUP_SECONDS=86400 (default)'],
      [3_600, 'INGEST_DEDUP_SECONDS=3600'],
    ]) {
      for (const rate of [100, 2_000]) {
        const markers = rate * window;
        rows.push(
          row(
            `${what}, ${num(rate)} events/s`,
            `markers ${gb(markers * perMarker)} + stream (INGEST_STREAM_MAXLEN 1M) ${gb(1e6 * perEntry)}`,
          ),
        );
      }
    }
    rows.push(row('1M events, all within the window', `${gb(1e6 * (perMarker + perEntry))}`));
    console.log(renderTable(rows));
  } finally {
    await runUndo(undo);
  }
}

/** Bytes per row of the tables that grow with traffic, indexes and TOAST included. */
async function postgresBytes() {
  const undo = [];
  try {
    const name = `ops_capacity_${process.pid}_${randomBytes(3).toString('hex')}`;
    const { pool } = await benchDatabase({ base: DEFAULT_PG, name, undo, poolMax: 1 });
    await loadActivities(pool, rowsEach);
    // loadActivities adds a week of probes for 3 providers; these are ROWS of them, as the probe job writes.
    await pool.query('DELETE FROM provider_health_logs');
    await pool.query(
      `INSERT INTO provider_health_logs (provider, status, latency_ms, http_status, "timestamp", source)
       SELECT (ARRAY['strava','garmin','apple_health','polar'])[1 + g % 4], 'success', 80 + g % 200, 200,
              now() - make_interval(secs => g), (ARRAY['probe','traffic'])[1 + g % 2]
         FROM generate_series(1, $1::int) AS g`,
      [rowsEach],
    );
    await pool.query(
      `INSERT INTO nudges (user_id, channel, status, idempotency_key, requested_by, attempts, created_at, sent_at)
       SELECT u.ids[1 + g % u.n], 'email', 'sent', 'key-' || g, 'ada', 1, now() - make_interval(mins => g),
              now() - make_interval(mins => g)
         FROM generate_series(1, $1::int) AS g
        CROSS JOIN (SELECT array_agg(id) AS ids, count(*)::int AS n FROM users) AS u`,
      [rowsEach],
    );
    await pool.query('VACUUM ANALYZE activities, provider_health_logs, nudges');
    const rows = [];
    for (const table of ['activities', 'provider_health_logs', 'nudges']) {
      const { rows: r } = await pool.query(
        `SELECT pg_total_relation_size(c.oid)::float8 AS bytes, c.reltuples::float8 AS n
           FROM pg_class c WHERE c.oid = $1::regclass`,
        [table],
      );
      rows.push(
        row(
          `Postgres bytes per row: ${table}`,
          `${(r[0].bytes / r[0].n).toFixed(0)} B (${num(Math.round(r[0].n))} rows, indexes included)`,
        ),
      );
    }
    console.log(renderTable(rows));
  } finally {
    await runUndo(undo);
  }
}

log(
  `${durationSeconds} s of closed load per setup, ${connections} connections (load average ${loadAverage()})`,
);
await memory();
await postgresBytes();
await pipelines();
