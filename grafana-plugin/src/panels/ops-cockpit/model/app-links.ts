import { CockpitView } from '../types';

/** The Ops Cockpit app this panel is nested in; its pages live under /a/<app id>/. */
export const APP_ID = 'ops-cockpit-app';

export interface AppLink {
  /** Path inside Grafana, before its sub path (if any) is added. */
  path: string;
  label: string;
}

/**
 * Where each view leads in the app: the stress view to the incidents that lower the calm score, the heatmap and
 * the progress ring to the quiet list, whose nudges bring runners (and miles) back.
 */
export function appLinkFor(view: CockpitView): AppLink {
  return view === 'stress'
    ? { path: `/a/${APP_ID}/incidents`, label: 'Incidents' }
    : { path: `/a/${APP_ID}/quiet-list`, label: 'Quiet list' };
}
