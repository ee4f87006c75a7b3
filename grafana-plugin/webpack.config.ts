// Extends the generated .config/webpack/webpack.config.ts (left as create-plugin wrote it), as create-plugin's
// documentation describes. Nested plugins are already bundled (one entry per src/**/plugin.json with a module
// beside it) and their plugin.json copied; what .config copies of logos, screenshots and README covers the app's
// own only, so each nested plugin's img/ and README.md are copied here, beside its plugin.json.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';

import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  return {
    ...base,
    plugins: [
      ...(base.plugins ?? []),
      new CopyWebpackPlugin({
        patterns: [
          { from: 'panels/*/img/**/*', to: '[path][name][ext]' },
          { from: 'panels/*/README.md', to: '[path][name][ext]' },
        ],
      }),
    ],
  };
};

export default config;
