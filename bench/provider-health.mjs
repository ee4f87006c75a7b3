// Benchmark of the provider-health query (issue 4): p99 under 20 ms with 7 days of probes for 3 providers
// every 10 s. Builds core first (`npx tsc -b`), then: node bench/provider-health.mjs
// It creates and drops its own database on the Postgres of DATABASE_URL's server (default: local).
import {
  PROVIDERS,
  Secret,
  createLogger,
  createPool,
  dropDatabase,
  ensureDatabase,
  migrate,
} from '../core/dist/index.js';
import { providerHealth } from '../exporter/dist/read-models/provider-health.js';

const TARGET_P99_MS = 20;
const RUNS = 500;
const WARMUP = 20;

const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
base.pathname = `/ops_bench_provider_health_${process.pid}`;
const url = new Secret(base.toString());
const logger = createLogger({ name: 'bench', level: 'warn' });

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

await ensureDatabase(url);
const pool = createPool({ url, max: 2, logger, applicationName: 'bench-provider-health' });
try {
  await migrate(pool, logger);
  // 7 days every 10 s per provider; ~2% failures (no latency), latencies 80-480 ms.
  const started = performance.now();
  await pool.query(
    `INSERT INTO provider_health_logs (provider, status, latency_ms, http_status, error_reason, "timestamp")
     SELECT p, CASE WHEN f THEN 'error' ELSE 'success' END, CASE WHEN f THEN NULL ELSE 80 + (random() * 400)::int END,
            CASE WHEN f THEN 503 ELSE 200 END, CASE WHEN f THEN 'http_5xx' END, ts
       FROM unnest($1::text[]) p,
            generate_series(now() - interval '7 days', now(), interval '10 seconds') ts,
            LATERAL (SELECT random() < 0.02 AS f) r`,
    [PROVIDERS],
  );
  await pool.query('VACUUM ANALYZE provider_health_logs');
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM provider_health_logs');
  console.log(`rows: ${rows[0].n} (loaded in ${((performance.now() - started) / 1000).toFixed(1)} s)`);

  for (const [label, seconds] of [
    ['1h', 3_600],
    ['24h', 86_400],
  ]) {
    for (let i = 0; i < WARMUP; i++) await providerHealth(pool, seconds);
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await providerHealth(pool, seconds);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const p50 = quantile(times, 0.5);
    const p99 = quantile(times, 0.99);
    console.log(
      `window=${label}: ${RUNS} runs, p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ` +
        `p99/target(${TARGET_P99_MS} ms) = ${(p99 / TARGET_P99_MS).toFixed(3)}`,
    );
  }
} finally {
  await pool.end();
  await dropDatabase(url);
}
