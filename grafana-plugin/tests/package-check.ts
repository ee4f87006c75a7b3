import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

// Stands in for Grafana's plugin validator (which downloads a binary and cannot run here): the checks it makes
// of a packaged plugin folder that need no network.

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
const ALLOWED = [
  /^module\.js(\.map)?$/,
  /^plugin\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^CHANGELOG\.md$/,
  // Written by @grafana/sign-plugin into a signed package.
  /^MANIFEST\.txt$/,
  /^img\//,
  // The app's lazily loaded pages (webpack chunks, named by id).
  /^\d+\.js(\.map)?$/,
];
/** A nested plugin's folder holds its own module, plugin.json, README and images. */
const NESTED_ALLOWED = [/^module\.js(\.map)?$/, /^plugin\.json$/, /^README\.md$/, /^img\//];

function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const rel = prefix + name;
    return statSync(path.join(dir, name)).isDirectory() ? files(path.join(dir, name), `${rel}/`) : [rel];
  });
}

export interface Expectations {
  /** package.json version, which the build writes into plugin.json. */
  version: string;
  /** Strings of test-only code that must not be in module.js. */
  forbiddenInModule: string[];
}

type Problem = (ok: unknown, message: string) => void;

/**
 * The checks of one plugin in the package: its plugin.json, logos, screenshots and AMD module. `rel` is its folder
 * inside the package ('' for the app itself), `type` what it must be; the banner names the app, which builds all.
 */
function checkPlugin(
  dir: string,
  rel: string,
  type: 'app' | 'panel',
  appId: string,
  expect: Expectations,
  problem: Problem,
) {
  const where = rel === '' ? '' : `${rel}: `;
  const file = (name: string) => path.join(dir, rel, name);
  const raw = readFileSync(file('plugin.json'), 'utf8');
  const json = JSON.parse(raw);
  const info = json.info ?? {};

  problem(
    new RegExp(`^[a-z0-9]+-[a-z0-9]+-${type}$`).test(json.id ?? ''),
    `${where}id ${json.id} is not <org>-<name>-${type}`,
  );
  problem(json.type === type, `${where}type ${json.type} is not ${type}`);
  problem(typeof json.name === 'string' && json.name.trim() !== '', `${where}name empty`);
  problem((info.description ?? '').length >= 20, `${where}info.description missing or too short`);
  problem(info.author?.name, `${where}info.author.name missing`);
  problem(
    Array.isArray(info.keywords) && info.keywords.some((k: string) => k !== type),
    `${where}info.keywords say nothing beyond "${type}"`,
  );
  problem(
    Array.isArray(info.links) &&
      info.links.length > 0 &&
      info.links.every((l: { url?: string }) => /^https:\/\//.test(l.url ?? '')),
    `${where}info.links empty or not https`,
  );
  problem(
    info.version === expect.version,
    `${where}info.version ${info.version} is not package.json's ${expect.version}`,
  );
  problem(
    /^\d{4}-\d{2}-\d{2}$/.test(info.updated ?? ''),
    `${where}info.updated ${info.updated} is not a date`,
  );
  problem(!/%[A-Z_]+%/.test(raw), `${where}plugin.json still has a %PLACEHOLDER%`);
  problem(
    /^>=\d+\.\d+\.\d+$/.test(json.dependencies?.grafanaDependency ?? ''),
    `${where}grafanaDependency is not >=x.y.z`,
  );

  for (const [kind, logo] of Object.entries<string>(info.logos ?? {})) {
    problem(logo && existsSync(file(logo)), `${where}logo ${kind} ${logo} missing`);
  }
  problem(info.logos?.small && info.logos?.large, `${where}info.logos needs small and large`);
  problem(Array.isArray(info.screenshots) && info.screenshots.length > 0, `${where}no screenshots`);
  for (const shot of info.screenshots ?? []) {
    const ok = existsSync(file(shot.path)) && readFileSync(file(shot.path)).subarray(0, 4).equals(PNG_MAGIC);
    problem(ok && shot.name, `${where}screenshot ${shot.path} missing, not a PNG or unnamed`);
  }

  if (!existsSync(file('module.js'))) {
    problem(false, `${where}module.js missing`);
  } else {
    const module = readFileSync(file('module.js'), 'utf8');
    problem(/^(\/\*[^]*?\*\/\s*)*define\(/.test(module), `${where}module.js is not an AMD define()`);
    problem(module.includes(`plugin: ${appId}@`), `${where}module.js banner does not name the app`);
    for (const forbidden of expect.forbiddenInModule) {
      problem(!module.includes(forbidden), `${where}module.js contains test-only code (${forbidden})`);
    }
  }
  return json;
}

/**
 * Problems of the app's plugin folder `dir` (named by the app id, as in a release zip), nested plugins included;
 * empty when it passes. Each nested plugin is a folder with its own plugin.json that the app `includes`.
 */
export function checkPluginPackage(dir: string, expect: Expectations): string[] {
  const problems: string[] = [];
  const problem: Problem = (ok, message) => {
    if (!ok) {
      problems.push(message);
    }
  };
  if (!existsSync(path.join(dir, 'plugin.json'))) {
    return ['plugin.json missing'];
  }
  const all = files(dir).sort();
  const nested = all
    .filter((rel) => rel.endsWith('/plugin.json'))
    .map((rel) => rel.slice(0, -'/plugin.json'.length));
  const appId = JSON.parse(readFileSync(path.join(dir, 'plugin.json'), 'utf8')).id;
  const app = checkPlugin(dir, '', 'app', appId, expect, problem);
  problem(
    path.basename(dir) === app.id,
    `folder ${path.basename(dir)} is not named by the plugin id ${app.id}`,
  );
  problem(nested.length > 0, 'no nested plugin');
  const included = (app.includes ?? []).filter((i: { type?: string }) => i.type === 'panel');
  for (const rel of nested) {
    const panel = checkPlugin(dir, rel, 'panel', appId, expect, problem);
    problem(
      included.some((i: { name?: string }) => i.name === panel.name),
      `${rel}: the app does not include panel "${panel.name}"`,
    );
  }
  problem(
    included.length === nested.length,
    `the app includes ${included.length} panels, the package holds ${nested.length}`,
  );

  for (const doc of ['README.md', 'LICENSE', 'CHANGELOG.md']) {
    problem(existsSync(path.join(dir, doc)), `${doc} missing`);
  }
  if (existsSync(path.join(dir, 'README.md'))) {
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    problem(!readme.includes('<!--') && !/%[A-Z_]+%/.test(readme), 'README.md still has template text');
  }
  // The app's lazily loaded chunks ship too: no test-only code in them either.
  for (const chunk of all.filter((rel) => /^\d+\.js$/.test(rel))) {
    const code = readFileSync(path.join(dir, chunk), 'utf8');
    for (const forbidden of expect.forbiddenInModule) {
      problem(!code.includes(forbidden), `${chunk} contains test-only code (${forbidden})`);
    }
  }
  for (const rel of all) {
    const home = nested.find((n) => rel.startsWith(`${n}/`));
    const ok = home
      ? NESTED_ALLOWED.some((pattern) => pattern.test(rel.slice(home.length + 1)))
      : ALLOWED.some((pattern) => pattern.test(rel));
    problem(ok, `unexpected file ${rel}`);
  }
  return problems;
}
