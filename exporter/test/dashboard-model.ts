import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '@ops-cockpit/core/testing';

/**
 * The provisioned Grafana dashboard as the tests read it: its panels and query targets, the provisioned
 * datasources, and Grafana's own variables and SQL macros expanded the way Grafana expands them before a query
 * reaches Prometheus or Postgres.
 */

export const DASHBOARD_FILE = path.join(REPO_ROOT, 'dashboards', 'ops-cockpit.json');
export const PLUGIN_PANEL = 'ops-cockpit-panel';

export interface DatasourceRef {
  type: string;
  uid: string;
}

export interface Target {
  refId: string;
  datasource?: DatasourceRef;
  // Prometheus
  expr?: string;
  instant?: boolean;
  range?: boolean;
  format?: string;
  legendFormat?: string;
  // Postgres
  rawSql?: string;
  rawQuery?: boolean;
  editorMode?: string;
}

export interface FieldOverride {
  matcher: { id: string; options: unknown };
  properties: Array<{ id: string; value: unknown }>;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: DatasourceRef;
  targets?: Target[];
  options?: Record<string, unknown>;
  fieldConfig?: { defaults: Record<string, unknown>; overrides: FieldOverride[] };
  transformations?: Array<{ id: string; options: Record<string, unknown> }>;
  panels?: Panel[];
  collapsed?: boolean;
}

/** A dashboard annotation: Grafana's built-in one, or a query whose rows become marks (time) or regions (timeend). */
export interface Annotation {
  name: string;
  enable: boolean;
  builtIn?: number;
  datasource: { type: string; uid: string };
  target?: Target;
}

/** A template variable: a datasource picker (`query` is the plugin type) or a query over the Prometheus picked. */
export interface Variable {
  name: string;
  type: 'datasource' | 'query' | string;
  query: string | { query: string };
  definition?: string;
  datasource?: DatasourceRef;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
  current?: { text: string | string[]; value: string | string[] };
}

export interface Dashboard {
  uid: string;
  title: string;
  refresh: string;
  panels: Panel[];
  annotations: { list: Annotation[] };
  templating: { list: Variable[] };
}

/** The values chosen for each query variable ("All" stands for every value its query found). */
export type Selection = Record<string, string[]>;

export const variablesOf = (dashboard: Dashboard, type: string) =>
  dashboard.templating.list.filter((v) => v.type === type);

/**
 * The datasource a reference resolves to: `${name}` is the datasource variable `name`, whose current value is
 * the provisioned datasource it starts on; anything else is taken as written.
 */
export function resolveDatasource(
  dashboard: Dashboard,
  ref: DatasourceRef | undefined,
): DatasourceRef | undefined {
  const name = /^\$\{(\w+)\}$/.exec(ref?.uid ?? '')?.[1];
  if (!ref || name === undefined) return ref;
  const variable = variablesOf(dashboard, 'datasource').find((v) => v.name === name);
  if (!variable) throw new Error(`datasource variable \${${name}} is not defined`);
  return { type: String(variable.query), uid: String(variable.current?.value) };
}

/** A label_values(<series selector>, <label>) variable query, taken apart. */
export function labelValuesQuery(variable: Variable): { selector: string; label: string } {
  const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
  const parts = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
  if (!parts) throw new Error(`variable ${variable.name}: not a label_values() query: ${query}`);
  return { selector: parts[1]!.trim(), label: parts[2]! };
}

/** Grafana's regex escaping of a value in a Prometheus label matcher. */
const promRegexEscape = (value: string) => value.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&');

/** Grafana's SQL quoting of one value of a multi-value variable. */
const sqlQuote = (value: string) => `'${value.replace(/'/g, "''")}'`;

export function loadDashboard(file = DASHBOARD_FILE): Dashboard {
  return JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
}

/** Every panel, those inside collapsed rows included, rows themselves left out. */
export function queryPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels
    .flatMap((panel) => [panel, ...(panel.panels ?? [])])
    .filter((panel) => panel.type !== 'row');
}

export interface PanelTarget {
  panel: Panel;
  target: Target;
  /** `"<panel title>" <refId>`, for messages. */
  where: string;
}

export function targetsOf(dashboard: Dashboard): PanelTarget[] {
  return queryPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel, target, where: `"${panel.title}" ${target.refId}` })),
  );
}

