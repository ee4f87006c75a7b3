// The provisioned dashboard's structure: what Grafana needs to load it and what the plugin contract and the
// features ask of it. dashboard-queries.test.ts runs its queries against the real system.
import {
  expandPromql,
  expandSqlMacros,
  loadDashboard,
  PLUGIN_PANEL,
  promTargets,
  provisionedDatasources,
  labelValuesQuery,
  queryPanels,
  resolveDatasource,
  sqlTargets,
  variablesOf,
  targetsOf,
  type Dashboard,
  type Panel,
} from './dashboard-model.js';
import { promqlReferences } from './promql-references.js';

const dashboard = loadDashboard();
/** Values for the dashboard's variables where a check only needs valid text. */
const SAMPLE = { job: ['exporter', 'worker'], instance: ['exporter:8080'], provider: ['strava', 'polar'] };
const panels = queryPanels(dashboard);
const GRID_COLUMNS = 24;

/** Pairs of panels whose grid rectangles overlap, and panels that stick out of the 24 columns. */
function gridProblems(all: Panel[]): string[] {
  const problems = all
    .filter(
      (p) =>
        p.gridPos.x < 0 || p.gridPos.w < 1 || p.gridPos.h < 1 || p.gridPos.x + p.gridPos.w > GRID_COLUMNS,
    )
    .map((p) => `"${p.title}" is outside the grid`);
  all.forEach((a, i) => {
    for (const b of all.slice(i + 1)) {
      const apart =
        a.gridPos.x + a.gridPos.w <= b.gridPos.x ||
        b.gridPos.x + b.gridPos.w <= a.gridPos.x ||
        a.gridPos.y + a.gridPos.h <= b.gridPos.y ||
        b.gridPos.y + b.gridPos.h <= a.gridPos.y;
      if (!apart) problems.push(`"${a.title}" overlaps "${b.title}"`);
    }
  });
  return problems;
}

/** Every metric the dashboard's PromQL names. */
function metricsOf(d: Dashboard): Set<string> {
  return new Set(
    promTargets(d).flatMap((t) =>
      promqlReferences(expandPromql(t.target.expr ?? '', 15, 3600, SAMPLE)).selectors.map(
        (s) => s.metric ?? '',
      ),
    ),
  );
}

/** Every table the dashboard's SQL reads. */
function tablesOf(d: Dashboard): Set<string> {
  return new Set(
    sqlTargets(d).flatMap((t) =>
      [...(t.target.rawSql ?? '').matchAll(/\b(?:FROM|JOIN)\s+([a-z_]+)/gi)].map((m) => m[1]!),
    ),
  );
}

