import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

import { OPERATOR_TOKEN, type OpsBackend } from './backend';
import { startGrafanaStandIn, type GrafanaStandIn, type StandInOptions } from './grafana-standin';
import { PANEL_DIR, pluginRoot } from './harness-page';
import type { SignedInUser } from './plugin-proxy';

/** The Grafana stand-in in front of `backend`, serving the built app and its nested panel from dist/. */
export function appStandIn(
  backend: OpsBackend,
  sharedSet: StandInOptions['sharedSet'] = '12',
): Promise<GrafanaStandIn> {
  return startGrafanaStandIn({
    exporterUrl: backend.exporterUrl,
    operatorToken: OPERATOR_TOKEN,
    plugins: {
      'ops-cockpit-app': path.join(pluginRoot, 'dist'),
      'ops-cockpit-panel': path.join(pluginRoot, 'dist', PANEL_DIR),
    },
    sharedSet,
  });
}

/**
 * Signs `user` in and opens an app page on the Grafana stand-in, as a browser tab on Grafana would; script
 * errors of the page land in `errors`.
 */
export async function openAppPage(
  browser: Browser,
  grafana: GrafanaStandIn,
  user: SignedInUser,
  page: string,
  errors: string[],
  viewport = { width: 1200, height: 800 },
): Promise<Page> {
  grafana.signIn(user);
  const tab = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  tab.on('pageerror', (error) => errors.push(error.message));
  await tab.goto(`${grafana.url}/a/ops-cockpit-app/${page}`);
  await tab.waitForSelector('body[data-harness="ready"]');
  await tab.evaluate(() => document.fonts.ready.then(() => undefined));
  return tab;
}
