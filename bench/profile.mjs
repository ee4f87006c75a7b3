// `node bench/profile.mjs` (after `tsc -b`): the receiving path of one or more exporter builds side by side, for
// profiling and A/B comparisons (not part of `npm run bench`). No worker runs. Rounds alternate the bare server
// and each build, so a busy machine hits them alike. Per build and round: req/s and the ratio to bare, CPU µs
// per request (user, system, and Redis's), syscalls per request; the V8 heap after the closed rounds; then an
// open-model phase per build with its event-loop delay and GC pauses; RSS peaks.
//
// Settings (environment):
//   EXPORTERS   builds to compare, space-separated (default exporter/dist/main.js); a bare path runs with the
//               exporter's flags of core/src/platform/node-flags.ts, `--flag,--other@path` with exactly those node flags and
//               `@path` with none, e.g. "exporter/dist/main.js @exporter/dist/main.js" (production vs V8 defaults)
//   NODE_FLAGS  node flags for every build, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
//   PROF_REDIS  a Redis of its own, so its CPU figures are this run's alone (default the shared one)
//   ROUNDS (3), SECONDS_PER_ROUND (5), RATE (2000), RATE_SECONDS (5), ONLY ("closed,open")
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SERVICE_NODE_FLAGS } from '@ops-cockpit/core';
import { freePort } from '@ops-cockpit/core/dist/testing/index.js';
import { closedLoad } from './lib/closed-load.mjs';
import { inThread } from './lib/driver-thread.mjs';
import { garminPushDeliveries, stravaCreateBody } from './lib/payloads.mjs';
import { memoryOf, rssSampler } from './lib/proc.mjs';
import { runtimeOf, scrape, sumOf } from './lib/prom-text.mjs';
import { startBareServer } from './lib/services.mjs';
import {
  DEFAULT_PG,
  DEFAULT_REDIS,
  benchDatabase,
  benchRedis,
  loadAverage,
  redisPid,
  runUndo,
  startNode,
} from './lib/setup.mjs';

const rounds = Number(process.env.ROUNDS ?? 3);
const seconds = Number(process.env.SECONDS_PER_ROUND ?? 5);
const rate = Number(process.env.RATE ?? 2000);
const rateSeconds = Number(process.env.RATE_SECONDS ?? 5);
const only = process.env.ONLY ?? 'closed,open';
const builds = (process.env.EXPORTERS ?? 'exporter/dist/main.js').split(' ').filter(Boolean);
const commonFlags = (process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean);
const redisUrl = process.env.PROF_REDIS ?? DEFAULT_REDIS;
const name = `ops_prof_${process.pid}_${randomBytes(3).toString('hex')}`;

/** User and system CPU seconds of a process. */
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / 100, sys: Number(f[12]) / 100 };
}

/** Read and write syscalls of a process so far. */
function syscallsOf(pid) {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (k) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(io)[1]);
  return { r: field('syscr'), w: field('syscw') };
}

