// Open-model load: requests start on a fixed schedule whatever the server does, as providers' webhooks do.
// autocannon's overallRate is a per-second budget per connection (bursts at each second's start), so this
// small driver is used instead. Latency is kept two ways: from the request's actual start (service time), and
// from its scheduled start (which also counts any delay the schedule suffered: no coordinated omission).
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/**
 * `request(i)` returns `{ path, body }` for the i-th request (JSON POST); `onAnswer(i, status, body)` sees each
 * answer. Resolves when every request has an answer or an error.
 */
export function openLoad({
  url,
  rate,
  durationSeconds,
  request,
  onAnswer,
  maxSockets = 512,
  timeoutMs = 10_000,
}) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const total = Math.round(rate * durationSeconds);
  const intervalMs = 1000 / rate;
  const service = new Float64Array(total);
  const scheduled = new Float64Array(total);
  const statuses = new Map();
  let errors = 0;
  let started = 0;
  let finished = 0;
  const t0 = performance.now() + 20;
  let lastStart = t0;

  return new Promise((resolve) => {
    const finish = () => {
      if (++finished < total) return;
      agent.destroy();
      const sortedService = Float64Array.from(service).sort();
      const sortedScheduled = Float64Array.from(scheduled).sort();
      const spanSeconds = (lastStart - t0) / 1000;
      resolve({
        requests: total,
        offeredRate: rate,
        achievedRate: spanSeconds > 0 ? (total - 1) / spanSeconds : NaN,
        p50Ms: percentile(sortedService, 50),
        p99Ms: percentile(sortedService, 99),
        maxMs: sortedService[sortedService.length - 1],
        p99FromScheduleMs: percentile(sortedScheduled, 99),
        statuses: Object.fromEntries(statuses),
        ok2xx: [...statuses].filter(([s]) => s >= 200 && s < 300).reduce((n, [, c]) => n + c, 0),
        errors,
      });
    };

    const fire = (i) => {
      const due = t0 + i * intervalMs;
      const { path, body } = request(i);
      const begin = performance.now();
      lastStart = begin;
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path,
          method: 'POST',
          agent,
          timeout: timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const end = performance.now();
            service[i] = end - begin;
            scheduled[i] = end - due;
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            onAnswer?.(i, res.statusCode, Buffer.concat(chunks));
            finish();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', () => {
        const end = performance.now();
        service[i] = end - begin;
        scheduled[i] = end - due;
        errors += 1;
        finish();
      });
      req.end(body);
    };

    const tick = () => {
      const now = performance.now();
      while (started < total && t0 + started * intervalMs <= now) fire(started++);
      if (started < total) setTimeout(tick, Math.max(0, t0 + started * intervalMs - performance.now()));
    };
    setTimeout(tick, 20);
  });
}

/** `count` calls of `fn` one after another (`beforeEach` untimed): p50, p99 and max of their durations. */
export async function timed(count, fn, { beforeEach } = {}) {
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    if (beforeEach) await beforeEach(i);
    const begin = performance.now();
    await fn(i);
    times[i] = performance.now() - begin;
  }
  const sorted = times.sort();
  return {
    count,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1],
  };
}

/** `count` GETs one after another (one connection, keep-alive): the latency of a single reader. */
export async function sequentialGets(url, count, { beforeEach } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const statuses = new Map();
  const get = () =>
    new Promise((resolve, reject) => {
      http
        .get(url, { agent }, (res) => {
          res.resume();
          res.on('end', () => {
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            resolve();
          });
        })
        .on('error', reject);
    });
  try {
    const times = await timed(count, get, { beforeEach });
    return {
      ...times,
      non2xx: [...statuses].filter(([s]) => s < 200 || s >= 300).reduce((n, [, c]) => n + c, 0),
    };
  } finally {
    agent.destroy();
  }
}
