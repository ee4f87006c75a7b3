/**
 * The app's plugin-proxy routes (plugin.json `routes`) as Grafana's plugin proxy reads them: which route a request
 * takes, which org role it needs, and how its URL and headers are filled in. The pages use it to show a control
 * only to a role the proxy would let through, and the browser tests' stand-in for Grafana's proxy uses the very
 * same code, so the two cannot disagree.
 */

export type OrgRole = 'None' | 'Viewer' | 'Editor' | 'Admin';

export interface ProxyRouteHeader {
  name: string;
  content: string;
}

export interface ProxyRoute {
  /** Pattern relative to `/api/plugin-proxy/<app id>/`: literal segments, `:name` segments, a trailing `*`. */
  path: string;
  method?: string;
  reqRole?: string;
  url: string;
  headers?: ProxyRouteHeader[];
}

const ROLE_RANK: Record<OrgRole, number> = { None: 0, Viewer: 1, Editor: 2, Admin: 3 };

export function isOrgRole(value: unknown): value is OrgRole {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ROLE_RANK, value);
}

/** Grafana's `RoleType.Includes`: an Admin may do what an Editor may, an Editor what a Viewer may. */
export function roleIncludes(role: OrgRole, required: OrgRole): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[required];
}

/**
 * Splits a route pattern into segments, refusing what this matcher does not implement (Grafana's router also
 * knows regexp parameters), so plugin.json cannot use a pattern the stand-in proxy would read differently.
 */
function patternSegments(pattern: string): string[] {
  const segments = pattern.replace(/^\//, '').split('/');
  segments.forEach((segment, i) => {
    const ok = segment === '*' ? i === segments.length - 1 : /^(:[A-Za-z_]\w*|[\w.~-]+)$/.test(segment);
    if (!ok) {
      throw new Error(
        `route path ${JSON.stringify(pattern)}: unsupported segment ${JSON.stringify(segment)}`,
      );
    }
  });
  return segments;
}

/** What follows the route's pattern (the `*` part), or undefined when the path does not match it. */
export function matchPath(pattern: string, path: string): string | undefined {
  const want = patternSegments(pattern);
  const got = path.replace(/^\//, '').split('/');
  for (let i = 0; i < want.length; i++) {
    const segment = want[i];
    if (segment === '*') {
      const rest = got.slice(i).join('/');
      return rest === '' ? undefined : rest;
    }
    const part = got[i];
    if (part === undefined || part === '') {
      return undefined;
    }
    if (!segment.startsWith(':') && segment !== part) {
      return undefined;
    }
  }
  return got.length === want.length ? '' : undefined;
}

export interface RouteMatch {
  route: ProxyRoute;
  /** The matched `*` part, appended to the route's URL; empty without one. */
  rest: string;
}

/** Grafana's order: the first route whose method (empty or `*` = any) and path match; later ones are not tried. */
export function findRoute(
  routes: readonly ProxyRoute[],
  method: string,
  path: string,
): RouteMatch | undefined {
  for (const route of routes) {
    if (route.method && route.method !== '*' && route.method.toUpperCase() !== method.toUpperCase()) {
      continue;
    }
    const rest = matchPath(route.path, path);
    if (rest !== undefined) {
      return { route, rest };
    }
  }
  return undefined;
}

/** The role a route requires; a route without (or with an unknown) `reqRole` is open to any signed-in user. */
export function requiredRole(route: ProxyRoute): OrgRole {
  return isOrgRole(route.reqRole) ? route.reqRole : 'None';
}

/** Whether `role` may send `method path` through the proxy: a route matches and its role is included. */
export function mayRequest(
  routes: readonly ProxyRoute[],
  role: OrgRole,
  method: string,
  path: string,
): boolean {
  const match = findRoute(routes, method, path);
  return match !== undefined && roleIncludes(role, requiredRole(match.route));
}

export interface RouteTemplateData {
  JsonData: Record<string, unknown>;
  SecureJsonData: Record<string, string>;
}

/**
 * Fills `{{ .JsonData.key }}` and `{{ .SecureJsonData.key }}` as Go's text/template does for Grafana: a missing
 * key prints `<no value>`. Any other template action is refused rather than guessed at.
 */
export function interpolate(template: string, data: RouteTemplateData): string {
  return template.replace(/\{\{(.*?)\}\}/g, (_all, inner: string) => {
    const m = /^\s*\.(JsonData|SecureJsonData)\.(\w+)\s*$/.exec(inner);
    if (!m) {
      throw new Error(`unsupported template action {{${inner}}}`);
    }
    const source: Record<string, unknown> = m[1] === 'JsonData' ? data.JsonData : data.SecureJsonData;
    const value = Object.prototype.hasOwnProperty.call(source, m[2]) ? source[m[2]] : undefined;
    return value === undefined || value === null ? '<no value>' : String(value);
  });
}

/** Grafana's `util.JoinURLFragments`: one slash between the route URL's path and the matched rest. */
export function joinUrlPath(base: string, rest: string): string {
  if (rest === '') {
    return base;
  }
  const baseSlash = base.endsWith('/');
  const restSlash = rest.startsWith('/');
  if (baseSlash && restSlash) {
    return base + rest.slice(1);
  }
  return baseSlash || restSlash ? base + rest : `${base}/${rest}`;
}
