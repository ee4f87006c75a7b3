// `node bench/worker-drain.mjs` (after `tsc -b`): the ingest worker alone (not part of `npm run bench`). Garmin
// summaries are appended straight to the ingest stream, as the exporter appends them: first a backlog written
// while the worker is frozen (its drain rate), then a fixed rate for some seconds (event -> commit lag of those
// events alone, from ops_ingest_lag_seconds before and after). One database per build, builds one after another.
//
// Settings (environment):
//   WORKERS     builds to compare, space-separated (default worker/dist/main.js); `KEY=value,…@path` runs one
//               with those settings, e.g. "INGEST_BATCH_SIZE=100@worker/dist/main.js INGEST_BATCH_SIZE=500@worker/dist/main.js"
//   WORKER_ENV  extra settings for the worker, e.g. "INGEST_BATCH_SIZE=500"
//   PROF_REDIS  Redis URL (default the shared one); BACKLOG (20000), RATE (2000), RATE_SECONDS (10),
//   ACTIVITIES  activities loaded first (default 0)
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { INGEST_FIELD, createRedisKeys, garminEntryId } from '@ops-cockpit/core';
import { freePort } from '@ops-cockpit/core/dist/testing/index.js';
import { waitDrained } from './lib/checks.mjs';
import { loadActivities } from './lib/dataset.mjs';
import { garminPushDeliveries } from './lib/payloads.mjs';
import {
  bucketDelta,
  histogramBuckets,
  histogramQuantile,
  scrape,
  shareAtOrBelow,
} from './lib/prom-text.mjs';
import {
  DEFAULT_PG,
  DEFAULT_REDIS,
  benchDatabase,
  benchRedis,
  loadAverage,
  runUndo,
  startNode,
} from './lib/setup.mjs';

const backlog = Number(process.env.BACKLOG ?? 20_000);
const rate = Number(process.env.RATE ?? 2_000);
const rateSeconds = Number(process.env.RATE_SECONDS ?? 10);
const activities = Number(process.env.ACTIVITIES ?? 0);
const builds = (process.env.WORKERS ?? 'worker/dist/main.js').split(' ').filter(Boolean);
const redisUrl = process.env.PROF_REDIS ?? DEFAULT_REDIS;
const workerEnv = Object.fromEntries(
  (process.env.WORKER_ENV ?? '')
    .split(' ')
    .filter(Boolean)
    .map((kv) => kv.split('=')),
);

/** A push entry as the exporter appends it. */
function envelope(push) {
  const summary = JSON.parse(push.body).activities[0];
  return JSON.stringify({
    provider: 'garmin',
    kind: 'garmin_activity',
    eventId: garminEntryId(summary),
    receivedAt: new Date().toISOString(),
    body: summary,
  });
}

async function append(redis, stream, pushes) {
  const pipeline = redis.pipeline();
  for (const p of pushes) pipeline.xadd(stream, '*', INGEST_FIELD, envelope(p));
  await pipeline.exec();
}

for (const [b, build] of builds.entries()) {
  // An entry `KEY=value,KEY2=value@script` runs that build with those settings.
  const [own, script] = build.includes('@') ? build.split('@') : ['', build];
  const buildEnv = Object.fromEntries(
    own
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=')),
  );
  const undo = [];
  try {
    const name = `ops_drain_${process.pid}_${b}_${randomBytes(3).toString('hex')}`;
    const { url: dbUrl, pool } = await benchDatabase({ base: DEFAULT_PG, name, undo, poolMax: 2 });
    if (activities) await loadActivities(pool, activities);
    const redis = await benchRedis({ url: redisUrl, prefix: name, undo });
    const stream = createRedisKeys(name).ingestStream;
    const port = await freePort();
    const { pid } = await startNode({
      script,
      env: {
        DATABASE_URL: dbUrl.reveal(),
        REDIS_URL: redisUrl,
        REDIS_PREFIX: name,
        LOG_LEVEL: 'warn',
        WORKER_METRICS_PORT: String(port),
        STRAVA_API_URL: 'http://127.0.0.1:9',
        ...workerEnv,
        ...buildEnv,
      },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
      undo,
    });
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const pushes = garminPushDeliveries(backlog + rate * rateSeconds);

    process.kill(pid, 'SIGSTOP');
    for (let i = 0; i < backlog; i += 500)
      await append(redis, stream, pushes.slice(i, Math.min(backlog, i + 500)));
    process.kill(pid, 'SIGCONT');
    const drain = await waitDrained(metricsUrl, 300_000);
    console.log(
      `[${b}] ${build}: backlog of ${backlog} drained in ${drain.seconds.toFixed(1)} s = ` +
        `${Math.round(drain.handled / drain.seconds)}/s (load average ${loadAverage()})`,
    );

    // Every 10 ms, the entries due by then.
    const before = histogramBuckets(await scrape(metricsUrl), 'ops_ingest_lag_seconds');
    const total = rate * rateSeconds;
    const t0 = Date.now();
    for (let sent = 0; sent < total;) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) * rate) / 1000));
      if (due > sent) await append(redis, stream, pushes.slice(backlog + sent, backlog + due));
      sent = Math.max(sent, due);
      await sleep(10);
    }
    const after = await waitDrained(metricsUrl, 300_000);
    const lag = bucketDelta(histogramBuckets(await scrape(metricsUrl), 'ops_ingest_lag_seconds'), before);
    const q = (p) => `${(histogramQuantile(p, lag) * 1000).toFixed(0)} ms`;
    console.log(
      `[${b}] ${rate}/s x ${rateSeconds} s: lag p50 ${q(0.5)}, p99 ${q(0.99)}, ` +
        `${(shareAtOrBelow(lag, 1) * 100).toFixed(1)} % <= 1 s; drained ${after.seconds.toFixed(1)} s after the ` +
        `last (load average ${loadAverage()})`,
    );
  } finally {
    await runUndo(undo);
  }
}
