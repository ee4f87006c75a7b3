// The built artifact: the panel's module.js, nested in the app's dist/ (dist/panels/ops-cockpit/), loaded through
// an AMD define() that supplies Grafana's shared packages, as Grafana's plugin loader does. Proves the bundle exports a working PanelPlugin, not just that it compiles.
import { BASELINES, Harness } from './harness-page';
import { checkBaseline } from './screenshots';

const harness = new Harness();

beforeAll(() => harness.start('/amd.html'));
afterAll(() => harness.stop());

interface AmdWindow {
  amdRequested: string[];
  amdMissing: string[];
  cockpitModule: { plugin: any };
  cockpitHarness: {
    mount(panel: unknown, scenario: string, theme: string, options: object): void;
    grafanaData: any;
    flushSync(fn: () => void): void;
  };
}

const render = (scenario: string) =>
  harness.page.evaluate((name) => {
    const w = window as unknown as AmdWindow;
    const { plugin } = w.cockpitModule;
    w.cockpitHarness.flushSync(() => w.cockpitHarness.mount(plugin.panel, name, 'dark', plugin.defaults));
  }, scenario);

test('define() asks only for packages Grafana shares, and the module loads without a script error', async () => {
  const { requested, missing } = await harness.page.evaluate(() => {
    const w = window as unknown as AmdWindow;
    return { requested: w.amdRequested, missing: w.amdMissing };
  });
  expect(missing).toEqual([]);
  expect(requested).toEqual(expect.arrayContaining(['@grafana/data', '@grafana/ui', 'react', 'module']));
  expect(harness.errors).toEqual([]);
  expect(harness.server.missing).toEqual([]);
});

test('exports a PanelPlugin of @grafana/data with the documented options and defaults', async () => {
  const info = await harness.page.evaluate(() => {
    const w = window as unknown as AmdWindow;
    const { plugin } = w.cockpitModule;
    const { PanelPlugin, PanelOptionsEditorBuilder } = w.cockpitHarness.grafanaData;
    const builder = new PanelOptionsEditorBuilder();
    plugin.getPanelOptionsSupplier()(builder, { data: [] });
    const items: Array<{
      path: string;
      showIf?: (o: object) => boolean;
      settings?: { options?: Array<{ value: string }> };
    }> = builder.getItems();
    const shown = (view: string) => items.filter((i) => !i.showIf || i.showIf({ view })).map((i) => i.path);
    return {
      isPanelPlugin: plugin instanceof PanelPlugin,
      defaults: plugin.defaults,
      paths: items.map((i) => i.path),
      views: items.find((i) => i.path === 'view')?.settings?.options?.map((o) => o.value),
      shown: Object.fromEntries(
        ['heatmap', 'progress', 'stress', 'pulse', 'signal'].map((view) => [view, shown(view)]),
      ),
    };
  });
  expect(info.isPanelPlugin).toBe(true);
  expect(info.defaults).toEqual({
    view: 'heatmap',
    goalMiles: 100,
    stressThreshold: 50,
    pulseWarnPercent: 99,
    pulseCriticalPercent: 95,
    pulseLatencyMs: 500,
    flatlineSeconds: 60,
    spikeFactor: 3,
  });
  expect(info.paths).toEqual([
    'view',
    'goalMiles',
    'stressThreshold',
    'pulseWarnPercent',
    'pulseCriticalPercent',
    'pulseLatencyMs',
    'flatlineSeconds',
    'spikeFactor',
  ]);
  expect(info.views).toEqual(['heatmap', 'progress', 'stress', 'pulse', 'signal']);
  expect(info.shown).toEqual({
    heatmap: ['view'],
    progress: ['view', 'goalMiles'],
    stress: ['view', 'stressThreshold'],
    pulse: ['view', 'pulseWarnPercent', 'pulseCriticalPercent', 'pulseLatencyMs'],
    signal: ['view', 'flatlineSeconds', 'spikeFactor'],
  });
});

test('the built panel draws each view exactly as the sources do (same screenshot baselines)', async () => {
  for (const scenario of [
    'heatmap',
    'progress',
    'stressed',
    'pulse-down',
    'signal-flatline',
    'signal-spike',
  ]) {
    await render(scenario);
    await harness.settle();
    const png = await harness.page.getByTestId('panel').screenshot({ animations: 'disabled' });
    expect(
      await checkBaseline(`${scenario}-dark`, png, { ...BASELINES, update: false, ci: true }),
    ).toBeUndefined();
  }
  expect(harness.errors).toEqual([]);
});

test("the built panel shows Grafana's no-data view when the query returns nothing", async () => {
  await render('heatmap-empty');
  expect(await harness.page.getByTestId('panel').innerText()).toContain('No data');
});
