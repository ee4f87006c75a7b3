// Every query of the provisioned dashboard against the real system: the built exporter and worker as processes
// (probing the simulator, taking webhooks, a nudge, an Alertmanager notification and two Spike Lab faults), their
// real /metrics output, a real Prometheus scraping them with the repository's prometheus.yml and rules, and
// the migrated Postgres they write. A renamed metric, label or column fails here.
import { listQuietUsers } from '../src/read-models/quiet-users.js';
import { waitFor } from '@ops-cockpit/core/testing';
import { READER_ROLE } from '@ops-cockpit/core';
import {
  expandPromql,
  expandSqlMacros,
  legendLabels,
  loadDashboard,
  organizedFields,
  PLUGIN_PANEL,
  promTargets,
  resolveDatasource,
  referencedFields,
  sqlTargets,
  targetTitled,
  type PanelTarget,
  type Selection,
} from './dashboard-model.js';
import {
  allValues,
  catalog,
  promApi,
  runTarget,
  SCRAPE_SECONDS,
  type PromAnswer,
  type PromSeries,
} from './dashboard-prometheus.js';
import { metricsText, startDashboardStack, type DashboardStack } from './dashboard-stack.js';
import { mergeExpositions, parseExposition } from './metrics-exposition.js';
import { referenceProblems } from './metric-catalog.js';
import { promtoolLint } from './promtool-lint.js';
import { promqlReferences } from './promql-references.js';

const PROVIDERS = ['strava', 'garmin', 'apple_health', 'polar'];

const dashboard = loadDashboard();

let stack: DashboardStack;
/** Every variable at All: each one's values as Grafana lists them from the stack's Prometheus. */
let all: Selection;

