// @ts-check
// Bundles the browser harness (tests/harness/entry.tsx with React, @grafana/ui and the panel sources) into
// .harness/ with esbuild in a few seconds. The bundle is never linted or formatted (.harness/ is ignored).
const { build } = require('esbuild');
const path = require('node:path');

const pluginRoot = path.resolve(__dirname, '..');

async function buildHarness() {
  await build({
    absWorkingDir: pluginRoot,
    entryPoints: {
      harness: 'tests/harness/entry.tsx',
      amd: 'tests/harness/amd-entry.tsx',
      app: 'tests/harness/app-entry.tsx',
    },
    outdir: path.join(pluginRoot, '.harness'),
    bundle: true,
    format: 'iife',
    target: 'chrome120',
    minify: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    // Monaco's and Grafana's fonts and images are not needed by the panel; the page serves Inter itself.
    loader: { '.svg': 'text', '.ttf': 'empty', '.woff': 'empty', '.woff2': 'empty', '.png': 'empty' },
  });
}

module.exports = { buildHarness };

if (require.main === module) {
  buildHarness().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
