// @ts-check
// The release archive: `npm run package` (= build, then this) writes artifacts/<plugin id>-<version>.zip laid
// out as Grafana installs it (one top folder named by the plugin id, the nested panel inside) and beside it
// <zip>.sha256 in `sha256sum` format. The version has one source, package.json: webpack stamps it into every
// plugin.json (%VERSION%), and this refuses to package a dist/ that says otherwise or a CHANGELOG.md without
// a section for it. A signed dist/ (MANIFEST.txt from @grafana/sign-plugin) is packaged as it is, so the release
// workflow builds, signs, then runs `npm run package:zip`.
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { zipSync } = require('fflate');

const pluginRoot = path.resolve(__dirname, '..');

/** Every file under `dir`, as sorted paths relative to it with `/` separators. */
function filesUnder(dir, prefix = '') {
  return readdirSync(dir)
    .flatMap((name) => {
      const rel = prefix + name;
      return statSync(path.join(dir, name)).isDirectory()
        ? filesUnder(path.join(dir, name), `${rel}/`)
        : [rel];
    })
    .sort();
}

/**
 * Why `dist` may not be released as `version`, or an empty list. Pure reads: a test can point it anywhere.
 * @param {{ dist: string; version: string; changelog: string }} input
 */
function releaseProblems({ dist, version, changelog }) {
  if (!existsSync(path.join(dist, 'plugin.json'))) {
    return [`${dist}/plugin.json is missing: run npm run build first`];
  }
  const problems = filesUnder(dist)
    .filter((rel) => rel === 'plugin.json' || rel.endsWith('/plugin.json'))
    .flatMap((rel) => {
      const stamped = JSON.parse(readFileSync(path.join(dist, rel), 'utf8')).info?.version;
      return stamped === version ? [] : [`${rel} says version ${stamped}, package.json ${version}: rebuild`];
    });
  const heading = new RegExp(`^## ${version.replace(/\./g, '\\.')}(\\s|$)`, 'm');
  if (!heading.test(changelog)) {
    problems.push(`CHANGELOG.md has no "## ${version}" section`);
  }
  return problems;
}

/**
 * Zips `dist` under a top folder named by its plugin id. Entries are sorted and carry a fixed time, so the same
 * dist/ always gives the same bytes (and the same SHA-256).
 * @param {{ dist?: string; outDir?: string; root?: string }} [options]
 * @returns {{ zip: string; sha256File: string; sha256: string; id: string; version: string }}
 */
function packagePlugin({
  root = pluginRoot,
  dist = path.join(root, 'dist'),
  outDir = path.join(root, 'artifacts'),
} = {}) {
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const changelog = readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');
  const problems = releaseProblems({ dist, version, changelog });
  if (problems.length > 0) {
    throw new Error(`cannot package ${dist}:\n  ${problems.join('\n  ')}`);
  }
  const { id } = JSON.parse(readFileSync(path.join(dist, 'plugin.json'), 'utf8'));

  const mtime = new Date('2000-01-01T00:00:00Z');
  /** @type {import('fflate').Zippable} */
  const entries = {};
  for (const rel of filesUnder(dist)) {
    entries[`${id}/${rel}`] = [readFileSync(path.join(dist, rel)), { mtime, level: 9 }];
  }
  const bytes = zipSync(entries);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const name = `${id}-${version}.zip`;
  mkdirSync(outDir, { recursive: true });
  const zip = path.join(outDir, name);
  const sha256File = `${zip}.sha256`;
  writeFileSync(zip, bytes);
  writeFileSync(sha256File, `${sha256}  ${name}\n`);
  return { zip, sha256File, sha256, id, version };
}

module.exports = { packagePlugin, releaseProblems, filesUnder };

if (require.main === module) {
  try {
    const { zip, sha256 } = packagePlugin();
    process.stdout.write(`${path.relative(process.cwd(), zip)}\nsha256 ${sha256}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
