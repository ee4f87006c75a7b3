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
  /^img\//,
];

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

/** Problems of the plugin folder `dir` (named by the plugin id, as in a release zip); empty when it passes. */
export function checkPluginPackage(dir: string, expect: Expectations): string[] {
  const problems: string[] = [];
  const problem = (ok: unknown, message: string) => {
    if (!ok) {
      problems.push(message);
    }
  };
  const file = (rel: string) => path.join(dir, rel);
  const jsonPath = file('plugin.json');
  if (!existsSync(jsonPath)) {
    return ['plugin.json missing'];
  }
  const raw = readFileSync(jsonPath, 'utf8');
  const json = JSON.parse(raw);
  const info = json.info ?? {};

  problem(
    path.basename(dir) === json.id,
    `folder ${path.basename(dir)} is not named by the plugin id ${json.id}`,
  );
  problem(/^[a-z0-9]+-[a-z0-9]+-panel$/.test(json.id ?? ''), `id ${json.id} is not <org>-<name>-panel`);
  problem(json.type === 'panel', `type ${json.type} is not panel`);
  problem(typeof json.name === 'string' && json.name.trim() !== '', 'name empty');
  problem((info.description ?? '').length >= 20, 'info.description missing or too short');
  problem(info.author?.name, 'info.author.name missing');
  problem(
    Array.isArray(info.keywords) && info.keywords.some((k: string) => k !== 'panel'),
    'info.keywords say nothing beyond "panel"',
  );
  problem(
    Array.isArray(info.links) &&
      info.links.length > 0 &&
      info.links.every((l: { url?: string }) => /^https:\/\//.test(l.url ?? '')),
    'info.links empty or not https',
  );
  problem(
    info.version === expect.version,
    `info.version ${info.version} is not package.json's ${expect.version}`,
  );
  problem(/^\d{4}-\d{2}-\d{2}$/.test(info.updated ?? ''), `info.updated ${info.updated} is not a date`);
  problem(!/%[A-Z_]+%/.test(raw), 'plugin.json still has a %PLACEHOLDER%');
  problem(
    /^>=\d+\.\d+\.\d+$/.test(json.dependencies?.grafanaDependency ?? ''),
    'grafanaDependency is not >=x.y.z',
  );

  for (const [kind, logo] of Object.entries<string>(info.logos ?? {})) {
    problem(logo && existsSync(file(logo)), `logo ${kind} ${logo} missing`);
  }
  problem(info.logos?.small && info.logos?.large, 'info.logos needs small and large');
  problem(Array.isArray(info.screenshots) && info.screenshots.length > 0, 'no screenshots');
  for (const shot of info.screenshots ?? []) {
    const ok = existsSync(file(shot.path)) && readFileSync(file(shot.path)).subarray(0, 4).equals(PNG_MAGIC);
    problem(ok && shot.name, `screenshot ${shot.path} missing, not a PNG or unnamed`);
  }

  for (const doc of ['README.md', 'LICENSE', 'CHANGELOG.md']) {
    problem(existsSync(file(doc)), `${doc} missing`);
  }
  if (existsSync(file('README.md'))) {
    const readme = readFileSync(file('README.md'), 'utf8');
    problem(!readme.includes('<!--') && !/%[A-Z_]+%/.test(readme), 'README.md still has template text');
  }

  if (!existsSync(file('module.js'))) {
    problems.push('module.js missing');
  } else {
    const module = readFileSync(file('module.js'), 'utf8');
    problem(/^(\/\*[^]*?\*\/\s*)*define\(/.test(module), 'module.js is not an AMD define()');
    problem(module.includes(`plugin: ${json.id}@`), 'module.js banner does not name the plugin');
    for (const forbidden of expect.forbiddenInModule) {
      problem(!module.includes(forbidden), `module.js contains test-only code (${forbidden})`);
    }
  }
  for (const rel of files(dir)) {
    problem(
      ALLOWED.some((pattern) => pattern.test(rel)),
      `unexpected file ${rel}`,
    );
  }
  return problems;
}
