// Just enough of the Prometheus text format to read counters and histograms off /metrics.

/** Samples of a scrape: `{ name, labels, value }` per line. */
export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

export function sumOf(samples, name, match = {}) {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}

/**
 * Cumulative buckets `[[le, count], ...]` of a histogram (le = Infinity last), summed over the series whose
 * labels include `match`.
 */
export function histogramBuckets(samples, name, match = {}) {
  const byLe = new Map();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || !Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe].sort((a, b) => a[0] - b[0]);
}

/** Bucket counts observed between two scrapes. */
export function bucketDelta(after, before) {
  const old = new Map(before.map(([le, c]) => [le, c]));
  return after.map(([le, c]) => [le, c - (old.get(le) ?? 0)]);
}

/**
 * The q-quantile as Prometheus's histogram_quantile computes it: linear inside the bucket it falls in; when it
 * falls in the +Inf bucket, the largest finite bound (so "> that bound" is all that is known).
 */
export function histogramQuantile(q, buckets) {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

/** Share of observations at or below `le` (an exact bucket bound). */
export function shareAtOrBelow(buckets, le) {
  const total = buckets.at(-1)?.[1] ?? 0;
  const hit = buckets.find(([b]) => b === le);
  return total && hit ? hit[1] / total : NaN;
}

export async function scrape(url) {
  let res;
  try {
    res = await fetch(url);
  } catch {
    // A keep-alive socket the server closed just as it was reused (e.g. a process resumed after SIGSTOP, its
    // idle timer overdue): one fresh try.
    res = await fetch(url);
  }
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return parseMetrics(await res.text());
}

/**
 * The Node runtime between two scrapes of one process: its event-loop delay (prom-client's
 * monitorEventLoopDelay histogram, reset by every scrape, so `after` covers the span alone) and its GC pauses.
 */
export function runtimeOf(before, after) {
  const gc = (samples, match = {}) => ({
    count: sumOf(samples, 'nodejs_gc_duration_seconds_count', match),
    sum: sumOf(samples, 'nodejs_gc_duration_seconds_sum', match),
    within10ms: sumOf(samples, 'nodejs_gc_duration_seconds_bucket', { ...match, le: '0.01' }),
  });
  const [b, a] = [gc(before), gc(after)];
  return {
    loopDelayP99Ms: sumOf(after, 'nodejs_eventloop_lag_p99_seconds') * 1000,
    loopDelayMaxMs: sumOf(after, 'nodejs_eventloop_lag_max_seconds') * 1000,
    gcPauses: a.count - b.count,
    gcMajor: gc(after, { kind: 'major' }).count - gc(before, { kind: 'major' }).count,
    gcMs: (a.sum - b.sum) * 1000,
    gcOver10ms: a.count - a.within10ms - (b.count - b.within10ms),
  };
}
