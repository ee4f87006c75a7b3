import appPluginJson from '../../../plugin.json';
import { APP_ID, appLinkFor } from './app-links';

describe('appLinkFor', () => {
  it('leads each view to its page of the app', () => {
    expect(appLinkFor('stress')).toEqual({ path: '/a/ops-cockpit-app/incidents', label: 'Incidents' });
    expect(appLinkFor('heatmap')).toEqual({ path: '/a/ops-cockpit-app/quiet-list', label: 'Quiet list' });
    expect(appLinkFor('progress').path).toBe('/a/ops-cockpit-app/quiet-list');
    expect(appLinkFor('pulse')).toEqual({ path: '/a/ops-cockpit-app/spike-lab', label: 'Spike Lab' });
    expect(appLinkFor('signal')).toEqual({ path: '/a/ops-cockpit-app/live-signal', label: 'Live signal' });
  });

  it('names pages the app declares', () => {
    expect(APP_ID).toBe(appPluginJson.id);
    const pages = appPluginJson.includes
      .filter((i) => i.type === 'page')
      .map((i) => (i.path ?? '').replace('%PLUGIN_ID%', appPluginJson.id));
    for (const view of ['stress', 'heatmap', 'progress', 'pulse', 'signal'] as const) {
      expect(pages).toContain(appLinkFor(view).path);
    }
  });
});
