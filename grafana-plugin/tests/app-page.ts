import type { Browser, Page } from 'playwright-core';

import type { GrafanaStandIn } from './grafana-standin';
import type { SignedInUser } from './plugin-proxy';

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