export const promTargets = (dashboard: Dashboard) =>
  targetsOf(dashboard).filter((t) => t.target.datasource?.type === 'prometheus');
export const sqlTargets = (dashboard: Dashboard) =>
  targetsOf(dashboard).filter((t) => t.target.datasource?.type === 'grafana-postgresql-datasource');

/** The first target of the panel with this title (tests name panels the way operators see them). */
export function targetTitled(dashboard: Dashboard, title: string): PanelTarget {
  const found = [...promTargets(dashboard), ...sqlTargets(dashboard)].find((t) => t.panel.title === title);
  if (!found) throw new Error(`the dashboard has no panel "${title}" with a query`);
  return found;
}

export interface ProvisionedDatasource {
  name: string;
  type: string;
  uid: string;
}

export function provisionedDatasources(): ProvisionedDatasource[] {
  const file = path.join(REPO_ROOT, 'provisioning', 'datasources', 'datasources.yml');
  return (parse(readFileSync(file, 'utf8')) as { datasources: ProvisionedDatasource[] }).datasources;
}

/**
 * Grafana's interval variables in a PromQL expression, given the scrape interval in seconds. Grafana sets
 * `$__rate_interval` to max(4 × scrape interval, `$__interval` + scrape interval); anything else that looks like
 * a variable is refused, so a dashboard variable nobody defines cannot slip through.
 */
export function expandPromql(
  expr: string,
  scrapeSeconds: number,
  rangeSeconds: number,
  selection: Selection = {},
): string {
  const interval = scrapeSeconds;
  const values: Record<string, string> = {
    __rate_interval: `${Math.max(4 * scrapeSeconds, interval + scrapeSeconds)}s`,
    __interval: `${interval}s`,
    __range: `${rangeSeconds}s`,
    // A multi-value variable in a regex matcher: each value escaped, joined as an alternation.
    ...Object.fromEntries(
      Object.entries(selection).map(([name, chosen]) => [name, `(${chosen.map(promRegexEscape).join('|')})`]),
    ),
  };
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`unknown Grafana variable ${whole} in ${expr}`);
    return value;
  });
}

/**
 * Grafana's Postgres macros for a time range, as Grafana writes them: `$__timeFilter(col)` becomes
 * `col BETWEEN '<from>' AND '<to>'`, `$__timeFrom()` / `$__timeTo()` the quoted instants; a multi-value
 * variable becomes its values quoted and comma-separated (`'strava','garmin'`). Any other macro or variable is
 * refused.
 */
export function expandSqlMacros(sql: string, from: Date, to: Date, selection: Selection = {}): string {
  const quoted = (d: Date) => `'${d.toISOString()}'`;
  return sql.replace(/\$(\w+)(?:\(([^)]*)\))?/g, (whole, name: string, arg: string | undefined) => {
    if (name === '__timeFilter' && arg) return `${arg.trim()} BETWEEN ${quoted(from)} AND ${quoted(to)}`;
    if (name === '__timeFrom' && arg === '') return quoted(from);
    if (name === '__timeTo' && arg === '') return quoted(to);
    const chosen = selection[name];
    if (chosen && arg === undefined) return chosen.map(sqlQuote).join(',');
    throw new Error(`unsupported Grafana macro or variable ${whole}`);
  });
}

/** The fields a table panel's `organize` transformation orders (every column its query should return). */
export function organizedFields(panel: Panel): string[] {
  const organize = panel.transformations?.find((t) => t.id === 'organize');
  return Object.keys((organize?.options.indexByName as Record<string, number> | undefined) ?? {});
}

/** Field names the panel's overrides and transformations refer to by name. */
export function referencedFields(panel: Panel): string[] {
  const byName = (panel.fieldConfig?.overrides ?? [])
    .filter((o) => o.matcher.id === 'byName')
    .map((o) => String(o.matcher.options));
  const organize = panel.transformations?.find((t) => t.id === 'organize')?.options ?? {};
  const keys = ['indexByName', 'renameByName', 'excludeByName'].flatMap((k) =>
    Object.keys((organize[k] as Record<string, unknown> | undefined) ?? {}),
  );
  return [...new Set([...byName, ...keys])];
}

/** `{{label}}` names in a legend format. */
export function legendLabels(legendFormat: string | undefined): string[] {
  return [...(legendFormat ?? '').matchAll(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g)].map((m) => m[1]!);
}
