import path from 'node:path';
import { Browser, Page } from 'playwright-core';

import { launchChromium } from './chromium';
import { baselineSettings } from './screenshots';
import { HarnessRoots, HarnessServer, startHarnessServer } from './server';

export const pluginRoot = path.resolve(__dirname, '..');

export const ROOTS: HarnessRoots = {
  pages: path.join(pluginRoot, 'tests', 'harness'),
  harness: path.join(pluginRoot, '.harness'),
  dist: path.join(pluginRoot, 'dist'),
  fonts: process.env.INTER_FONT_DIR ?? '/usr/share/fonts/opentype/inter',
};

/** Where the nested panel plugin lives in the app's sources, and in the built dist/. */
export const PANEL_DIR = path.join('panels', 'ops-cockpit');

/** Baselines double as the plugins' catalogue screenshots and the README's images: the panel's, the app's. */
export const BASELINES = baselineSettings(
  path.join(pluginRoot, 'src', PANEL_DIR, 'img', 'screenshots'),
  path.join(pluginRoot, '.test-results', 'screenshots'),
);
export const APP_BASELINES = baselineSettings(
  path.join(pluginRoot, 'src', 'img', 'screenshots'),
  path.join(pluginRoot, '.test-results', 'screenshots'),
);

export type Theme = 'light' | 'dark';

export interface PageOptions {
  theme?: Theme;
  reducedMotion?: 'reduce' | 'no-preference';
}

/** One Chromium, one harness server and one page for a test file; the page collects its script errors. */
export class Harness {
  browser!: Browser;
  server!: HarnessServer;
  page!: Page;
  readonly errors: string[] = [];

  /** Starts the server and Chromium, and opens `pagePath` (the harness page by default); `roots` say what it serves. */
  async start(pagePath = '/', roots: HarnessRoots = ROOTS) {
    this.server = await startHarnessServer(roots);
    this.browser = await launchChromium();
    this.page = await this.browser.newPage({ viewport: { width: 820, height: 440 }, deviceScaleFactor: 1 });
    this.page.on('pageerror', (error) => this.errors.push(error.message));
    await this.page.goto(`${this.server.url}${pagePath}`);
    await this.page.waitForSelector('body[data-harness="ready"]', { state: 'attached' });
  }

  async stop() {
    await this.browser?.close();
    await this.server?.close();
  }

  /** Renders a scenario with the panel sources (a fresh mount, the mouse moved away); waits for fonts. */
  async show(scenario: string, { theme = 'dark', reducedMotion = 'no-preference' }: PageOptions = {}) {
    await this.page.mouse.move(0, 0);
    await this.page.emulateMedia({ reducedMotion });
    await this.page.evaluate(
      ([name, mode]) => (window as unknown as HarnessWindow).cockpitHarness.show(name, mode),
      [scenario, theme] as const,
    );
    await this.settle();
    return this.page;
  }

  /** Waits until fonts have loaded and the browser has painted. */
  async settle() {
    await this.page.evaluate(() =>
      document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(r))),
    );
  }
}

interface HarnessWindow {
  cockpitHarness: { show(name: string, theme: Theme): void };
}