describe('the Ops Cockpit dashboard', () => {
  it('is "Ops Cockpit" (uid ops-cockpit), refreshing every 5 s', () => {
    expect(dashboard).toMatchObject({ uid: 'ops-cockpit', title: 'Ops Cockpit', refresh: '5s' });
  });

  it('gives every panel a unique id and title and a place on the grid no other panel takes', () => {
    const all = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    const ids = all.map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const titles = panels.map((p) => p.title);
    expect(new Set(titles).size).toBe(titles.length);
    expect(gridProblems(dashboard.panels)).toEqual([]);
  });

  it('describes every panel and sets a unit on every number it plots', () => {
    for (const panel of panels) {
      expect({ panel: panel.title, described: (panel.description ?? '').length > 80 }).toEqual({
        panel: panel.title,
        described: true,
      });
      if (['stat', 'timeseries'].includes(panel.type)) {
        expect({ panel: panel.title, unit: typeof panel.fieldConfig?.defaults.unit }).toEqual({
          panel: panel.title,
          unit: 'string',
        });
      }
    }
  });

  it('queries through its datasource variables, which start on the provisioned datasources', () => {
    const provisioned = provisionedDatasources().map((ds) => `${ds.type}/${ds.uid}`);
    const variables = new Map(variablesOf(dashboard, 'datasource').map((v) => [String(v.query), v.name]));
    expect([...variables.keys()].sort()).toEqual(['grafana-postgresql-datasource', 'prometheus']);
    const annotations = dashboard.annotations.list
      .filter((a) => !a.builtIn)
      .map((a) => ({ panel: { datasource: a.datasource } as Panel, target: a.target!, where: a.name }));
    for (const { panel, target, where } of [...targetsOf(dashboard), ...annotations]) {
      // Every query names its type's variable, so picking another Prometheus or Postgres moves all of them.
      const type = target.datasource?.type ?? '';
      expect({ where, uid: target.datasource?.uid }).toEqual({ where, uid: `\${${variables.get(type)}}` });
      const resolved = resolveDatasource(dashboard, target.datasource);
      const ds = `${resolved?.type}/${resolved?.uid}`;
      expect({ where, ds, provisioned: provisioned.includes(ds) }).toEqual({ where, ds, provisioned: true });
      expect({ where, panel: panel.datasource }).toEqual({ where, panel: target.datasource });
    }
    expect(panels.every((p) => (p.targets ?? []).length > 0)).toBe(true);
  });

  it('lets on-call pick job, instance and provider: multi-select with All, listed from Prometheus', () => {
    const queries = variablesOf(dashboard, 'query');
    expect(queries.map((v) => v.name)).toEqual(['job', 'instance', 'provider']);
    for (const v of queries) {
      expect({ name: v.name, multi: v.multi, includeAll: v.includeAll, ds: v.datasource }).toEqual({
        name: v.name,
        multi: true,
        includeAll: true,
        ds: { type: 'prometheus', uid: '${prometheus}' },
      });
      // No custom All value: All is the listed values, which SQL's IN (…) can take as well as a regex.
      expect({ name: v.name, allValue: v.allValue ?? null }).toEqual({ name: v.name, allValue: null });
      expect({ name: v.name, current: v.current?.value }).toEqual({ name: v.name, current: ['$__all'] });
    }
    expect(queries.map((v) => labelValuesQuery(v))).toEqual([
      { selector: 'ops_build_info', label: 'job' },
      { selector: 'ops_build_info{job=~"$job"}', label: 'instance' },
      { selector: 'ops_provider_info', label: 'provider' },
    ]);
  });

  it('narrows every query by the variables: job and instance on every series of ours, provider where it is a dimension', () => {
    const problems: string[] = [];
    for (const { target, where } of promTargets(dashboard)) {
      const { selectors } = promqlReferences(expandPromql(target.expr ?? '', 15, 3600, SAMPLE));
      for (const s of selectors) {
        // ALERTS is Prometheus's own: an alert may sum over processes and carry no job or instance.
        const needed = s.metric === 'ALERTS' ? ['provider'] : ['job', 'instance'];
        for (const label of needed) {
          if (!s.labels.includes(label)) problems.push(`${where}: ${s.metric} not narrowed by ${label}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // Each query variable is used; provider also by the SQL panels and annotations that have a provider.
    for (const name of ['job', 'instance', 'provider']) {
      expect({ name, used: promTargets(dashboard).some((t) => t.target.expr?.includes(`$${name}`)) }).toEqual(
        {
          name,
          used: true,
        },
      );
    }
    const sqlWithProvider = [
      ...sqlTargets(dashboard).map((t) => ({ where: t.where, sql: t.target.rawSql ?? '' })),
      ...dashboard.annotations.list
        .filter((a) => a.target)
        .map((a) => ({ where: a.name, sql: a.target!.rawSql ?? '' })),
    ].filter((q) => /provider/.test(q.sql));
    expect(sqlWithProvider.map((q) => q.where)).toEqual([
      '"Probe log" A',
      '"Spike Lab audit" A',
      '"Open incidents" A',
      '"Incident history" A',
      'Spike Lab changes',
      'Incidents',
    ]);
    for (const { where, sql } of sqlWithProvider) {
      expect({ where, narrowed: sql.includes('$provider') }).toEqual({ where, narrowed: true });
    }
  });

  it('covers the eight features', () => {
    const views = panels.filter((p) => p.type === PLUGIN_PANEL).map((p) => p.options?.view);
    expect([...views].sort()).toEqual(['heatmap', 'progress', 'pulse', 'signal', 'stress']);
    expect([...metricsOf(dashboard)]).toEqual(
      expect.arrayContaining([
        // 1 provider health grid: up/down, success %, latency from the probe histogram
        'ops_provider_probe_success',
        'ops_provider_probes_total',
        'ops_provider_probe_request_duration_seconds_bucket',
        // 2 live signal
        'ops_webhook_requests_total',
        'ops_webhook_events_total',
        // 3 Spike Lab
        'ops_chaos_active',
        'ops_chaos_injected_total',
        // 5 quiet list, 6 incidents
        'ops_quiet_users',
        'ops_nudges_total',
        'ops_incidents_open',
      ]),
    );
    expect([...tablesOf(dashboard)]).toEqual(
      expect.arrayContaining(['provider_health_logs', 'chaos_events', 'users', 'nudges', 'incidents']),
    );
  });

  it('writes every Prometheus target in valid PromQL, with only Grafana’s interval variables and the dashboard’s', () => {
    const targets = promTargets(dashboard);
    expect(targets.length).toBeGreaterThan(0);
    for (const { target, where } of targets) {
      const { errors, selectors } = promqlReferences(expandPromql(target.expr ?? '', 15, 3600, SAMPLE));
      expect({ where, errors }).toEqual({ where, errors: [] });
      expect({ where, named: selectors.every((s) => s.metric !== undefined) }).toEqual({
        where,
        named: true,
      });
    }
  });

  it('writes every SQL target as a raw table query with only Grafana’s time macros and the dashboard’s variables', () => {
    const targets = sqlTargets(dashboard);
    expect(targets.length).toBeGreaterThan(0);
    for (const { target, where } of targets) {
      expect({
        where,
        format: target.format,
        rawQuery: target.rawQuery,
        editorMode: target.editorMode,
      }).toEqual({
        where,
        format: 'table',
        rawQuery: true,
        editorMode: 'code',
      });
      expect(() => expandSqlMacros(target.rawSql ?? '', new Date(0), new Date(), SAMPLE)).not.toThrow();
    }
  });
});

describe('ops-cockpit-panel panels', () => {
  const plugin = panels.filter((p) => p.type === PLUGIN_PANEL);
  const byView = (view: string) => plugin.filter((p) => p.options?.view === view);
  const target = (panel: Panel, refId: string) => panel.targets?.find((t) => t.refId === refId);

  // Each view's options (the panel shows a view's thresholds only for it), with their bounds.
  const OPTIONS: Record<string, Record<string, [min: number, max: number]>> = {
    heatmap: {},
    progress: { goalMiles: [1, Infinity] },
    stress: { stressThreshold: [0, 100] },
    pulse: { pulseWarnPercent: [0, 100], pulseCriticalPercent: [0, 100], pulseLatencyMs: [1, Infinity] },
    signal: { flatlineSeconds: [1, Infinity], spikeFactor: [1, Infinity] },
  };

  it('use only the options the plugin knows, with valid values', () => {
    expect(plugin.length).toBeGreaterThan(0);
    for (const panel of plugin) {
      const { view, ...rest } = panel.options ?? {};
      const known = OPTIONS[view as string];
      expect({ panel: panel.title, view: known !== undefined }).toEqual({ panel: panel.title, view: true });
      // stressThreshold is a default every panel may carry (Grafana saves defaults with the panel).
      const allowed: Record<string, [number, number]> = { stressThreshold: [0, 100], ...known };
      for (const [key, value] of Object.entries(rest)) {
        const bounds = allowed[key];
        expect({ panel: panel.title, key, known: bounds !== undefined }).toEqual({
          panel: panel.title,
          key,
          known: true,
        });
        expect(typeof value).toBe('number');
        expect(value as number).toBeGreaterThanOrEqual(bounds![0]);
        expect(value as number).toBeLessThanOrEqual(bounds![1]);
      }
    }
  });

  it('give the pulse grid its five queries by provider: up, success and p95 over the range, ttfb, failure', () => {
    expect(byView('pulse')).toHaveLength(1);
    for (const panel of byView('pulse')) {
      expect(panel.targets?.map((t) => t.refId)).toEqual(['up', 'success', 'p95', 'ttfb', 'failure']);
      for (const t of panel.targets ?? []) {
        expect({ refId: t.refId, instant: t.instant }).toEqual({ refId: t.refId, instant: true });
        const refs = promqlReferences(expandPromql(t.expr ?? '', 15, 3600, SAMPLE));
        expect({ refId: t.refId, errors: refs.errors }).toEqual({ refId: t.refId, errors: [] });
        // The outermost grouping keeps provider: every provider gets its tile, whichever the exporter probes.
        expect(refs.groupings.at(-1)?.labels).toEqual(expect.arrayContaining(['provider']));
      }
      const metrics = (refId: string) =>
        promqlReferences(expandPromql(target(panel, refId)?.expr ?? '', 15, 3600, SAMPLE)).selectors.map(
          (s) => s.metric,
        );
      expect(metrics('up')).toEqual(['ops_provider_probe_success']);
      expect(new Set(metrics('success'))).toEqual(new Set(['ops_provider_probes_total']));
      expect(target(panel, 'success')?.expr).toContain('[$__range]');
      expect(metrics('p95')).toEqual(['ops_provider_probe_request_duration_seconds_bucket']);
      expect(target(panel, 'p95')?.expr).toContain('[$__range]');
      expect(metrics('ttfb')).toEqual(['ops_provider_probe_duration_seconds']);
      expect(new Set(metrics('failure'))).toEqual(new Set(['ops_provider_probes_total']));
      expect(
        promqlReferences(expandPromql(target(panel, 'failure')?.expr ?? '', 15, 3600, SAMPLE)).groupings.at(
          -1,
        )?.labels,
      ).toEqual(['provider', 'reason']);
    }
  });

  it('give the live signal a range query of webhook events/s by provider', () => {
    expect(byView('signal')).toHaveLength(1);
    for (const panel of byView('signal')) {
      expect(panel.targets).toHaveLength(1);
      const [only] = panel.targets!;
      expect(only).toMatchObject({ instant: false, range: true, legendFormat: '{{provider}}' });
      const refs = promqlReferences(expandPromql(only!.expr ?? '', 15, 3600, SAMPLE));
      expect(refs.selectors.map((s) => s.metric)).toEqual(['ops_webhook_events_total']);
      expect(refs.groupings.map((g) => g.labels)).toEqual([['provider']]);
    }
  });

  it('give the heatmap an instant query of ops_activity_heatmap_activities by weekday and hour', () => {
    for (const panel of byView('heatmap')) {
      expect(panel.targets).toHaveLength(1);
      const [only] = panel.targets!;
      expect(only).toMatchObject({ instant: true });
      const refs = promqlReferences(only!.expr ?? '');
      expect(refs.selectors.map((s) => s.metric)).toEqual(['ops_activity_heatmap_activities']);
      expect(refs.groupings.flatMap((g) => g.labels).sort()).toEqual(['hour', 'weekday']);
    }
  });

  it('give the progress ring targets "distance" and "goal", legends named after their metrics', () => {
    for (const panel of byView('progress')) {
      for (const [refId, metric] of [
        ['distance', 'ops_challenge_distance_meters'],
        ['goal', 'ops_challenge_goal_meters'],
      ] as const) {
        const t = target(panel, refId);
        expect(t?.legendFormat).toBe(metric);
        expect(promqlReferences(t?.expr ?? '').selectors.map((s) => s.metric)).toEqual([metric]);
      }
    }
  });

  it('give stress mode targets "score" (ops_calm_score) and "factors" (ops_calm_penalty by factor)', () => {
    for (const panel of byView('stress')) {
      expect(promqlReferences(target(panel, 'score')?.expr ?? '').selectors.map((s) => s.metric)).toEqual([
        'ops_calm_score',
      ]);
      const factors = target(panel, 'factors');
      expect(factors?.legendFormat).toBe('{{factor}}');
      const refs = promqlReferences(factors?.expr ?? '');
      expect(refs.selectors.map((s) => s.metric)).toEqual(['ops_calm_penalty']);
      expect(refs.groupings.map((g) => g.labels)).toEqual([['factor']]);
    }
  });
});

describe('the checks themselves can fail', () => {
  const at = (title: string, x: number, y: number, w: number, h: number) =>
    ({ id: 1, type: 'stat', title, gridPos: { x, y, w, h } }) as Panel;

  it('finds overlapping panels and panels wider than the grid', () => {
    expect(gridProblems([at('a', 0, 0, 12, 8), at('b', 12, 0, 12, 8), at('c', 0, 8, 24, 1)])).toEqual([]);
    expect(gridProblems([at('a', 0, 0, 12, 8), at('b', 11, 7, 6, 4), at('c', 20, 20, 6, 1)])).toEqual([
      '"c" is outside the grid',
      '"a" overlaps "b"',
    ]);
  });

  it('refuses Grafana variables and macros it does not know', () => {
    expect(expandPromql('rate(x[$__rate_interval])', 15, 3600, SAMPLE)).toBe('rate(x[60s])');
    expect(() => expandPromql('x{region="$region"}', 15, 3600, SAMPLE)).toThrow('$region');
    expect(expandPromql('x{instance=~"$instance"}', 15, 3600, { instance: ['a.b:1', 'c:2'] })).toBe(
      'x{instance=~"(a\\\\.b:1|c:2)"}',
    );
    expect(expandSqlMacros('p IN ($provider)', new Date(0), new Date(), { provider: ["o'k", 'x'] })).toBe(
      "p IN ('o''k','x')",
    );
    expect(() => expandSqlMacros('p IN ($region)', new Date(0), new Date(), SAMPLE)).toThrow('$region');
    expect(expandSqlMacros('WHERE $__timeFilter(t)', new Date(0), new Date(1000))).toBe(
      "WHERE t BETWEEN '1970-01-01T00:00:00.000Z' AND '1970-01-01T00:00:01.000Z'",
    );
    expect(() => expandSqlMacros('SELECT $__timeGroup(t, 1m)', new Date(0), new Date())).toThrow(
      '$__timeGroup',
    );
  });

  it('finds invalid PromQL and the labels of by(), on() and selectors', () => {
    expect(promqlReferences('sum by (a (x)').errors).not.toEqual([]);
    const refs = promqlReferences(
      'histogram_quantile(0.95, sum by (le, provider) (rate(x_bucket{code=~"5.."}[5m]))) / on (provider) {__name__="y"}',
    );
    expect(refs.errors).toEqual([]);
    expect(refs.selectors).toEqual([
      { metric: 'x_bucket', labels: ['code'] },
      { metric: 'y', labels: [] },
    ]);
    expect(refs.groupings.map((g) => [g.clause, g.labels, g.selectors.map((s) => s.metric)])).toEqual([
      ['by (le, provider)', ['le', 'provider'], ['x_bucket']],
      ['on (provider)', ['provider'], ['x_bucket', 'y']],
    ]);
  });
});
