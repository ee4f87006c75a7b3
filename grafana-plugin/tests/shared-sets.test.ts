// The built dist/ (the panel's module.js and the app's module.js with its chunks) loaded against both sets of
// Grafana's shared packages: the 12.4 set with React 18 that the plugin is built against, and the newest
// Grafana 13 set with React 19 (tests/grafana13, used by the harness only). Every panel view and every app
// page renders, without a script error or a missing file, on each; the panel draws the same pixels.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';

import { appStandIn, openAppPage } from './app-page';
import { startOpsBackend, type OpsBackend } from './backend';
import { launchChromium } from './chromium';
import type { GrafanaStandIn } from './grafana-standin';
import { BASELINES, Harness, pluginRoot } from './harness-page';
import { baselineSettings, checkBaseline } from './screenshots';

interface SharedSet {
  react: string;
  grafanaUi: string;
  grafanaData: string;
  grafanaRuntime: string;
}

/**
 * The 12.4 set draws exactly the panel's baselines (its catalogue screenshots). Grafana 13's theme rounds corners
 * more and spaces text a little differently, so its drawings have baselines of their own.
 */
const SETS = [
  { name: '12', page: '/amd.html', react: /^18\./, grafana: /^12\.4\./, baselines: BASELINES },
  {
    name: '13',
    page: '/g13/amd.html',
    react: /^19\./,
    grafana: /^13\./,
    baselines: baselineSettings(
      path.join(pluginRoot, 'tests', 'baselines-grafana13'),
      path.join(pluginRoot, '.test-results', 'screenshots-grafana13'),
    ),
  },
] as const;

/** What each view draws when it has data: the element its tests look for. */
const DRAWN: Record<string, string> = {
  heatmap: 'cockpit-heatmap',
  progress: 'progress-ring',
  stress: 'cockpit-stress',
  pulse: 'cockpit-pulse',
  signal: 'ecg',
};

test('the Grafana 13 set is installed (npm ci in tests/grafana13), so its bundle was built', () => {
  expect(existsSync(path.join(pluginRoot, 'tests', 'grafana13', 'node_modules', '@grafana', 'ui'))).toBe(
    true,
  );
  expect(existsSync(path.join(pluginRoot, '.harness', 'g13', 'amd.js'))).toBe(true);
});

describe.each(SETS)('Grafana $name shared packages', (set) => {
  describe('the built panel module', () => {
    const harness = new Harness();
    beforeAll(() => harness.start(set.page));
    afterAll(() => harness.stop());

    /** Renders a scenario with the built module's panel, as module.test.ts does. */
    const render = (scenario: string) =>
      harness.page.evaluate((name) => {
        const w = window as unknown as {
          cockpitModule: { plugin: { panel: unknown; defaults: object } };
          cockpitHarness: {
            mount(panel: unknown, scenario: string, theme: string, options: object): void;
            flushSync(fn: () => void): void;
          };
        };
        const { plugin } = w.cockpitModule;
        w.cockpitHarness.flushSync(() => w.cockpitHarness.mount(plugin.panel, name, 'dark', plugin.defaults));
      }, scenario);

    test('runs on the expected React and @grafana packages, defined with no missing dependency', async () => {
      const { shared, missing } = await harness.page.evaluate(() => {
        const w = window as unknown as { cockpitHarness: { sharedSet: SharedSet }; amdMissing: string[] };
        return { shared: w.cockpitHarness.sharedSet, missing: w.amdMissing };
      });
      expect(shared.react).toMatch(set.react);
      for (const version of [shared.grafanaUi, shared.grafanaData, shared.grafanaRuntime]) {
        expect(version).toMatch(set.grafana);
      }
      expect(missing).toEqual([]);
    });

    test('every view scenario renders: its drawing, or the no-data view', async () => {
      const scenarios = await harness.page.evaluate(
        () =>
          (
            window as unknown as {
              cockpitHarness: { scenarios: Record<string, { view: string; empty: boolean }> };
            }
          ).cockpitHarness.scenarios,
      );
      expect(Object.keys(scenarios).length).toBeGreaterThan(15);
      const views = new Set<string>();
      for (const [scenario, { view, empty }] of Object.entries(scenarios)) {
        await render(scenario);
        await harness.settle();
        const panel = harness.page.getByTestId('panel');
        const shown = empty
          ? (await panel.innerText()).includes('No data')
          : (await panel.getByTestId(DRAWN[view]).count()) === 1;
        expect({ scenario, shown }).toEqual({ scenario, shown: true });
        views.add(view);
      }
      expect([...views].sort()).toEqual(Object.keys(DRAWN).sort());
      expect(harness.errors).toEqual([]);
      expect(harness.server.missing).toEqual([]);
    });

    test("draws the same pixels as the set's baselines", async () => {
      for (const scenario of ['heatmap', 'stressed', 'pulse-down', 'signal-spike']) {
        await render(scenario);
        await harness.settle();
        const png = await harness.page.getByTestId('panel').screenshot({ animations: 'disabled' });
        expect(
          await checkBaseline(
            `${scenario}-dark`,
            png,
            set.baselines === BASELINES ? { ...BASELINES, update: false, ci: true } : set.baselines,
          ),
        ).toBeUndefined();
      }
    });
  });
});

describe('the built app, every page, on both sets', () => {
  let backend: OpsBackend;
  let browser: Browser;
  const grafanas: Record<string, GrafanaStandIn> = {};
  const errors: string[] = [];

  beforeAll(async () => {
    backend = await startOpsBackend('grafsets', { THROUGHPUT_PUSH_SECONDS: '1' });
    for (const { name } of SETS) {
      grafanas[name] = await appStandIn(backend, name);
    }
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const grafana of Object.values(grafanas)) {
      await grafana.close();
    }
    await backend?.stop();
  });

  // Each page's own sign that it loaded its data from the exporter through the proxy.
  const PAGES: Array<[string, string]> = [
    ['spike-lab', '[data-testid="spike-lab"][data-active-faults="0"]'],
    ['incidents', ':text("No incidents match these filters.")'],
    ['quiet-list', '[data-testid="quiet-list"]'],
    ['live-signal', '[data-testid="live-signal"][data-status="live"]'],
  ];

  test.each(SETS.flatMap((set) => PAGES.map(([page, sign]) => [set.name, page, sign, set.react] as const)))(
    'Grafana %s: page %s loads and shows its data',
    async (name, page, sign, react) => {
      const grafana = grafanas[name];
      const tab = await openAppPage(browser, grafana, { login: 'ada-admin', role: 'Admin' }, page, errors);
      const shared = await tab.evaluate(
        () => (window as unknown as { cockpitApp: { sharedSet: SharedSet } }).cockpitApp.sharedSet,
      );
      expect(shared.react).toMatch(react);
      await tab.locator(sign).first().waitFor({ timeout: 20_000 });
      expect(await tab.getByTestId('ops-error').count()).toBe(0);
      expect(await tab.evaluate(() => (window as unknown as { amdMissing: string[] }).amdMissing)).toEqual(
        [],
      );
      await tab.close();
      expect(errors.splice(0)).toEqual([]);
      expect(grafana.missing.splice(0)).toEqual([]);
    },
  );
});
