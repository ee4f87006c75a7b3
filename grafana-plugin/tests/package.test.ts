import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { checkPluginPackage } from './package-check';
import { pluginRoot } from './harness-page';

const version = JSON.parse(readFileSync(path.join(pluginRoot, 'package.json'), 'utf8')).version;
// Test-only code (harness scenarios, the pages' in-memory client) and deployment values never ship.
const expectations = {
  version,
  forbiddenInModule: ['progress-near-finish', 'exporter:8080', 'FakeOpsClient', 'grafana-operator-token'],
};
const dist = path.join(pluginRoot, 'dist');

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ops-cockpit-package-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** What installing does: the built dist/ copied into a folder named by the plugin id. */
function packageAs(name: string): string {
  const dir = path.join(tmp, name);
  cpSync(dist, dir, { recursive: true });
  return dir;
}

test('the built dist/, in a folder named by the app id, passes every check, the nested panel too', () => {
  expect(checkPluginPackage(packageAs('ops-cockpit-app'), expectations)).toEqual([]);
  // One package installs both: the app at its root, the panel in its own folder with its own module.
  const nested = JSON.parse(readFileSync(path.join(dist, 'panels', 'ops-cockpit', 'plugin.json'), 'utf8'));
  expect([nested.type, nested.id]).toEqual(['panel', 'ops-cockpit-panel']);
});

test('the check fails a broken package: wrong folder, missing logo, placeholder, stray file, no panel module', () => {
  const dir = packageAs('ops-cockpit');
  unlinkSync(path.join(dir, 'img', 'logo.svg'));
  const json = path.join(dir, 'plugin.json');
  writeFileSync(
    json,
    readFileSync(json, 'utf8').replace(`"version": "${version}"`, '"version": "%VERSION%"'),
  );
  writeFileSync(path.join(dir, 'scenarios.json'), '{}');
  unlinkSync(path.join(dir, 'panels', 'ops-cockpit', 'module.js'));
  writeFileSync(path.join(dir, 'panels', 'ops-cockpit', 'frames.ts'), '');
  expect(checkPluginPackage(dir, expectations)).toEqual([
    `info.version %VERSION% is not package.json's ${version}`,
    'plugin.json still has a %PLACEHOLDER%',
    'logo small img/logo.svg missing',
    'logo large img/logo.svg missing',
    'folder ops-cockpit is not named by the plugin id ops-cockpit-app',
    'panels/ops-cockpit: module.js missing',
    'unexpected file panels/ops-cockpit/frames.ts',
    'unexpected file scenarios.json',
  ]);
});