const mb = (bytes) => (bytes / 1048576).toFixed(1);
const undo = [];
try {
  const { url: dbUrl } = await benchDatabase({ base: DEFAULT_PG, name, undo, poolMax: 1 });
  const redis = await benchRedis({ url: redisUrl, prefix: name, undo });
  const redisProcess = await redisPid(redis);
  const exporters = [];
  for (const [i, build] of builds.entries()) {
    // A bare path runs with the flags the exporter runs with everywhere; `@path` with none at all.
    const [own, script] = build.includes('@')
      ? build.split('@')
      : [SERVICE_NODE_FLAGS.exporter.join(','), build];
    const port = await freePort();
    const { pid } = await startNode({
      script,
      flags: [...commonFlags, ...own.split(',').filter(Boolean)],
      env: {
        DATABASE_URL: dbUrl.reveal(),
        REDIS_URL: redisUrl,
        REDIS_PREFIX: `${name}_${i}`,
        LOG_LEVEL: 'error',
        HOST: '127.0.0.1',
        PORT: String(port),
      },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
      undo,
    });
    exporters.push({ build, pid, url: `http://127.0.0.1:${port}`, rss: rssSampler(pid), ratios: [] });
  }
  const bare = await startBareServer();
  undo.push(['stop bare server', () => bare.stop()]);
  const eventTime = Math.floor(Date.now() / 1000);
  const closed = (url, firstId, durationSeconds) =>
    closedLoad({
      url: `${url}/api/webhooks/strava`,
      connections: 50,
      durationSeconds,
      bodyFor: (id) => stravaCreateBody(id, eventTime),
      firstId,
    });
  console.log(`load average ${loadAverage()}`);

  if (only.includes('closed')) {
    await closed(bare.url, 1e9, 2);
    for (const [i, e] of exporters.entries()) await closed(e.url, 2e9 + i * 1e7, 2);
    for (let r = 0; r < rounds; r++) {
      const b = await closed(bare.url, 3e9 + r * 1e8, seconds);
      const lines = [`round ${r + 1}: bare ${Math.round(b.requestsPerSecond)} req/s (p99 ${b.p99Ms} ms)`];
      for (const [i, e] of exporters.entries()) {
        const [cpu0, redis0, io0] = [cpuOf(e.pid), cpuOf(redisProcess), syscallsOf(e.pid)];
        const x = await closed(e.url, 3e9 + r * 1e8 + (i + 1) * 1e7, seconds);
        const [cpu1, redis1, io1] = [cpuOf(e.pid), cpuOf(redisProcess), syscallsOf(e.pid)];
        const per = (v) => ((v * 1e6) / x.total).toFixed(1);
        const ratio = x.requestsPerSecond / b.requestsPerSecond;
        e.ratios.push(ratio);
        lines.push(
          `  [${i}] ${e.build}: ${Math.round(x.requestsPerSecond)} req/s (p99 ${x.p99Ms} ms, non-2xx ${x.non2xx}), ` +
            `ratio ${ratio.toFixed(3)}; µs/request user ${per(cpu1.user - cpu0.user)} sys ${per(cpu1.sys - cpu0.sys)} ` +
            `redis ${per(redis1.user + redis1.sys - redis0.user - redis0.sys)}; syscalls/request ` +
            `r ${((io1.r - io0.r) / x.total).toFixed(2)} w ${((io1.w - io0.w) / x.total).toFixed(2)}`,
        );
      }
      console.log(lines.join('\n'));
    }
    for (const [i, e] of exporters.entries()) {
      const m = await scrape(`${e.url}/metrics`);
      const spaces = m
        .filter((s) => s.name === 'nodejs_heap_space_size_total_bytes' && s.value > 0)
        .map((s) => `${s.labels.space} ${mb(s.value)}`)
        .join(', ');
      const sorted = [...e.ratios].sort((a, b) => a - b);
      console.log(
        `[${i}] median ratio ${sorted[sorted.length >> 1].toFixed(3)}; after the closed rounds RSS ` +
          `${mb(memoryOf(e.pid).rss)} MB, V8 heap ${mb(sumOf(m, 'nodejs_heap_size_total_bytes'))} MB ` +
          `(used ${mb(sumOf(m, 'nodejs_heap_size_used_bytes'))}; ${spaces}), external ` +
          `${mb(sumOf(m, 'nodejs_external_memory_bytes'))} MB`,
      );
    }
  }

  if (only.includes('open')) {
    const count = rate * rateSeconds;
    const pushes = garminPushDeliveries((count + 1_000) * exporters.length);
    for (const [i, e] of exporters.entries()) {
      const base = i * (count + 1_000);
      const requests = (from, n) => pushes.slice(base + from, base + from + n);
      await inThread('open', {
        url: e.url,
        rate: rate / 4,
        durationSeconds: 4_000 / rate,
        requests: requests(count, 1_000),
      });
      const before = await scrape(`${e.url}/metrics`);
      const cpu0 = cpuOf(e.pid);
      const o = await inThread('open', {
        url: e.url,
        rate,
        durationSeconds: rateSeconds,
        requests: requests(0, count),
      });
      const cpu1 = cpuOf(e.pid);
      const rt = runtimeOf(before, await scrape(`${e.url}/metrics`));
      const cpuUs = ((cpu1.user + cpu1.sys - cpu0.user - cpu0.sys) * 1e6) / o.requests;
      console.log(
        `[${i}] open ${rate}/s x ${rateSeconds} s: p50 ${o.p50Ms.toFixed(2)} p99 ${o.p99Ms.toFixed(2)} max ` +
          `${o.maxMs.toFixed(1)} from schedule p99 ${o.p99FromScheduleMs.toFixed(2)} ms, statuses ` +
          `${JSON.stringify(o.statuses)}, errors ${o.errors}; CPU ${cpuUs.toFixed(0)} µs/request; event-loop delay p99 ${rt.loopDelayP99Ms.toFixed(2)} ` +
          `max ${rt.loopDelayMaxMs.toFixed(2)} ms; GC ${rt.gcPauses} pauses (${rt.gcMajor} major) ` +
          `${rt.gcMs.toFixed(1)} ms, ${rt.gcOver10ms} over 10 ms; load average ${loadAverage()}`,
      );
    }
  }
  for (const [i, e] of exporters.entries()) {
    console.log(
      `[${i}] RSS now ${mb(memoryOf(e.pid).rss)} MB, sampled max ${mb(e.rss.stop())} MB, ` +
        `VmHWM ${mb(memoryOf(e.pid).peak)} MB`,
    );
  }
  console.log(`load average ${loadAverage()}`);
} finally {
  await runUndo(undo);
}
