import { PROXY_ROUTES } from '../constants';
import {
  findRoute,
  interpolate,
  joinUrlPath,
  matchPath,
  mayRequest,
  requiredRole,
  roleIncludes,
  type OrgRole,
} from './proxy-routes';

describe('matchPath', () => {
  it('matches literal and :name segments exactly, and a trailing * to the rest', () => {
    expect(matchPath('api/ops/chaos', 'api/ops/chaos')).toBe('');
    expect(matchPath('api/ops/chaos', 'api/ops/chaos/outage')).toBeUndefined();
    expect(matchPath('api/ops/chaos/*', 'api/ops/chaos/outage')).toBe('outage');
    expect(matchPath('api/ops/incidents/*', 'api/ops/incidents/12/acknowledge')).toBe('12/acknowledge');
    expect(matchPath('api/ops/incidents/*', 'api/ops/incidents/')).toBeUndefined();
    expect(matchPath('api/ops/incidents/*', 'api/ops/incidents')).toBeUndefined();
    expect(matchPath('users/:id/x', 'users/7/x')).toBe('');
    expect(matchPath('users/:id/x', 'users//x')).toBeUndefined();
    expect(matchPath('api/ops/chaos', 'api/ops/chaoss')).toBeUndefined();
  });

  it('refuses patterns it does not implement instead of reading them differently from Grafana', () => {
    expect(() => matchPath('api/:id(\\d+)', 'api/1')).toThrow(/unsupported segment/);
    expect(() => matchPath('api/*/x', 'api/1/x')).toThrow(/unsupported segment/);
  });
});

describe("the app's plugin.json routes", () => {
  const cases: Array<[string, string, OrgRole, string]> = [
    ['GET', 'api/ops/chaos', 'Viewer', '{{ .JsonData.exporterUrl }}/api/ops/chaos'],
    ['GET', 'api/ops/incidents', 'Viewer', '{{ .JsonData.exporterUrl }}/api/ops/incidents'],
    ['GET', 'api/ops/quiet-users', 'Viewer', '{{ .JsonData.exporterUrl }}/api/ops/quiet-users'],
    ['POST', 'api/ops/incidents/5/acknowledge', 'Editor', '{{ .JsonData.exporterUrl }}/api/ops/incidents'],
    ['POST', 'api/ops/nudge', 'Editor', '{{ .JsonData.exporterUrl }}/api/ops/nudge'],
    ['GET', 'api/ops/quarantine', 'Editor', '{{ .JsonData.exporterUrl }}/api/ops/quarantine'],
    ['POST', 'api/ops/quarantine/7/approve', 'Editor', '{{ .JsonData.exporterUrl }}/api/ops/quarantine'],
    ['POST', 'api/ops/quarantine/7/reject', 'Editor', '{{ .JsonData.exporterUrl }}/api/ops/quarantine'],
    ['PUT', 'api/ops/chaos/outage', 'Admin', '{{ .JsonData.exporterUrl }}/api/ops/chaos'],
    ['DELETE', 'api/ops/chaos/latency', 'Admin', '{{ .JsonData.exporterUrl }}/api/ops/chaos'],
    ['POST', 'api/ops/chaos/restore', 'Admin', '{{ .JsonData.exporterUrl }}/api/ops/chaos/restore'],
  ];

  it.each(cases)('%s %s needs %s and goes to %s', (method, path, role, url) => {
    const match = findRoute(PROXY_ROUTES, method, path);
    expect(match?.route.url).toBe(url);
    expect(requiredRole(match!.route)).toBe(role);
  });

  it('sends the operator token from secureJsonData on every route', () => {
    for (const route of PROXY_ROUTES) {
      expect(route.headers).toEqual([
        { name: 'Authorization', content: 'Bearer {{ .SecureJsonData.operatorToken }}' },
      ]);
    }
  });

  it('lets a Viewer read but not act, an Editor acknowledge and nudge but not touch chaos, an Admin do all', () => {
    const may = (role: OrgRole, method: string, path: string) => mayRequest(PROXY_ROUTES, role, method, path);
    expect(may('Viewer', 'GET', 'api/ops/incidents')).toBe(true);
    expect(may('None', 'GET', 'api/ops/incidents')).toBe(false);
    expect(may('Viewer', 'POST', 'api/ops/incidents/1/acknowledge')).toBe(false);
    expect(may('Viewer', 'POST', 'api/ops/nudge')).toBe(false);
    expect(may('Editor', 'POST', 'api/ops/incidents/1/acknowledge')).toBe(true);
    expect(may('Editor', 'POST', 'api/ops/nudge')).toBe(true);
    // The review queue names users: Editors and Admins read and decide it, Viewers do neither.
    expect(may('Viewer', 'GET', 'api/ops/quarantine')).toBe(false);
    expect(may('Viewer', 'POST', 'api/ops/quarantine/7/approve')).toBe(false);
    expect(may('Editor', 'POST', 'api/ops/quarantine/7/reject')).toBe(true);
    expect(may('Editor', 'PUT', 'api/ops/chaos/outage')).toBe(false);
    expect(may('Editor', 'POST', 'api/ops/chaos/restore')).toBe(false);
    expect(may('Admin', 'PUT', 'api/ops/chaos/outage')).toBe(true);
    expect(may('Admin', 'POST', 'api/ops/chaos/restore')).toBe(true);
    // Nothing else of the exporter is reachable through the proxy, whatever the role.
    expect(may('Admin', 'POST', 'api/alertmanager')).toBe(false);
    expect(may('Admin', 'GET', 'metrics')).toBe(false);
    expect(may('Admin', 'POST', 'api/ops/chaos')).toBe(false);
  });

  it('orders roles as Grafana does', () => {
    expect(roleIncludes('Admin', 'Editor')).toBe(true);
    expect(roleIncludes('Editor', 'Admin')).toBe(false);
    expect(roleIncludes('Viewer', 'None')).toBe(true);
  });
});

describe('interpolate and joinUrlPath', () => {
  const data = {
    JsonData: { exporterUrl: 'http://127.0.0.1:8080' },
    SecureJsonData: { operatorToken: 's3cret' },
  };

  it('fills JsonData and SecureJsonData, printing <no value> for a missing key as Go templates do', () => {
    expect(interpolate('{{ .JsonData.exporterUrl }}/api/ops/chaos', data)).toBe(
      'http://127.0.0.1:8080/api/ops/chaos',
    );
    expect(interpolate('Bearer {{.SecureJsonData.operatorToken}}', data)).toBe('Bearer s3cret');
    expect(interpolate('Bearer {{ .SecureJsonData.other }}', data)).toBe('Bearer <no value>');
    expect(() => interpolate('{{ env "HOME" }}', data)).toThrow(/unsupported template action/);
  });

  it('joins with exactly one slash', () => {
    expect(joinUrlPath('/api/ops/chaos', 'outage')).toBe('/api/ops/chaos/outage');
    expect(joinUrlPath('/api/ops/chaos/', '/outage')).toBe('/api/ops/chaos/outage');
    expect(joinUrlPath('/api/ops/chaos/', 'outage')).toBe('/api/ops/chaos/outage');
    expect(joinUrlPath('/api/ops/chaos', '')).toBe('/api/ops/chaos');
  });
});
