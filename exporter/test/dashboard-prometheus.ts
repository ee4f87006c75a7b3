import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '@ops-cockpit/core/testing';
import {
  expandPromql,
  labelValuesQuery,
  variablesOf,
  type Dashboard,
  type PanelTarget,
  type Selection,
} from './dashboard-model.js';
import { type Exposition } from './metrics-exposition.js';
import { type MetricCatalog } from './metric-catalog.js';

/**
 * The real Prometheus the dashboard query test runs the dashboard's targets on: its configuration (the
 * repository's own, pointed at the test's processes), its HTTP API, and the catalog of series it and the
 * processes make.
 */

export const SCRAPE_SECONDS = 1;
/** Series Prometheus makes itself that the dashboard may query: scrape health and the alert rules' state. */
const PROMETHEUS_SERIES = ['up', 'ALERTS'];

export interface PromSeries {
  metric: Record<string, string>;
  /** An instant query's [time, value]. */
  value?: [number, string];
  /** A range query's [time, value] pairs. */
  values?: Array<[number, string]>;
}
/** A Prometheus HTTP API answer; `data` is `{ result }` for queries, a list of label sets for /series. */
export interface PromAnswer<Data = { result: PromSeries[] }> {
  status: string;
  error?: string;
  data?: Data;
}

/** The repository's prometheus.yml and rules, its exporter and worker jobs pointed at this test's processes. */
export function prometheusConfig(targets: Record<string, string>): string {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const doc = parse(readFileSync(path.join(REPO_ROOT, 'prometheus.yml'), 'utf8')) as any;
  const interval = `${SCRAPE_SECONDS}s`;
  doc.global = { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval };
  doc.rule_files = doc.rule_files.map((file: string) => path.join(REPO_ROOT, file));
  delete doc.alerting;
  doc.scrape_configs = doc.scrape_configs
    .filter((job: { job_name: string }) => job.job_name in targets)
    .map((job: { job_name: string }) => ({ ...job, static_configs: [{ targets: [targets[job.job_name]] }] }));
  expect(doc.scrape_configs.map((job: { job_name: string }) => job.job_name).sort()).toEqual(
    Object.keys(targets).sort(),
  );
  return stringify(doc);
}

export async function promApi<Data = { result: PromSeries[] }>(
  promUrl: string,
  endpoint: string,
  params: Record<string, string>,
): Promise<PromAnswer<Data>> {
  const res = await fetch(`${promUrl}/api/v1/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return (await res.json()) as PromAnswer<Data>;
}

/**
 * Runs a target as Grafana would with the variables set to `selection`: an instant query, or a range query over
 * the minute before `at` (now unless given, so several runs can look at the very same samples).
 */
export async function runTarget(
  promUrl: string,
  { target }: PanelTarget,
  selection: Selection,
  at = Date.now() / 1000,
): Promise<PromAnswer> {
  const now = at;
  const query = expandPromql(target.expr ?? '', SCRAPE_SECONDS, 60, selection);
  if (target.instant && target.range !== true) return promApi(promUrl, 'query', { query, time: String(now) });
  return promApi(promUrl, 'query_range', {
    query,
    start: String(now - 60),
    end: String(now),
    step: String(SCRAPE_SECONDS),
  });
}

/** The catalog of series: the real /metrics output, plus Prometheus's own series with the labels it reports. */
export async function catalog(promUrl: string, exposition: Exposition): Promise<MetricCatalog> {
  const synthesized = new Map<string, Set<string>>();
  for (const name of PROMETHEUS_SERIES) {
    const answer = await promApi<Array<Record<string, string>>>(promUrl, 'series', {
      'match[]': name,
      start: String(Date.now() / 1000 - 300),
    });
    // A series Prometheus has not made (no rule loaded, say) stays unknown rather than known without labels.
    const labels = answer.data ?? [];
    if (labels.length) synthesized.set(name, new Set(labels.flatMap((series) => Object.keys(series))));
  }
  return { exposition, synthesized };
}

/**
 * Every query variable's values as Grafana would list them from this Prometheus (label_values over the last
 * five minutes), each later variable's query seeing the earlier ones set to All: the selection "All" means.
 */
export async function allValues(promUrl: string, dashboard: Dashboard): Promise<Selection> {
  const selection: Selection = {};
  for (const variable of variablesOf(dashboard, 'query')) {
    const { selector, label } = labelValuesQuery(variable);
    const params = new URLSearchParams({
      'match[]': expandPromql(selector, SCRAPE_SECONDS, 60, selection),
      start: String(Date.now() / 1000 - 300),
    });
    // The label values endpoint answers GET only.
    const res = await fetch(`${promUrl}/api/v1/label/${label}/values?${params}`);
    const answer = (await res.json()) as PromAnswer<string[]>;
    if (answer.status !== 'success') throw new Error(`variable ${variable.name}: ${answer.error}`);
    selection[variable.name] = answer.data ?? [];
  }
  return selection;
}
