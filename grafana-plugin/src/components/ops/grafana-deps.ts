import { config } from '@grafana/runtime';
import { createOpsClient } from '../../api/ops-client';
import { isOrgRole } from '../../api/proxy-routes';
import { PROXY_PATH, PROXY_ROUTES } from '../../constants';
import type { OpsDeps } from './ops-context';

/**
 * The pages' dependencies inside Grafana: the plugin proxy under Grafana's sub path, reached with the browser's
 * session cookie (fetch for calls, EventSource for the live signal), and the signed-in user's org role from
 * Grafana's boot data.
 */
export function grafanaDeps(): OpsDeps {
  const orgRole = config.bootData?.user?.orgRole;
  const proxy = `${config.appSubUrl ?? ''}${PROXY_PATH}`;
  return {
    client: createOpsClient({
      baseUrl: proxy,
      fetch: (input, init) => window.fetch(input, init),
    }),
    role: isOrgRole(orgRole) ? orgRole : 'None',
    routes: PROXY_ROUTES,
    now: () => Date.now(),
    newId: () => crypto.randomUUID(),
    // Same origin: the browser sends Grafana's session cookie with it, as with fetch.
    openStream: (path) => new EventSource(`${proxy}/${path}`),
  };
}
