// The release archive as `npm run package` makes it (scripts/package.js, from the built dist/): unzipped, laid out
// as Grafana installs it, and its module.js files loaded from the unzipped folder through the same AMD harness
// and Grafana stand-in as the built dist/ is in module.test.ts and app.test.ts.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';

import { launchChromium } from './chromium';
import { startGrafanaStandIn } from './grafana-standin';
import { Harness, PANEL_DIR, ROOTS, pluginRoot } from './harness-page';
import { checkPluginPackage } from './package-check';
import { filesUnder, packagePlugin, type PluginRelease, releaseProblems } from '../scripts/package';

const version: string = JSON.parse(readFileSync(path.join(pluginRoot, 'package.json'), 'utf8')).version;
const dist = path.join(pluginRoot, 'dist');
let tmp: string;
let release: PluginRelease;
/** The unzipped archive's top folder: what Grafana's plugins directory holds after installing it. */
let installed: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ops-cockpit-release-'));
  release = packagePlugin({ outDir: path.join(tmp, 'artifacts') });
  const extracted = path.join(tmp, 'plugins');
  for (const [name, bytes] of Object.entries(unzipSync(readFileSync(release.zip)))) {
    const file = path.join(extracted, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }
  installed = path.join(extracted, 'ops-cockpit-app');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('is named <plugin id>-<package.json version>.zip, with its SHA-256 in sha256sum format beside it', () => {
  expect(path.basename(release.zip)).toBe(`ops-cockpit-app-${version}.zip`);
  const digest = createHash('sha256').update(readFileSync(release.zip)).digest('hex');
  expect(readFileSync(release.sha256File, 'utf8')).toBe(`${digest}  ops-cockpit-app-${version}.zip\n`);
  // Same dist/, same bytes: entries sorted, fixed times.
  expect(packagePlugin({ outDir: path.join(tmp, 'again') }).sha256).toBe(digest);
});

test('holds one top folder named by the app id with exactly the built files, nested panel included', () => {
  const names = Object.keys(unzipSync(readFileSync(release.zip)));
  expect(new Set(names.map((name) => name.split('/')[0]))).toEqual(new Set(['ops-cockpit-app']));
  expect(filesUnder(installed)).toEqual(filesUnder(dist));
  expect(filesUnder(installed)).toEqual(
    expect.arrayContaining(['module.js', 'plugin.json', `panels/ops-cockpit/module.js`]),
  );
  expect(
    checkPluginPackage(installed, {
      version,
      forbiddenInModule: ['progress-near-finish', 'exporter:8080', 'FakeOpsClient', 'grafana-operator-token'],
    }),
  ).toEqual([]);
});

test('refuses a dist/ stamped with another version, and a CHANGELOG without a section for this one', () => {
  const stale = path.join(tmp, 'stale');
  mkdirSync(stale);
  writeFileSync(
    path.join(stale, 'plugin.json'),
    JSON.stringify({ id: 'ops-cockpit-app', info: { version: '0.0.1' } }),
  );
  expect(releaseProblems({ dist: stale, version, changelog: '# Changelog\n\n## 0.0.1\n' })).toEqual([
    `plugin.json says version 0.0.1, package.json ${version}: rebuild`,
    `CHANGELOG.md has no "## ${version}" section`,
  ]);
  expect(
    releaseProblems({
      dist,
      version,
      changelog: readFileSync(path.join(pluginRoot, 'CHANGELOG.md'), 'utf8'),
    }),
  ).toEqual([]);
});

test("the archive's panel module.js loads through AMD and draws a view", async () => {
  const harness = new Harness();
  try {
    await harness.start('/amd.html', { ...ROOTS, dist: installed });
    const drawn = await harness.page.evaluate(() => {
      const w = window as unknown as {
        amdMissing: string[];
        cockpitModule: { plugin: { panel: unknown; defaults: object } };
        cockpitHarness: {
          mount(p: unknown, s: string, t: string, o: object): void;
          flushSync(f: () => void): void;
        };
      };
      const { plugin } = w.cockpitModule;
      w.cockpitHarness.flushSync(() =>
        w.cockpitHarness.mount(plugin.panel, 'progress', 'dark', plugin.defaults),
      );
      return {
        missing: w.amdMissing,
        text: document.querySelector('[data-testid="panel"]')?.textContent ?? '',
      };
    });
    expect(drawn.missing).toEqual([]);
    expect(drawn.text).not.toBe('');
    expect(harness.errors).toEqual([]);
    expect(harness.server.missing).toEqual([]);
  } finally {
    await harness.stop();
  }
});

/** A loopback port nothing listens on: the app's calls through the plugin proxy get Grafana's 502. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("the archive's app module.js loads on the Grafana stand-in, its lazy page chunk included", async () => {
  const grafana = await startGrafanaStandIn({
    exporterUrl: `http://127.0.0.1:${await closedPort()}`,
    operatorToken: 'release-test-operator-token',
    plugins: { 'ops-cockpit-app': installed, 'ops-cockpit-panel': path.join(installed, PANEL_DIR) },
  });
  const browser = await launchChromium();
  try {
    grafana.signIn({ login: 'ada-admin', role: 'Admin' });
    const tab = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(`${grafana.url}/a/ops-cockpit-app/spike-lab`);
    await tab.waitForSelector('body[data-harness="ready"]');
    // The Spike Lab page (a chunk of its own) rendered and reached the proxy, which found no exporter.
    await tab.getByTestId('ops-error').getByText('Could not load Spike Lab').waitFor();
    expect(await tab.evaluate(() => (window as unknown as { amdMissing: string[] }).amdMissing)).toEqual([]);
    expect(errors).toEqual([]);
    expect(grafana.missing).toEqual([]);
    expect(grafana.proxyLog.map((entry) => entry.status)).toContain(502);
  } finally {
    await browser.close();
    await grafana.close();
  }
});