beforeAll(async () => {
  stack = await startDashboardStack();
  all = await allValues(stack.promUrl, dashboard);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** Answers by target (`where`). */
let settled: Promise<{ at: number; answers: Map<string, PromAnswer> }> | undefined;

/**
 * An instant at which every Prometheus target, every variable at All, returns data, and the answers there. Range
 * windows need a few scrapes after the traffic, and a failure shows only while it is recent: found once, then
 * shared, so later tests can ask about the very same samples.
 */
function settledAnswers() {
  settled ??= (async () => {
    const targets = promTargets(dashboard);
    let empty: string[] = [];
    let at = 0;
    const answers = new Map<string, PromAnswer>();
    await waitFor(
      async () => {
        empty = [];
        at = Date.now() / 1000;
        for (const t of targets) {
          const answer = await runTarget(stack.promUrl, t, all, at);
          if (answer.status !== 'success') throw new Error(`${t.where}: ${answer.error}`);
          answers.set(t.where, answer);
          if (!answer.data?.result.length) empty.push(t.where);
        }
        return empty.length === 0;
      },
      'every query to return data',
      { timeoutMs: 45_000, intervalMs: 1_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; still empty: ${empty.join('; ')}`);
    });
    return { at, answers };
  })();
  return settled;
}

describe('Prometheus targets', () => {
  it('name only metrics and labels the real exporter and worker expose', async () => {
    const known = await catalog(stack.promUrl, stack.scraped);
    const targets = promTargets(dashboard);
    expect(targets.length).toBeGreaterThan(20);
    const problems = targets.flatMap((t) =>
      referenceProblems(expandPromql(t.target.expr ?? '', SCRAPE_SECONDS, 60, all), known).map(
        (p) => `${t.where}: ${p}`,
      ),
    );
    expect(problems).toEqual([]);
  });

  it('would fail on a metric renamed in the code or in the dashboard (the check can fail)', async () => {
    // The exporter renames ops_calm_score: the stress panel's query no longer finds it.
    const exporterText = (await metricsText(stack.exporterUrl)).replace(
      /^ops_calm_score /m,
      'ops_calm_points ',
    );
    const renamed = await catalog(
      stack.promUrl,
      mergeExpositions([parseExposition(exporterText), parseExposition(await metricsText(stack.workerUrl))]),
    );
    expect(referenceProblems('max(ops_calm_score)', renamed)).toEqual([
      'ops_calm_score is declared in /metrics (ops_calm_score) but has no samples, so its labels are unknown',
    ]);
    const known = await catalog(stack.promUrl, stack.scraped);
    expect(referenceProblems('max by (provider) (ops_provider_probe_sucess)', known)).toEqual([
      'ops_provider_probe_sucess is in no /metrics output nor among the series Prometheus makes',
      'by (provider): label "provider" is on none of ops_provider_probe_sucess',
    ]);
    expect(
      referenceProblems('sum by (region) (rate(ops_webhook_requests_total{status="200"}[5m]))', known),
    ).toEqual([
      'ops_webhook_requests_total has no label "status"',
      'by (region): label "region" is on none of ops_webhook_requests_total',
    ]);
    expect(referenceProblems('rate(ops_ingest_lag_seconds[5m])', known)).toEqual([
      'ops_ingest_lag_seconds is a histogram: query ops_ingest_lag_seconds_bucket, ops_ingest_lag_seconds_sum or ops_ingest_lag_seconds_count',
    ]);
  });

  it('run without error on a real Prometheus and all return data, labelled as their legends say', async () => {
    const targets = promTargets(dashboard);
    const { answers } = await settledAnswers();

    const problems: string[] = [];
    for (const t of targets) {
      const series = answers.get(t.where)!.data!.result;
      for (const label of legendLabels(t.target.legendFormat)) {
        if (series.some((s) => !(label in s.metric)))
          problems.push(`${t.where}: legend {{${label}}} not on result`);
      }
      if (t.target.format === 'table') {
        const columns = new Set([
          'Time',
          'Value',
          '__name__',
          ...series.flatMap((s) => Object.keys(s.metric)),
        ]);
        for (const field of referencedFields(t.panel)) {
          if (!columns.has(field)) problems.push(`${t.where}: column "${field}" is not in the result`);
        }
      }
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('show every probed provider in the health grid, the failing one as down with 0 % success', async () => {
    const values = async (title: string) => {
      const answer = await runTarget(stack.promUrl, targetTitled(dashboard, title), all);
      return Object.fromEntries(answer.data!.result.map((s) => [s.metric.provider, Number(s.value?.[1])]));
    };
    const up = await values('Provider up / down');
    const success = await values('Probe success, last hour');
    const p95 = await values('Probe latency p95, last hour');
    for (const byProvider of [up, success, p95])
      expect(Object.keys(byProvider).sort()).toEqual([...PROVIDERS].sort());
    expect(up).toEqual({ strava: 1, garmin: 1, apple_health: 0, polar: 1 });
    expect(success.apple_health).toBe(0);
    expect(success.strava).toBeGreaterThan(0);
  });

  it('feed the plugin panels the series they read: heatmap cells, distance and goal, score and factors, pulse, signal', async () => {
    const plugin = promTargets(dashboard).filter((t) => t.panel.type === PLUGIN_PANEL);
    const results = new Map<string, PromSeries[]>();
    for (const t of plugin)
      results.set(
        `${t.panel.options?.view}:${t.target.refId}`,
        (await runTarget(stack.promUrl, t, all)).data!.result,
      );
    const heatmap = [...results.entries()].find(([key]) => key.startsWith('heatmap:'))![1];
    expect(new Set(heatmap.map((s) => `${s.metric.weekday}/${s.metric.hour}`)).size).toBe(7 * 24);
    expect(results.get('progress:distance')).toHaveLength(1);
    expect(results.get('progress:goal')).toHaveLength(1);
    expect(results.get('stress:score')).toHaveLength(1);
    expect(
      results
        .get('stress:factors')!
        .map((s) => s.metric.factor)
        .sort(),
    ).toEqual(['open_incidents', 'provider_down', 'provider_latency']);

    // The pulse grid: a tile for every probed provider, the failing one with its reason and a recent time.
    for (const refId of ['up', 'success', 'p95', 'ttfb']) {
      const providers = results.get(`pulse:${refId}`)!.map((s) => s.metric.provider);
      expect({ refId, providers: providers.sort() }).toEqual({ refId, providers: [...PROVIDERS].sort() });
    }
    const failures = results.get('pulse:failure')!;
    const apple = failures.find((s) => s.metric.provider === 'apple_health');
    expect(apple?.metric.reason).toBe('http_4xx');
    const lastSeen = Number(apple?.value?.[1]);
    expect(Date.now() / 1000 - lastSeen).toBeLessThan(180);
    expect(failures.every((s) => s.metric.provider !== 'strava')).toBe(true);

    // The live signal: events/s over time, one series per provider that sent webhooks.
    const signal = results.get('signal:events')!;
    expect(signal.length).toBeGreaterThan(0);
    expect(signal.every((s) => s.metric.provider !== undefined && (s.values?.length ?? 0) > 0)).toBe(true);
  });
});

describe('metric names', () => {
  it("follow Prometheus's conventions: promtool check metrics flags none of the project's own series", async () => {
    for (const url of [stack.exporterUrl, stack.workerUrl]) {
      const own = promtoolLint(await metricsText(url)).filter((line) => line.startsWith('ops_'));
      expect({ url, own }).toEqual({ url, own: [] });
    }
  });

  it('would flag a series in miles instead of base units (the check can fail)', () => {
    const miles =
      '# HELP ops_challenge_distance_miles Miles.\n# TYPE ops_challenge_distance_miles gauge\nops_challenge_distance_miles 3\n';
    expect(promtoolLint(miles)).toEqual([
      'ops_challenge_distance_miles use base unit "meters" instead of "miles"',
    ]);
  });
});

describe('template variables', () => {
  it('list the jobs, instances and providers of the running system', () => {
    expect([...all.job!].sort()).toEqual(['exporter', 'worker']);
    const hosts = [stack.exporterUrl, stack.workerUrl].map((url) => new URL(url).host);
    expect([...all.instance!].sort()).toEqual(hosts.sort());
    expect([...all.provider!].sort()).toEqual([...PROVIDERS].sort());
  });

  it('narrow by provider every selector of a series that has a provider label', () => {
    const problems = promTargets(dashboard).flatMap((t) =>
      promqlReferences(expandPromql(t.target.expr ?? '', SCRAPE_SECONDS, 60, all))
        .selectors.filter((s) => stack.scraped.series.get(s.metric ?? '')?.has('provider'))
        .filter((s) => !s.labels.includes('provider'))
        .map((s) => `${t.where}: ${s.metric} is not narrowed by provider`),
    );
    expect(problems).toEqual([]);
  });

  /** Whether every series `expr` reads has two samples or more of `name`=`value` in the last minute before `at`. */
  async function everySeriesHasSamples(expr: string, name: string, value: string, at: number) {
    const metrics = promqlReferences(expandPromql(expr, SCRAPE_SECONDS, 60, all))
      .selectors.map((s) => s.metric)
      .filter((m) => m !== undefined && m !== 'ALERTS');
    if (!metrics.length) return false;
    for (const metric of new Set(metrics)) {
      const query = expandPromql(
        `count(count_over_time(${metric}{${name}=~"$${name}"}[60s]) >= 2)`,
        SCRAPE_SECONDS,
        60,
        { [name]: [value] },
      );
      const answer = await promApi(stack.promUrl, 'query', { query, time: String(at) });
      if (!answer.data?.result.length) return false;
    }
    return true;
  }

  it("give each value of each variable its part of every query: it runs, keeps to the value, and has data where the value's series do", async () => {
    // Every run looks at the instant where All has data everywhere, so a value's answer compares with All's.
    const { at, answers } = await settledAnswers();
    const targets = promTargets(dashboard);
    const whole = new Map<PanelTarget, PromSeries[]>(
      targets.map((t) => [t, answers.get(t.where)!.data!.result] as const),
    );
    const keys = (list: PromSeries[]) => list.map((s) => JSON.stringify(s.metric)).sort();
    const problems: string[] = [];
    const withData = new Map<string, number>();
    for (const [name, values] of Object.entries(all)) {
      expect({ name, values: values.length > 0 }).toEqual({ name, values: true });
      for (const value of values) {
        const selection = { ...all, [name]: [value] };
        for (const t of targets) {
          const where = `${t.where} with ${name}=${value}`;
          const answer = await runTarget(stack.promUrl, t, selection, at);
          if (answer.status !== 'success') {
            problems.push(`${where}: ${answer.error}`);
            continue;
          }
          const series = answer.data!.result;
          if (series.length) withData.set(`${name}=${value}`, (withData.get(`${name}=${value}`) ?? 0) + 1);
          if (!t.target.expr?.includes(`$${name}`)) continue;
          const labelled = whole.get(t)!.filter((s) => name in s.metric);
          if (labelled.length) {
            // The answer keeps the label: exactly All's series of this value, and whatever has no such label.
            const expected = keys([
              ...labelled.filter((s) => s.metric[name] === value),
              ...whole.get(t)!.filter((s) => !(name in s.metric)),
            ]);
            if (keys(series).join() !== expected.join())
              problems.push(`${where}: ${keys(series).join(' ')} instead of ${expected.join(' ')}`);
          } else if (
            // An aggregate All has data for must have data for a value whose series all have samples.
            whole.get(t)!.length &&
            !series.length &&
            (await everySeriesHasSamples(t.target.expr, name, value, at))
          ) {
            problems.push(`${where}: no data although every series it reads has samples of this ${name}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    // Every value of every variable shows something somewhere.
    expect([...withData.keys()].sort()).toEqual(
      Object.entries(all)
        .flatMap(([name, values]) => values.map((value) => `${name}=${value}`))
        .sort(),
    );
  }, 120_000);
});

describe('Postgres targets', () => {
  /** `sql` as Grafana's datasource runs it: as the read-only role (migration 004), never as the owner. */
  async function asReader(sql: string) {
    const client = await stack.db.pool.connect();
    try {
      await client.query("SELECT set_config('role', $1, false)", [READER_ROLE]);
      // eslint-disable-next-line ops/sql-parameterized -- the dashboard's own SQL, run as Grafana would run it
      return await client.query(sql);
    } finally {
      await client.query('RESET ROLE').catch(() => undefined);
      client.release();
    }
  }

  async function runSql(t: PanelTarget, selection: Selection = all) {
    const to = new Date();
    const from = new Date(to.getTime() - 3_600_000);
    if (!t.target.rawSql) throw new Error(`${t.where} has no SQL`);
    return asReader(expandSqlMacros(t.target.rawSql, from, to, selection));
  }

  it("run as Grafana's read-only role, which cannot read e-mail, phone or provider tokens", async () => {
    for (const sql of [
      'SELECT email FROM users',
      'SELECT phone FROM users',
      'SELECT * FROM users',
      'SELECT access_token FROM provider_accounts',
      'SELECT * FROM schema_migrations',
    ]) {
      await expect(asReader(sql)).rejects.toThrow(/permission denied/);
    }
    await expect(asReader(`UPDATE incidents SET message = 'x'`)).rejects.toThrow(/permission denied/);
    expect((await asReader('SELECT name, crew FROM users')).rowCount).toBeGreaterThan(0);
  });

  it('run on the migrated schema, return exactly the columns their tables lay out, and have rows', async () => {
    const targets = sqlTargets(dashboard);
    expect(targets.length).toBeGreaterThanOrEqual(5);
    for (const t of targets) {
      const result = await runSql(t).catch((err: Error) => {
        throw new Error(`${t.where}: ${err.message}`);
      });
      const columns = result.fields.map((f) => f.name);
      expect({ where: t.where, columns: [...columns].sort() }).toEqual({
        where: t.where,
        columns: [...organizedFields(t.panel)].sort(),
      });
      const unknown = referencedFields(t.panel).filter((field) => !columns.includes(field));
      expect({ where: t.where, unknown }).toEqual({ where: t.where, unknown: [] });
      expect({ where: t.where, rows: result.rowCount! > 0 }).toEqual({ where: t.where, rows: true });
    }
  });

  it('mark Spike Lab changes and incidents (as regions) on every time series panel, from the tables that record them', async () => {
    const queries = dashboard.annotations.list.filter((a) => !a.builtIn);
    expect(queries.map((a) => [a.name, a.enable, resolveDatasource(dashboard, a.datasource)?.uid])).toEqual([
      ['Spike Lab changes', true, 'postgres'],
      ['Incidents', true, 'postgres'],
    ]);
    const to = new Date();
    const from = new Date(to.getTime() - 3_600_000);
    const rowsOf = async (name: string) =>
      (await asReader(expandSqlMacros(queries.find((a) => a.name === name)!.target!.rawSql!, from, to, all)))
        .rows;

    // Who set or cleared which fault: the stack set duplicates and latency through the API as operator "ada".
    const changes = await rowsOf('Spike Lab changes');
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) {
      expect(Object.keys(c).sort()).toEqual(['tags', 'text', 'time']);
      expect(c.time).toBeInstanceOf(Date);
      expect(c.tags).toMatch(/^spike-lab,(set|clear|restore)$/);
    }
    expect(changes.map((c) => c.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\S+ set duplicates on ingest$/)]),
    );

    // Incidents from firing to resolved (an open one runs to now), tagged by level and state.
    const incidents = await rowsOf('Incidents');
    expect(incidents.length).toBeGreaterThan(0);
    for (const i of incidents) {
      expect(Object.keys(i).sort()).toEqual(['tags', 'text', 'time', 'timeend']);
      expect(i.timeend.getTime()).toBeGreaterThanOrEqual(i.time.getTime());
      expect(i.tags).toMatch(/^incident,(warn|error|critical),(open|resolved)$/);
    }
    expect(incidents.map((i) => i.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^critical: /)]),
    );
  });

  it('list the quiet users the quiet-list endpoint lists, with the last nudge', async () => {
    const { rows } = await runSql(targetTitled(dashboard, 'Quiet list'));
    const page = await listQuietUsers(stack.db.pool, { days: 10, limit: 100, cooldownHours: 24 });
    expect(rows.map((r) => r.user_id)).toEqual(page.users.map((u) => u.id));
    expect(rows.find((r) => r.user_id === stack.quietUserId)).toMatchObject({
      name: 'Quinn Quiet',
      last_nudge_channel: 'email',
      last_nudge_status: 'sent',
      last_nudge_at: expect.any(Date),
    });
  });

  it('list the open incidents GET /api/ops/incidents lists, newest first', async () => {
    const { rows } = await runSql(targetTitled(dashboard, 'Open incidents'));
    const api = (await (await fetch(`${stack.exporterUrl}/api/ops/incidents`)).json()) as {
      incidents: Array<{ id: number }>;
    };
    expect(rows.map((r) => Number(r.id))).toEqual(api.incidents.map((i) => i.id));
    expect(rows[0]).toMatchObject({ alertname: 'ProviderDown', provider: 'apple_health', level: 'critical' });
  });

  it('narrow the probe log, the Spike Lab audit, the incidents and their annotations to each provider', async () => {
    const audit = (await runSql(targetTitled(dashboard, 'Spike Lab audit'))).rows;
    const providersOf = (row: { parameters: string }) =>
      (JSON.parse(row.parameters) as { providers?: string[] }).providers;
    // The stack's latency fault is on Strava and Garmin only; duplicates on every provider.
    expect(audit.some((r) => providersOf(r)?.join() === 'strava,garmin')).toBe(true);
    const to = new Date();
    const from = new Date(to.getTime() - 3_600_000);
    const annotation = (name: string) =>
      dashboard.annotations.list.find((a) => a.name === name)!.target!.rawSql!;
    for (const provider of all.provider!) {
      const only = { ...all, provider: [provider] };
      const probeLog = await runSql(targetTitled(dashboard, 'Probe log'), only);
      expect({ provider, rows: probeLog.rows.map((r) => r.provider) }).toEqual({
        provider,
        rows: [provider],
      });
      const expected = audit.filter((r) => providersOf(r)?.includes(provider) ?? true);
      const kept = (await runSql(targetTitled(dashboard, 'Spike Lab audit'), only)).rows;
      expect({ provider, kept }).toEqual({ provider, kept: expected });
      const changes = await asReader(expandSqlMacros(annotation('Spike Lab changes'), from, to, only));
      expect({ provider, changes: changes.rowCount }).toEqual({ provider, changes: expected.length });
      // The stack's one incident is Apple Health's ProviderDown.
      const incidents = provider === 'apple_health' ? 1 : 0;
      const open = await runSql(targetTitled(dashboard, 'Open incidents'), only);
      const history = await runSql(targetTitled(dashboard, 'Incident history'), only);
      const regions = await asReader(expandSqlMacros(annotation('Incidents'), from, to, only));
      expect({ provider, counts: [open.rowCount, history.rowCount, regions.rowCount] }).toEqual({
        provider,
        counts: [incidents, incidents, incidents],
      });
    }
  });

  it('show the up/down state GET /api/ops/provider-health reports', async () => {
    const { rows } = await runSql(targetTitled(dashboard, 'Probe log'));
    const api = (await (await fetch(`${stack.exporterUrl}/api/ops/provider-health`)).json()) as {
      providers: Array<{ provider: string; up: boolean }>;
    };
    // The table lists the providers in the order the provider variable does (Prometheus's, by name).
    expect(rows.map((r) => [r.provider, r.state])).toEqual(
      api.providers.map((p) => [p.provider, p.up ? 'up' : 'down']).sort(([a], [b]) => a!.localeCompare(b!)),
    );
    expect(rows.find((r) => r.provider === 'apple_health')).toMatchObject({
      state: 'down',
      last_error: 'http_4xx',
    });
  });
});
