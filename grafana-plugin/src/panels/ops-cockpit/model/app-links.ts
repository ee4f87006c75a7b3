import { CockpitView } from '../types';

/** The Ops Cockpit app this panel is nested in; its pages live under /a/<app id>/. */
export const APP_ID = 'ops-cockpit-app';

export interface AppLink {
  /** Path inside Grafana, before its sub path (if any) is added. */
  path: string;
  label: string;
}

const page = (path: string, label: string): AppLink => ({ path: `/a/${APP_ID}/${path}`, label });

/**
 * Where each view leads in the app: the stress view to the incidents that lower the calm score, the heatmap and
 * the progress ring to the quiet list, whose nudges bring runners (and miles) back; the pulse grid to Spike Lab,
 * where provider outages are rehearsed; the signal to its live page, fed by the exporter's stream.
 */
const LINKS: Record<CockpitView, AppLink> = {
  stress: page('incidents', 'Incidents'),
  heatmap: page('quiet-list', 'Quiet list'),
  progress: page('quiet-list', 'Quiet list'),
  pulse: page('spike-lab', 'Spike Lab'),
  signal: page('live-signal', 'Live signal'),
};

export function appLinkFor(view: CockpitView): AppLink {
  return LINKS[view];
}
