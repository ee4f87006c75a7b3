// @ts-check
// Bundles the browser harness (tests/harness/entry.tsx with React, @grafana/ui and the panel sources) into
// .harness/ with esbuild in a few seconds. The bundle is never linted or formatted (.harness/ is ignored).
const { build } = require('esbuild');
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

const pluginRoot = path.resolve(__dirname, '..');

/** The packages Grafana shares with plugins (and the harness renders with): one set per Grafana line tested. */
const SHARED = [
  'react',
  'react-dom',
  'react-router',
  'react-router-dom',
  'rxjs',
  '@emotion/css',
  '@grafana/data',
  '@grafana/runtime',
  '@grafana/ui',
  '@grafana/schema',
  '@grafana/i18n',
];
const SHARED_IMPORT = new RegExp(`^(${SHARED.map((p) => p.replace(/[/.]/g, '\\$&')).join('|')})(/.*)?$`);

/**
 * The second set: Grafana 13's shared packages with React 19, installed in tests/grafana13 (its own lockfile),
 * used by the harness only. The harness's and the plugin sources' imports of a shared package are resolved
 * there; packages inside the set resolve their own (@grafana/ui 13 keeps react-router-dom 5 for itself), so one
 * React and one @grafana/data are bundled, as Grafana 13 serves one of each.
 */
const GRAFANA13 = path.join(pluginRoot, 'tests', 'grafana13');

function sharedFrom(dir) {
  return {
    name: 'shared-packages',
    setup(b) {
      b.onResolve({ filter: SHARED_IMPORT }, (args) =>
        args.pluginData === 'shared' || args.importer.startsWith(dir + path.sep)
          ? undefined
          : b.resolve(args.path, { resolveDir: dir, kind: args.kind, pluginData: 'shared' }),
      );
    },
  };
}

/** The versions a set holds, shown by the pages and checked by the tests. */
function versionsIn(dir) {
  const version = (name) =>
    JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  return {
    react: version('react'),
    grafanaUi: version('@grafana/ui'),
    grafanaData: version('@grafana/data'),
    grafanaRuntime: version('@grafana/runtime'),
  };
}

const COMMON = {
  absWorkingDir: pluginRoot,
  bundle: true,
  format: 'iife',
  target: 'chrome120',
  minify: true,
  logLevel: 'warning',
  // Monaco's and Grafana's fonts and images are not needed by the panel; the page serves Inter itself.
  loader: { '.svg': 'text', '.ttf': 'empty', '.woff': 'empty', '.woff2': 'empty', '.png': 'empty' },
};
const defineFor = (dir) => ({
  'process.env.NODE_ENV': '"production"',
  global: 'window',
  __SHARED_SET__: JSON.stringify(versionsIn(dir)),
});

/** Whether the Grafana 13 set is installed (`npm ci` in tests/grafana13). */
const hasGrafana13 = () => existsSync(path.join(GRAFANA13, 'node_modules', '@grafana', 'ui', 'package.json'));

async function buildHarness() {
  if (hasGrafana13()) {
    await build({
      ...COMMON,
      entryPoints: { amd: 'tests/harness/amd-entry.tsx', app: 'tests/harness/app-entry.tsx' },
      outdir: path.join(pluginRoot, '.harness', 'g13'),
      define: defineFor(GRAFANA13),
      plugins: [sharedFrom(GRAFANA13)],
    });
  }
  await build({
    entryPoints: {
      harness: 'tests/harness/entry.tsx',
      amd: 'tests/harness/amd-entry.tsx',
      app: 'tests/harness/app-entry.tsx',
    },
    ...COMMON,
    outdir: path.join(pluginRoot, '.harness'),
    define: defineFor(pluginRoot),
  });
}

module.exports = { buildHarness, hasGrafana13, GRAFANA13 };

if (require.main === module) {
  buildHarness().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
