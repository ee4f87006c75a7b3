import pluginJson from './plugin.json';
import type { ProxyRoute } from './api/proxy-routes';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;
/** Where Grafana's plugin proxy serves this app's routes (after Grafana's own sub path, if any). */
export const PROXY_PATH = `/api/plugin-proxy/${pluginJson.id}`;
export const PROXY_ROUTES: readonly ProxyRoute[] = pluginJson.routes;

export enum ROUTES {
  SpikeLab = 'spike-lab',
  Incidents = 'incidents',
  QuietList = 'quiet-list',
  LiveSignal = 'live-signal',
  Quarantine = 'quarantine',
}
