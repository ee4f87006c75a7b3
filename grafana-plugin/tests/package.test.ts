import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { checkPluginPackage } from './package-check';
import { pluginRoot } from './harness-page';

const version = JSON.parse(readFileSync(path.join(pluginRoot, 'package.json'), 'utf8')).version;
const expectations = { version, forbiddenInModule: ['progress-near-finish', 'exporter:8080'] };
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

test('the built dist/, in a folder named by the plugin id, passes every check', () => {
  expect(checkPluginPackage(packageAs('ops-cockpit-panel'), expectations)).toEqual([]);
});

test('the check fails a broken package: wrong folder, missing logo, placeholder, stray file', () => {
  const dir = packageAs('ops-cockpit');
  unlinkSync(path.join(dir, 'img', 'logo.svg'));
  const json = path.join(dir, 'plugin.json');
  writeFileSync(
    json,
    readFileSync(json, 'utf8').replace(`"version": "${version}"`, '"version": "%VERSION%"'),
  );
  writeFileSync(path.join(dir, 'scenarios.json'), '{}');
  expect(checkPluginPackage(dir, expectations)).toEqual([
    'folder ops-cockpit is not named by the plugin id ops-cockpit-panel',
    `info.version %VERSION% is not package.json's ${version}`,
    'plugin.json still has a %PLACEHOLDER%',
    'logo small img/logo.svg missing',
    'logo large img/logo.svg missing',
    'unexpected file scenarios.json',
  ]);
});
